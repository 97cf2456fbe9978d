"""What a review run should do on GitHub or GitLab, decided without talking to either.

Given the findings, the lines of the pull (merge) request's diff and the comments reviewbot left before,
``plan`` says which inline comments to post (only on right-side lines of the diff, one per line,
at most ``max_comments``, errors first), which old comments to delete or mark resolved, and which
findings only the summary can list. Every comment carries a hidden marker with the finding's fingerprint, so a
re-run recognises its own comments without knowing the bot's login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from reviewbot.escape import markdown
from reviewbot.fix import apply_edits
from reviewbot.model import Finding

# Hidden marker in every inline comment: the fingerprints of the findings it is about, the first
# naming the comment.
MARKER = "<!-- reviewbot:fp={} -->"
# Finds the marker again in a comment body.
# Only at the very end of a body, where reviewbot puts it: the same text inside a suggested line of
# code (a marker written into the scanned file) is code, not a marker.
MARKER_PATTERN = re.compile(r"<!-- reviewbot:fp=([0-9a-f]+(?:,[0-9a-f]+)*) -->\s*\Z")


@dataclass(frozen=True)
class InlineComment:
    """A review comment to post: ``line`` (and ``start_line`` for a range) on the right side."""

    path: str
    line: int
    start_line: int | None
    body: str
    fingerprint: str
    # Every finding the comment is about (findings on one line share one comment), the first included.
    covers: tuple[str, ...]


@dataclass(frozen=True)
class PostedComment:
    """A review comment already on the pull request."""

    id: int
    path: str
    body: str
    # Someone answered it: it is edited to say "resolved" instead of being deleted.
    replied: bool = False
    # Written by the identity running reviewbot: only then is a marker in it reviewbot's own.
    ours: bool = True

    @property
    def fingerprint(self) -> str | None:
        """The first fingerprint in reviewbot's marker, ``None`` for comments of others (even with a marker)."""
        return self.fingerprints[0] if self.fingerprints else None

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """Every fingerprint in reviewbot's marker: the findings the comment is about."""
        match = MARKER_PATTERN.search(self.body) if self.ours else None
        return tuple(match[1].split(",")) if match else ()


@dataclass
class Plan:
    """The actions of one run."""

    post: list[InlineComment] = field(default_factory=list)
    delete: list[PostedComment] = field(default_factory=list)
    resolve: list[PostedComment] = field(default_factory=list)
    # Findings that get no inline comment: outside the diff, or over the cap.
    not_inline: list[Finding] = field(default_factory=list)
    # Findings that already have their comment from an earlier run.
    already_posted: list[Finding] = field(default_factory=list)


def hunk_of(hunks: tuple[tuple[int, int], ...], line: int) -> tuple[int, int] | None:
    """The hunk (first, last right-side line) containing ``line``."""
    for first, last in hunks:
        if first <= line <= last:
            return (first, last)
    return None


def placement(finding: Finding, hunks: tuple[tuple[int, int], ...], added: frozenset[int]) -> tuple[int, int] | None:
    """``(start_line, line)`` for the comment, or ``None`` when no line of it is in the diff.

    A range must lie inside one hunk; otherwise the comment shrinks to the finding's first line.
    A finding about a whole function sits on its ``def`` line when that is in the diff, else on
    the function's first added line.
    """
    start, end = finding.line, max(finding.end_line, finding.line)
    hunk = hunk_of(hunks, start)
    if hunk is not None:
        return (start, end) if end <= hunk[1] else (start, start)
    if finding.scope is not None:
        first_added = min((line for line in added if finding.scope[0] <= line <= finding.scope[1]), default=None)
        if first_added is not None:
            return (first_added, first_added)
    return None


