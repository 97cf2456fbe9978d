"""The ``reviewbot agents`` report: each statement of the agent files, its kind and the words that
decided it, and what enforces it (rules with the phrases that matched, a config check, a waiver) or
why nothing does; then the conflicts between statements and which side wins. As text for people,
JSON for tools, Markdown for a team's docs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from reviewbot.agents import Conflict, Coverage
from reviewbot.escape import markdown, printable

# ``reviewbot agents --format`` choices, the default first.
FORMATS = ("text", "json", "markdown")
# The kinds ``--check`` holds to account: a statement that asks something of the code.
CHECKED_KINDS = ("prohibition", "requirement")


@dataclass(frozen=True)
class Report:
    """The agent files' statements and what the run knows of each."""

    # Each agent file by repository path, with its statements' coverage.
    files: list[tuple[str, list[Coverage]]]
    # The config's waiver of each statement nothing enforces, by ``id`` of its coverage.
    waivers: dict[int, str | None]
    # Rules that cannot report anything in this repository, and why.
    silent: dict[str, str]
    # The config's ``checks`` that enforce a statement, by (path, line).
    checks: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()

    def enforced_by(self, c: Coverage) -> tuple[str, ...]:
        """The rules and checks that enforce a statement."""
        return (*c.rules, *self.checks.get((c.statement.path, c.statement.line), ()))

    def unchecked(self) -> list[Coverage]:
        """The requirements and prohibitions that nothing enforces, no waiver excuses and nothing
        explains (``Coverage.explained``: ``--check`` fails on them)."""
        return [
            c
            for _, covered in self.files
            for c in covered
            if c.statement.kind in CHECKED_KINDS and not self.enforced_by(c) and self.waivers.get(id(c)) is None and not c.explained
        ]


def render(report: Report, form: str) -> str:
    """The report in ``form`` (one of ``FORMATS``)."""
    if form == "json":
        return _json(report)
    if form == "markdown":
        # A table per file, for a team's own docs (docs/agents.md holds the backend-engineer agent's).
        return "\n".join(f"## {markdown(name)}\n\n{coverage_table(name, covered, report.waivers, report.checks)}" for name, covered in report.files)
    return _text(report)


def _what(report: Report, c: Coverage) -> str:
    """What enforces a statement, as one line: rules with their evidence, checks, a waiver, or why not."""
    silent = report.silent
    if report.enforced_by(c):
        parts = [f"{rule} ({silent[rule]})" if rule in silent else rule for rule in c.rules]
        evidence = "; ".join(dict.fromkeys(f'"{word}"' for rule in c.rules for word in c.evidence.get(rule, ())[:1]))
        parts += [f"check {check}" for check in report.checks.get((c.statement.path, c.statement.line), ())]
        preference = " (a preference: `packs: [auto]` enables no rule for it)" if c.statement.kind == "preference" and c.rules else ""
        return ", ".join(parts) + (f" [matched {evidence}]" if evidence else "") + preference
    waiver = report.waivers.get(id(c))
    return f"waived: {waiver}" if waiver is not None else f"not checked: {c.reason}"


def _json(report: Report) -> str:
    """One document for tools: files, their statements (line, kind, cue, rules, evidence, the rules
    asked against, or the reason for none), then the conflicts."""
    files = [
        {
            "path": name,
            "statements": [
                # ``path`` differs from the file's for a statement an ``@import`` brought in.
                {
                    "path": c.statement.path,
                    "line": c.statement.line,
                    "end_line": c.statement.end_line,
                    "text": c.statement.text,
                    "kind": c.statement.kind,
                    "cue": c.statement.cue,
                    "section": c.statement.section,
                    "details": list(c.statement.details),
                    "example": c.statement.example,
                    "rules": list(c.rules),
                    "against": list(c.against),
                    "evidence": {rule: list(words) for rule, words in c.evidence.items()},
                    "checks": list(report.checks.get((c.statement.path, c.statement.line), ())),
                    "reason": c.reason,
                    "waived": report.waivers.get(id(c)),
                    "silent": {rule: report.silent[rule] for rule in c.rules if rule in report.silent},
                }
                for c in covered
            ],
        }
        for name, covered in report.files
    ]
    conflicts = [
        {
            "rule": conflict.rule,
            "asking": [f"{s.path}:{s.line}" for s in conflict.asking],
            "against": [f"{s.path}:{s.line}" for s in conflict.against],
            "winner": f"{conflict.winner.path}:{conflict.winner.line}",
        }
        for conflict in report.conflicts
    ]
    return json.dumps({"files": files, "conflicts": conflicts}, indent=2, ensure_ascii=False) + "\n"


