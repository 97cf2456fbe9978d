"""The ``reviewbot agents`` report: each bullet of the agent files and what enforces it, or the
waiver, or why nothing does; as text for people, JSON for tools, Markdown for a team's docs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from reviewbot.agents import Coverage
from reviewbot.escape import markdown, printable

# ``reviewbot agents --format`` choices, the default first.
FORMATS = ("text", "json", "markdown")


@dataclass(frozen=True)
class Report:
    """The agent files' bullets and what the run knows of each."""

    # Each agent file by repository path, with its bullets' coverage.
    files: list[tuple[str, list[Coverage]]]
    # The config's waiver of each bullet no rule enforces, by ``id`` of its coverage.
    waivers: dict[int, str | None]
    # Rules that cannot report anything in this repository, and why.
    silent: dict[str, str]

    def unchecked(self) -> list[Coverage]:
        """The rules and prohibitions neither enforced nor waived (``--check`` fails on them)."""
        return [c for _, covered in self.files for c in covered if not c.rules and self.waivers.get(id(c)) is None and c.bullet.kind != "responsibility"]


def render(report: Report, form: str) -> str:
    """The report in ``form`` (one of ``FORMATS``)."""
    if form == "json":
        return _json(report)
    if form == "markdown":
        # A table per file, for a team's own docs (docs/agents.md holds the backend-engineer agent's).
        return "\n".join(f"## {markdown(name)}\n\n{coverage_table(name, covered, report.waivers)}" for name, covered in report.files)
    return _text(report)


def _json(report: Report) -> str:
    """One document for tools: files, then their bullets with line, kind, rules or the reason for none."""
    files = [
        {
            "path": name,
            "bullets": [
                # ``path`` differs from the file's for a bullet an ``@import`` brought in.
                {
                    "path": c.bullet.path,
                    "line": c.bullet.line,
                    "text": c.bullet.text,
                    "kind": c.bullet.kind,
                    "section": c.bullet.section,
                    "rules": list(c.rules),
                    "reason": c.reason,
                    "waived": report.waivers.get(id(c)),
                    "silent": {rule: report.silent[rule] for rule in c.rules if rule in report.silent},
                }
                for c in covered
            ],
        }
        for name, covered in report.files
    ]
    return json.dumps({"files": files}, indent=2, ensure_ascii=False) + "\n"


def _text(report: Report) -> str:
    """For people: each file, then each bullet on one line and what enforces it on the next."""
    if not report.files:
        return "reviewbot: no agent files found (CLAUDE.md, AGENTS.md, .claude/agents/*.md, Copilot or Cursor rules)\n"
    lines = []
    silent = report.silent
    for name, covered in report.files:
        lines.append(printable(name))
        for c in covered:
            waiver = report.waivers.get(id(c))
            what = ", ".join(f"{rule} ({silent[rule]})" if rule in silent else rule for rule in c.rules) if c.rules else f"waived: {waiver}" if waiver is not None else f"not checked: {c.reason}"
            where = f"{c.bullet.line:>4}" if c.bullet.path == name else f"{printable(c.bullet.path)}:{c.bullet.line}"
            lines.append(f"  {where} {c.bullet.kind:<14} {printable(c.bullet.text)}\n{'':>21}-> {printable(what)}")
    return "\n".join(lines) + "\n"


def unchecked_text(unchecked: list[Coverage]) -> str:
    """What ``--check`` prints on standard error: each open bullet, then what to do about them."""
    lines = [f"{printable(c.bullet.path)}:{c.bullet.line}: {c.bullet.kind} not enforced by any rule: {printable(c.bullet.text)}" for c in unchecked]
    count = len(unchecked)
    lines.append(
        f"reviewbot: {count} rule{'s' if count != 1 else ''} of the agent files {'are' if count != 1 else 'is'} neither enforced nor waived; "
        'waive each with a reason in the config (agents: {waive: {"bullet text or regex": "why"}})'
    )
    return "\n".join(lines) + "\n"


def coverage_table(name: str, covered: list[Coverage], waivers: dict[int, str | None]) -> str:
    """The coverage table of agent file ``name`` (docs/agents.md holds one): every bullet, its
    kind, and its rules, or the waiver, or why none; ``waivers`` by ``id`` of the coverage."""
    rows = ["| line | kind | bullet | enforced by, or why not |", "|---|---|---|---|"]
    for c in covered:
        waiver = waivers.get(id(c))
        what = ", ".join(c.rules) if c.rules else f"waived: {waiver}" if waiver is not None else f"not checked: {c.reason}"
        # A bullet an ``@import`` brought in is on a line of its own file.
        line = str(c.bullet.line) if c.bullet.path == name else f"{c.bullet.path}:{c.bullet.line}"
        # Escaped, ``|`` included: agent files are the repository's words.
        rows.append(f"| {markdown(line)} | {c.bullet.kind} | {markdown(c.bullet.text)} | {markdown(what)} |")
    return "\n".join(rows) + "\n"
