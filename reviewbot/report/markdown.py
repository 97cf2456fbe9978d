"""``--format markdown``: the summary a pull request comment or ``$GITHUB_STEP_SUMMARY`` shows."""

from __future__ import annotations

from collections import Counter

from reviewbot.escape import code, markdown
from reviewbot.model import Finding, Severity
from reviewbot.report.base import Run, plural

# Hidden marker that identifies reviewbot's summary comment on a pull request.
SUMMARY_MARKER = "<!-- reviewbot:summary -->"
# Findings listed one by one at most; a step summary must stay far below GitHub's 1 MiB.
MAX_LISTED = 200
# Icons per severity in the tables.
ICONS = {Severity.ERROR: ":x:", Severity.WARNING: ":warning:", Severity.INFO: ":information_source:"}


def gate_line(findings: list[Finding], run: Run) -> str:
    """Whether the merge gate passes, in one line."""
    threshold = run.fail_on
    if threshold is None:
        return f"Gate: off (`--fail-on never`), {plural(len(findings), 'finding')}."
    failing = sum(1 for finding in findings if run.fails(finding))
    if failing:
        return f":x: **Gate failed**: {plural(failing, 'finding')} at or above `{threshold.label}`."
    return f":white_check_mark: **Gate passed**: nothing at or above `{threshold.label}`."


def render(
    findings: list[Finding],
    run: Run,
    listed: list[Finding] | None = None,
    title: str = "Findings",
    max_chars: int | None = None,
    full_list: str = "run `reviewbot scan` locally",
) -> str:
    """The summary: gate, counts by severity and by rule with the agent rules, then a list.

    ``listed`` are the findings to list one by one (default: all of them); a pull request
    review lists only those it could not place as inline comments. Within ``max_chars`` (a
    comment's limit on GitHub) the list is cut, with a line saying how many were left out and
    where ``full_list`` they all are.
    """
    lines = [SUMMARY_MARKER, "## reviewbot", "", gate_line(findings, run), ""]
    if findings:
        severities = Counter(finding.severity for finding in findings)
        counts = ", ".join(f"{ICONS[s]} {plural(severities[s], s.label)}" for s in sorted(severities, reverse=True))
        lines += [f"{plural(len(findings), 'finding')} in {plural(run.files, 'scanned file')}: {counts}.", ""]
        # One row per rule, with the sentence of the agent's instructions it enforces.
        lines += ["| rule | name | findings | agent rule |", "|---|---|---:|---|"]
        for rule_id, count in sorted(Counter(finding.rule for finding in findings).items()):
            rule = run.rules[rule_id]
            # The quote may be a bullet of the repository's own agent file: escaped like its code.
            quote = f"“{markdown(rule.quote)}”" if rule.quote else "—"
            lines.append(f"| `{rule_id}` | {rule.name} | {count} | {quote} |")
        lines.append("")
    shown = findings if listed is None else listed
    if not shown:
        return _within("\n".join(lines), max_chars, full_list)
    lines += [f"### {title} ({len(shown)})", ""]
    items = []
    for finding in shown[:MAX_LISTED]:
        location = code(f"{finding.path}:{finding.line}")
        items.append(f"- {ICONS[finding.severity]} {location} **{finding.rule}** {markdown(finding.message)}")
    head = "\n".join(lines)
    # Room for the items, the line saying how many were left out (its count can only get shorter)
    # and the newlines joining them.
    budget = None if max_chars is None else max_chars - len(head) - len(_left_out(len(shown), full_list)) - 3
    taken = 0
    used = 0
    for item in items:
        if budget is not None and used + len(item) + 1 > budget:
            break
        used += len(item) + 1
        taken += 1
    if taken < len(shown):
        items[taken:] = [_left_out(len(shown) - taken, full_list)]
    return _within("\n".join([head, *items, ""]), max_chars, full_list)


def _left_out(count: int, where: str) -> str:
    return f"- … and {plural(count, 'more finding')} not listed here: {where} for all of them"


def _within(body: str, max_chars: int | None, where: str) -> str:
    """``body`` cut to ``max_chars`` (a table of long agent rules can outgrow a comment too)."""
    if max_chars is None or len(body) <= max_chars:
        return body
    note = f"\n\n… cut to the limit for a comment: {where} for the whole summary.\n"
    return body[: max_chars - len(note)] + note