def _text(report: Report) -> str:
    """For people: each file, then each statement on one line (line, kind, text), what decided its
    kind and what enforces it on the next; then the conflicts."""
    if not report.files:
        return "reviewbot: no agent files found (CLAUDE.md, AGENTS.md, .claude/agents/*.md, Copilot or Cursor rules)\n"
    lines = []
    for name, covered in report.files:
        lines.append(printable(name))
        for c in covered:
            s = c.statement
            where = f"{s.line:>4}" if s.path == name else f"{printable(s.path)}:{s.line}"
            because = f"{printable(s.cue)}: " if s.cue else ""
            lines.append(f"  {where} {s.kind:<12} {printable(s.text)}\n{'':>19}{because}-> {printable(_what(report, c))}")
            if c.against:
                words = "; ".join(dict.fromkeys(f'"{w}"' for r in c.against for w in c.evidence.get(r, ())[:1]))
                lines.append(f"{'':>19}asks the opposite of {', '.join(c.against)} [{printable(words)}]")
    if report.conflicts:
        lines.append("conflicts (the winner decides where both apply):")
        for conflict in report.conflicts:
            sides = [f"for: {s.path}:{s.line}" for s in conflict.asking] + [f"against: {s.path}:{s.line}" for s in conflict.against]
            winner = conflict.winner
            side = "against" if winner in conflict.against else "for"
            lines.append(f"  {conflict.rule}: {', '.join(printable(x) for x in sides)}; wins: {side} ({printable(winner.path)}:{winner.line})")
    return "\n".join(lines) + "\n"


def unchecked_text(unchecked: list[Coverage]) -> str:
    """What ``--check`` prints on standard error: each open statement, then what to do about them."""
    lines = [f"{printable(c.statement.path)}:{c.statement.line}: {c.statement.kind} not enforced by any rule or check: {printable(c.statement.text)}" for c in unchecked]
    count = len(unchecked)
    lines.append(
        f"reviewbot: {count} statement{'s' if count != 1 else ''} of the agent files {'are' if count != 1 else 'is'} neither enforced nor waived; "
        "turn one into a check (`reviewbot agents --suggest` drafts them, docs/checks.md), or waive it with a reason in the config "
        '(agents: {waive: {"statement text or regex": "why"}})'
    )
    return "\n".join(lines) + "\n"


def coverage_table(name: str, covered: list[Coverage], waivers: dict[int, str | None], checks: dict[tuple[str, int], tuple[str, ...]] | None = None) -> str:
    """The coverage table of agent file ``name`` (docs/agents.md holds one): every statement, its
    kind, and its rules and checks, or the waiver, or why none; ``waivers`` by ``id`` of the
    coverage, ``checks`` by the statement each enforces."""
    rows = ["| line | kind | statement | enforced by, or why not |", "|---|---|---|---|"]
    for c in covered:
        waiver = waivers.get(id(c))
        enforcing = [*c.rules, *(f"check {check}" for check in (checks or {}).get((c.statement.path, c.statement.line), ()))]
        what = ", ".join(enforcing) if enforcing else f"waived: {waiver}" if waiver is not None else f"not checked: {c.reason}"
        # A statement an ``@import`` brought in is on a line of its own file.
        line = str(c.statement.line) if c.statement.path == name else f"{c.statement.path}:{c.statement.line}"
        # Escaped, ``|`` included: agent files are the repository's words.
        rows.append(f"| {markdown(line)} | {c.statement.kind} | {markdown(c.statement.text)} | {markdown(what)} |")
    return "\n".join(rows) + "\n"
