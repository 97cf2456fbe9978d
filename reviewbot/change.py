"""A change as changed-lines mode sees it: the base commit, where the new side is read from, and
each changed Python file's added lines and hunks (``reviewbot.diff`` computes it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewbot.files import MAX_SOURCE_BYTES, read_source
from reviewbot.gitcli import git_output


@dataclass(frozen=True)
class FileChange:
    """One changed Python file, in the coordinates of its new version."""

    path: str
    # Lines the change adds (1-based).
    added: frozenset[int]
    # First and last line of each hunk, context lines included.
    hunks: tuple[tuple[int, int], ...]
    # A file that did not exist at the base (added, or untracked in the work tree).
    new: bool
    # New-side lines in front of which lines were removed.
    removed_at: frozenset[int] = frozenset()
    # The file's path at the base, when the change renamed it.
    renamed_from: str | None = None

    @property
    def base_path(self) -> str:
        """Where the file was at the base."""
        return self.renamed_from or self.path

    def in_hunk(self, line: int) -> bool:
        """Whether ``line`` lies inside one of the hunks."""
        return any(first <= line <= last for first, last in self.hunks)


@dataclass(frozen=True)
class Change:
    """What ``--diff`` compares: the base commit, where the new side is read from, and the files."""

    root: Path
    base: str
    # ``None``: the work tree; ``":"``: the index; else a commit.
    head: str | None
    files: dict[str, FileChange]
    # The last commit when the change was computed against the work tree or index (``None`` before
    # the first commit, or when not known).
    last: str | None = None

    def read(self, path: str) -> bytes:
        """The new version of a changed file."""
        if self.head is None:
            return read_source(self.root / path, MAX_SOURCE_BYTES)
        return git_output(self.root, "cat-file", "blob", f":{path}" if self.head == ":" else f"{self.head}:{path}")
