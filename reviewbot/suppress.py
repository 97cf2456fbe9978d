"""Suppression comments: ``# reviewbot: ignore[RB101]``, ``# noqa: RB101`` (and Ruff's or flake8's
equivalent codes, and a bare ``# noqa``), ``ignore-file``. The checks a config writes are named by
their ids in ``ignore[...]`` (``# reviewbot: ignore[no-session-commit]``); ``# noqa:`` takes codes only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Both directives must start the comment or follow white space (a second "#" after some words);
# a comment that quotes the syntax between backticks is not a directive.
# `# reviewbot: ignore`, `# reviewbot: ignore[RB101, RB205]`, `# reviewbot: ignore-file[...]`.
IGNORE = re.compile(r"(?:^|\s)#\s*reviewbot:\s*ignore(?P<file>-file)?\b(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
# `# noqa: RB101, E501` (the Ruff/flake8 spelling), and a bare `# noqa` (every rule on the line).
NOQA = re.compile(r"(?:^|\s)#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
# One rule code inside either comment.
CODE = re.compile(r"[A-Z]+[0-9]+")
# The id of a check a config writes (``checks:``, ``reviewbot.written``): lower-case words joined by
# hyphens, at least two, so that no id reads as a rule code or a code prefix in any case.
CHECK_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
# What separates the codes inside ``ignore[...]``.
SEPARATOR = re.compile(r"[\s,]+")
# RB003's message for an ``ignore`` without codes that silenced nothing in the file's own phase.
UNUSED = "suppression comment suppressed nothing"
# ``ignore-file`` comments count only near the top of the file.
FILE_LEVEL_LINES = 10


@dataclass
class Suppression:
    """One suppression directive. ``codes`` is ``None`` for "every rule"."""

    line: int
    codes: frozenset[str] | None
    file_level: bool
    used: set[str] = field(default_factory=set)
    # Written for other tools too (a bare ``# noqa``, or Ruff's or flake8's codes): it silences
    # the matching rules, and is never reported for silencing nothing (RB003).
    shared: bool = False

    @property
    def misplaced(self) -> bool:
        """An ``ignore-file`` below the first lines, where it has no effect."""
        return self.file_level and self.line > FILE_LEVEL_LINES

    def covers(self, rule: str) -> bool:
        """Whether this directive suppresses ``rule``."""
        return not self.misplaced and (self.codes is None or rule in self.codes)


@dataclass(frozen=True)
class Noqa:
    """How ``# noqa`` comments are read: other tools' codes that mean a rule of ours (Ruff's
    ``T201`` is RB601), by code prefix, and whether a bare ``# noqa`` silences every rule."""

    # Code prefix -> the rules it stands for (``ANN2`` -> RB302: ANN201-ANN206).
    equivalents: tuple[tuple[str, tuple[str, ...]], ...] = ()
    bare: bool = True

    def ours(self, code: str) -> tuple[str, ...]:
        """The rules another tool's ``code`` stands for."""
        return tuple(rule for prefix, rules in self.equivalents if code.startswith(prefix) for rule in rules)


def parse(comments: list[tuple[int, str]], noqa: Noqa = Noqa()) -> list[Suppression]:
    """Suppressions from ``(line, comment text)`` pairs.

    One comment may hold several directives (``# noqa: RB205  # reviewbot: ignore[RB201]``).
    """
    found = []
    for line, text in comments:
        for match in IGNORE.finditer(text):
            # No ``[...]`` means every rule.
            codes = None if match["codes"] is None else _codes(match["codes"])
            found.append(Suppression(line, codes, match["file"] is not None))
        for match in NOQA.finditer(text):
            if match["codes"] is None:
                # As in Ruff and flake8: every rule on the line, unless config `noqa: codes-only`.
                if noqa.bare:
                    found.append(Suppression(line, None, False, shared=True))
                continue
            # ``# noqa: E501, RB101`` is shared with other tools: their codes are theirs, except
            # those that mean one of our rules.
            named = CODE.findall(match["codes"].upper())
            own = frozenset(code for code in named if code.startswith("RB"))
            theirs = frozenset(rule for code in named if not code.startswith("RB") for rule in noqa.ours(code)) - own
            if own:
                found.append(Suppression(line, own, False))
            if theirs:
                found.append(Suppression(line, theirs, False, shared=True))
    return found


def _codes(text: str) -> frozenset[str]:
    """The rules an ``ignore[...]`` names: rule codes in any case, check ids exactly as written."""
    found: set[str] = set()
    for word in SEPARATOR.split(text):
        if CHECK_ID.fullmatch(word):
            found.add(word)
        else:
            found.update(CODE.findall(word.upper()))
    return frozenset(found)


class Suppressions:
    """Answers "is this finding suppressed?" and remembers which directives were needed."""

    def __init__(self, comments: list[tuple[int, str]], noqa: Noqa = Noqa()) -> None:
        """Index the directives of a file by line; file-level ones apply everywhere."""
        self.all = parse(comments, noqa)
        self.by_line: dict[int, list[Suppression]] = {}
        for suppression in self.all:
            if not suppression.file_level:
                self.by_line.setdefault(suppression.line, []).append(suppression)
        self.file_level = [s for s in self.all if s.file_level]

    def suppressed(self, rule: str, lines: tuple[int, ...]) -> bool:
        """True (and the directive marked used) when one on ``lines`` or at file level covers ``rule``."""
        for suppression in (*(s for line in lines for s in self.by_line.get(line, ())), *self.file_level):
            if suppression.covers(rule):
                suppression.used.add(rule)
                return True
        return False

    def unused(self, enabled: frozenset[str], known: frozenset[str]) -> list[tuple[int, str]]:
        """``(line, message)`` for each directive, or code in it, that suppressed nothing.

        Codes of known rules that are off for this file say nothing about the code: not reported.
        """
        result = []
        for suppression in self.all:
            if suppression.shared:
                continue
            if suppression.misplaced:
                result.append((suppression.line, f"`ignore-file` has no effect below line {FILE_LEVEL_LINES}"))
            elif suppression.codes is None:
                # ``ignore`` without codes is used if it silenced anything at all.
                if not suppression.used:
                    result.append((suppression.line, UNUSED))
            else:
                unknown = sorted(code for code in suppression.codes if code not in known)
                idle = sorted(code for code in suppression.codes - suppression.used if code in enabled)
                if unknown:
                    result.append((suppression.line, f"suppression of unknown rule {', '.join(unknown)}"))
                if idle:
                    result.append((suppression.line, f"suppression of {', '.join(idle)} suppressed nothing"))
        return result
