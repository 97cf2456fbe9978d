"""RB0xx: findings the engine itself produces about a file or a suppression comment.

These rules look at nothing during the walk: the engine reports RB000-RB002 when a file cannot be
read, parsed or scanned, and RB003 from the suppression comments it collected.
"""

from __future__ import annotations

from reviewbot.checks.base import Rule
from reviewbot.model import Example


class Unparsable(Rule):
    """RB000, reported by the engine."""

    id = "RB000"
    name = "syntax-error"
    scope = "file"
    summary = "The file does not parse; the finding sits where the parser stopped."
    why = "Nothing else can be checked in a file that does not parse, and it will not run either."
    bad = (Example("def broken(:\n    pass\n", lines=(1,)), Example("x = 'unterminated\n", lines=(1,)))
    good = (Example('"""Fine."""\n'),)
    peers = "Ruff E999 / syntax errors"


class UnreadableFile(Rule):
    """RB001, reported by the engine."""

    id = "RB001"
    name = "unreadable-file"
    scope = "file"
    summary = "A file that is not text in its declared encoding, holds NUL bytes, or exceeds `max-file-bytes`."
    why = "Such a file cannot be reviewed; it is reported instead of being skipped silently."
    bad = (Example('x = "\x00"\n', lines=(1,)),)
    good = (Example('# -*- coding: latin-1 -*-\n"""Caf\xe9."""\n'),)


class InternalError(Rule):
    """RB002, reported by the engine."""

    id = "RB002"
    name = "internal-error"
    scope = "file"
    summary = "A rule raised an exception on this file, or the file could not be scanned; the message says which and why."
    why = "One failing rule must not hide the others, nor one lost file the rest: everything else is still reported."


class UnusedSuppression(Rule):
    """RB003, reported by the engine."""

    id = "RB003"
    name = "unused-suppression"
    summary = "A `# reviewbot: ignore[...]` or `# noqa: RBxxx` comment that suppressed nothing."
    why = "Stale suppressions hide future problems on that line; remove them when the code is fixed."
    bad = (Example('"""M."""\n\nimport json  # noqa: RB101\n', lines=(3,)),)
    good = (Example('"""M."""\n\nfrom .models import Order  # noqa: RB101\n'),)
    peers = "Ruff RUF100"


# The meta rules' ids, for the engine and the pipeline that report them.
UNPARSABLE = Unparsable.id
UNREADABLE = UnreadableFile.id
INTERNAL_ERROR = InternalError.id
UNUSED_SUPPRESSION = UnusedSuppression.id
# What is still reported in a file a tool wrote: whether it can be read and parsed at all.
FILE_RULES = frozenset({UNPARSABLE, UNREADABLE, INTERNAL_ERROR})
