"""``--format text``: one line per finding, then a summary by rule (colour only on a terminal)."""

from __future__ import annotations

from collections import Counter

from reviewbot.escape import printable
from reviewbot.model import Finding, Severity
from reviewbot.report.base import Run, plural

# ANSI colours per severity (red, yellow, cyan), used only on a terminal.
COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, enabled: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if enabled else text


# More findings than this on a scan without a baseline: the summary says how to adopt reviewbot
# in existing code (``reviewbot baseline``).
MANY = 50


def render(findings: list[Finding], run: Run) -> str:
    """``path:line:col: RB101 [error] message`` lines, most severe first (errors, then warnings,
    then info, each by path and line), and the summary.

    ``[*]`` marks findings that ``--fix`` can fix, as Ruff does. ``run.show`` leaves the less
    severe findings out of the list (the summary still counts them).
    """
    color = run.color
    lines = []
    shown = [f for f in findings if run.show is None or f.severity >= run.show]
    # ``sorted`` keeps the path order among findings of one severity.
    for f in sorted(shown, key=lambda finding: finding.severity, reverse=True):
        # Paths and messages carry repository text: a newline in a file name must not start a line
        # a CI runner would read as a workflow command.
        location = _paint(f"{printable(f.path)}:{f.line}:{f.column}:", "1", color)
        rule = _paint(f"{f.rule} [{f.severity.label}]", COLORS[f.severity], color)
        marker = " [*]" if f.fix is not None else ""
        lines.append(f"{location} {rule} {printable(f.message)}{marker}")
    if run.quiet:
        return "".join(line + "\n" for line in lines)
    if lines:
        lines.append("")
    lines.extend(summary_lines(findings, run))
    hidden = len(findings) - len(shown)
    if hidden:
        lines.append(f"{plural(hidden, 'finding')} below {run.show.label if run.show else 'info'} not listed (`--show info` lists every one).")
    if len(findings) > MANY and not (run.baseline or run.changed_lines):
        lines.append("Adopting reviewbot in existing code? `reviewbot baseline` records these findings, and scans then report only new ones.")
    return "\n".join(lines) + "\n"


def summary_lines(findings: list[Finding], run: Run) -> list[str]:
    """The grouped summary printed after the findings: totals, then one line per rule."""
    files = plural(run.files, "file")
    fixed = f" Fixed {plural(run.fixed, 'finding')}." if run.fixed else ""
    if not run.files and not findings:
        return ["No Python file changed: nothing to check (0 files)." if run.changed_lines else "No Python file to scan: nothing was checked (0 files)."]
    if not findings:
        return [f"All checks passed ({files} scanned).{fixed}"]
    # Most severe first: "2 errors, 1 warning, 3 info".
    severities = Counter(f.severity for f in findings)
    counts = ", ".join(plural(severities[s], s.label) for s in sorted(severities, reverse=True))
    lines = [f"Found {plural(len(findings), 'finding')} in {files} ({counts}).{fixed}"]
    by_rule = Counter(f.rule for f in findings)
    fixable = Counter(f.rule for f in findings if f.fix is not None)
    # Each rule with its count and the agent sentence it enforces.
    for rule_id in sorted(by_rule):
        rule = run.rules[rule_id]
        marker = " [*]" if fixable[rule_id] else "    "
        quote = f'  "{printable(rule.quote)}"' if rule.quote else ""
        lines.append(f"  {by_rule[rule_id]:>5}  {rule_id}{marker} {rule.name:<30}{quote}")
    if fixable:
        total = sum(fixable.values())
        lines.append(f"[*] {total} fixable with `reviewbot scan --fix`.")
    return lines
