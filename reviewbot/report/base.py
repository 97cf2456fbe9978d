"""What every sink shares: the ``Renderer`` protocol, the ``Run`` it renders, and small helpers.

Sinks read a narrow view of the scan, never ``Settings``: the caller builds it (``Run.of``), so
rendering a report needs neither the config nor the rules, nor LibCST behind them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from reviewbot.model import Facts, Finding, Severity

if TYPE_CHECKING:
    from reviewbot.config import Settings


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about one rule: its declaration's words, its severity and quote as configured."""

    name: str
    summary: str
    why: str
    severity: Severity
    quote: str | None


@dataclass(frozen=True)
class Run:
    """What a report needs to know about the scan besides its findings."""

    files: int
    # Every rule the config knows, by id: the text, markdown and SARIF reports describe them.
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    # The rules that ran; SARIF describes each of them, found or not.
    selected: frozenset[str] = frozenset()
    # The gate: findings at or above it fail the run; ``None`` is ``--fail-on never``.
    fail_on: Severity | None = Severity.ERROR
    # Colour escapes are wanted (text format on a terminal).
    color: bool = False
    # Findings fixed by ``--fix`` during this run.
    fixed: int = 0
    # Text format: the findings only, no summary ...
    quiet: bool = False
    # ... only those at or above this severity listed (``--show``; ``None``: all) ...
    show: Severity | None = None
    # ... and whether a baseline filtered them, or a change selected them (no hint to write a
    # baseline, then; a change without Python files says so).
    baseline: bool = False
    changed_lines: bool = False
    # JSON format: the files' facts, for ``reviewbot merge`` (a shard's report) ...
    facts: tuple[Facts, ...] = ()
    # ... and which shard it is (``(K, N)`` of ``--shard K/N``), so that ``merge`` sees one missing.
    shard: tuple[int, int] | None = None

    @classmethod
    def of(cls, settings: Settings, files: int) -> Run:
        """The part of ``settings`` a report reads, for a scan of ``files`` files."""
        rules = {
            rule_id: RuleInfo(spec.rule.name, spec.rule.summary, spec.rule.why, spec.severity, spec.quote)
            for rule_id, spec in settings.specs.items()
        }
        return cls(files, rules, settings.selected, settings.fail_on)

    def fails(self, finding: Finding) -> bool:
        """Whether ``finding`` is at or above the gate (``Settings.fails``)."""
        return self.fail_on is not None and finding.severity >= self.fail_on


class Renderer(Protocol):
    """A format: the whole report as text, which the caller writes to a file or a stream."""

    def __call__(self, findings: list[Finding], run: Run, /) -> str:
        """The report of ``findings``, in report order."""


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``; "info" has no plural."""
    return f"{count} {word}" if count == 1 or word == "info" else f"{count} {word}s"


def summary(findings: list[Finding], files: int) -> dict[str, object]:
    """Counts by rule and by severity, as the JSON report spells them."""
    by_rule = Counter(finding.rule for finding in findings)
    by_severity = Counter(finding.severity.label for finding in findings)
    return {
        "files": files,
        "findings": len(findings),
        "by_rule": dict(sorted(by_rule.items())),
        "by_severity": {level.label: by_severity.get(level.label, 0) for level in sorted(Severity, reverse=True)},
    }
