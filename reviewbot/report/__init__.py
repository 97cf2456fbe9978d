"""Reporters: one module per output format, each a pure ``render(findings, run) -> str``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from reviewbot.config import Settings
from reviewbot.model import Facts, Finding, Severity


@dataclass(frozen=True)
class Run:
    """What a report needs to know about the scan besides its findings."""

    settings: Settings
    files: int
    # Colour escapes are wanted (text format on a terminal).
    color: bool = False
    # Findings fixed by ``--fix`` during this run.
    fixed: int = 0
    # Text format: the findings only, no summary.
    quiet: bool = False
    # JSON format: the files' facts, for ``reviewbot merge`` (a shard's report).
    facts: tuple[Facts, ...] = ()


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


def renderers() -> dict[str, Callable[[list[Finding], Run], str]]:
    """Format name -> renderer."""
    from reviewbot.report import github, json_format, markdown, sarif, text

    return {
        "text": text.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
        "markdown": markdown.render,
    }