def suggestion(finding: Finding, lines: list[str], start: int, end: int) -> str | None:
    """A ```suggestion block replacing lines ``start..end`` with the fixed text, if the fix fits."""
    if finding.fix is None or any(e.line < start or e.end_line > end for e in finding.fix.edits):
        return None
    original = "\n".join(lines[start - 1 : end])
    edits = [
        type(edit)(edit.line - start + 1, edit.column, edit.end_line - start + 1, edit.end_column, edit.replacement)
        for edit in finding.fix.edits
    ]
    fixed = apply_edits(original, edits)
    # The fence must be longer than any run of backticks in the suggested code.
    longest = max((len(run) for run in re.findall(r"`+", fixed)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}suggestion\n{fixed}\n{fence}"


# The id of one of reviewbot's own rules (``RB101``).
BUILT_IN_ID = re.compile(r"RB[0-9]{3}")


def comment_body(findings: list[Finding], docs_url: str, suggested: tuple[Finding, str] | None, blob_url: str = "") -> str:
    """The text of an inline comment about the findings of one line: for each, rule, message,
    agent rule (linked to the line of the agent file it comes from, under ``blob_url``) and docs
    link; and a suggestion, under the finding whose fix it is."""
    parts = []
    for finding in findings:
        parts.append(f"**{finding.rule}** `{finding.name}` ({finding.severity.label}): {markdown(finding.message)}")
        if finding.quote:
            where = ""
            if finding.source is not None:
                path, line = finding.source
                where = f" ([{markdown(path)}#L{line}]({blob_url}/{quote(path)}#L{line}))" if blob_url else f" ({markdown(path)}:{line})"
            parts.append(f"> Agent rule: “{markdown(finding.quote)}”{where}")
        if suggested is not None and finding is suggested[0]:
            parts.append(suggested[1])
        # reviewbot's own rules have a section in its docs; a team's checks and plugins do not.
        if BUILT_IN_ID.fullmatch(finding.rule):
            parts.append(f"[{finding.rule} documentation]({docs_url}#{finding.rule.lower()}-{finding.name})")
    parts.append(MARKER.format(",".join(finding.fingerprint for finding in findings)))
    return "\n\n".join(parts)


@dataclass(frozen=True)
class DiffFile:
    """One file of the pull request's diff, right side."""

    hunks: tuple[tuple[int, int], ...]
    added: frozenset[int]
    # The file's lines at the head commit, for suggestions.
    lines: list[str] = field(default_factory=list)


def plan(
    findings: list[Finding],
    diff: dict[str, DiffFile],
    posted: list[PostedComment],
    *,
    max_comments: int,
    docs_url: str,
    blob_url: str = "",
) -> Plan:
    """Decide the run's actions (see the module docstring); findings are in report order.

    ``posted`` are the pull request's review comments; only those with reviewbot's marker are
    considered. A comment is removed only when its finding is gone from ``findings``.
    """
    result = Plan()
    earlier = {fingerprint for comment in posted for fingerprint in comment.fingerprints}
    # Findings that may get a comment, by the lines it would sit on: one comment per place.
    places: dict[tuple[str, int, int], list[Finding]] = {}
    for finding in findings:
        if finding.fingerprint in earlier:
            result.already_posted.append(finding)
            continue
        file = diff.get(finding.path)
        where = placement(finding, file.hunks, file.added) if file is not None else None
        if where is None:
            result.not_inline.append(finding)
            continue
        places.setdefault((finding.path, where[1], where[0]), []).append(finding)
    # The budget goes to errors first, then warnings, then info; a flood of comments helps nobody,
    # and the summary lists the rest.
    ranked = sorted(places, key=lambda place: -max(finding.severity for finding in places[place]))
    chosen = set(ranked[:max_comments])
    for place, found in places.items():
        if place not in chosen:
            result.not_inline.extend(found)
            continue
        path, line, start = place
        file = diff[path]
        # The most serious first; the suggestion is the first fix that fits the lines.
        found.sort(key=lambda finding: (-finding.severity, finding.sort_key))
        fitting = [(finding, text) for finding in found if file.lines and (text := suggestion(finding, file.lines, start, line)) is not None]
        body = comment_body(found, docs_url, fitting[0] if fitting else None, blob_url)
        covers = tuple(finding.fingerprint for finding in found)
        result.post.append(InlineComment(path, line, start if start < line else None, body, covers[0], covers))
    result.not_inline.sort(key=lambda finding: finding.sort_key)
    current = {finding.fingerprint for finding in findings}
    for comment in posted:
        if comment.fingerprints and not current.intersection(comment.fingerprints):
            (result.resolve if comment.replied else result.delete).append(comment)
    return result
