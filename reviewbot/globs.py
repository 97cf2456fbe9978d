"""Repo-relative path globs, as config keys (``exclude``, ``test-paths``, layers) write them."""

from __future__ import annotations

import functools
import re

from reviewbot.errors import ConfigError
from reviewbot.escape import printable

# Glob syntax: ``**/`` any directories (or none), ``**`` anything, ``*``/``?`` within one name.
GLOB_SYNTAX = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
# The most ``*``/``**`` a glob with ``**`` may hold (``**/tests/**/test_*.py`` has three).
MAX_WILDCARDS = 4
# Splits a glob into its wildcards and the literal text between them.
GLOB_TOKEN = re.compile(r"\*\*/|\*\*|\*|\?|[^*?]+")


class Globs:
    """Repo-relative path globs: ``**`` spans directories, ``*`` stays in one; a pattern without
    ``/`` matches a file or directory name anywhere (as in ``.gitignore``)."""

    def __init__(self, patterns: tuple[str, ...] | list[str]) -> None:
        self.patterns = tuple(patterns)
        alternatives = [_glob_regex(pattern) for pattern in self.patterns]
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def match(self, path: str) -> bool:
        """Whether the repo-relative ``path`` (``/`` separators) matches any pattern."""
        return self._regex is not None and self._regex.fullmatch(path) is not None

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...]]]:
        return (Globs, (self.patterns,))


@functools.cache
def _glob_regex(pattern: str) -> str:
    """The regular expression of one glob (see ``Globs``); once per process, as rules build the
    globs of their options for every file."""
    pattern = pattern.strip().removeprefix("./").rstrip("/")
    tokens = GLOB_TOKEN.findall(pattern)
    # Only when every wildcard is ``*``: with ``**`` mixed in, the first occurrence is not always
    # the one to take. Such a pattern may hold few wildcards, so its regex cannot backtrack far.
    if "**" in pattern and sum("*" in token for token in tokens) > MAX_WILDCARDS:
        raise ConfigError(f"glob {printable(pattern)!r}: at most {MAX_WILDCARDS} `*` or `**` in a pattern with `**`")
    stars = [index for index, token in enumerate(tokens) if token == "*"] if "**" not in pattern else []
    parts = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = next((star for star in stars if star > index), None)
        if token == "*" and following is not None and following > index + 1:
            # A wildcard with the text up to the next wildcard matches that text's first occurrence,
            # and the regex never backtracks into it, as Python's fnmatch does: ``*a*a*...b`` on a
            # long name would otherwise take exponential time. The last wildcard needs no such care.
            chunk = "".join(GLOB_SYNTAX.get(t) or re.escape(t) for t in tokens[index + 1 : following])
            parts.append(f"(?=(?P<g{index}>{GLOB_SYNTAX[token]}?{chunk}))(?P=g{index})")
            index = following
            continue
        parts.append(GLOB_SYNTAX.get(token) or re.escape(token))
        index += 1
    body = "".join(parts)
    # A match on a directory covers everything below it; a bare name may sit in any directory.
    return f"(?:{body})(?:/.*)?" if "/" in pattern else f"(?:.*/)?(?:{body})(?:/.*)?"
