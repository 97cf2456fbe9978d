"""Changed-lines mode: which lines of which Python files a change adds, read with GitPython.

The change is the diff from the merge base of ``REV`` and ``HEAD`` to the working tree (tracked
changes plus untracked files), to the index (``--staged``), or to another commit (``--head``).
Renames are followed, deleted files and submodules ignored, binary files skipped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.validate import ConfigError

if TYPE_CHECKING:
    import git

    from reviewbot.config import Globs
    from reviewbot.model import Finding

# What `--filter-mode` accepts, as reviewdog names them.
FILTER_MODES = ("added", "diff_context", "file", "nofilter")
# `@@ -12,3 +14,5 @@`: the new side's first line and line count (1 when omitted).
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# Git's empty tree: the base of a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# Rules whose finding is about a whole function or class: kept when any line of it changed.
WHOLE_SCOPE_RULES = frozenset({"RB302", "RB401", "RB402", "RB403"})
# Rules about the file itself: a changed file that does not parse or decode always fails.
FILE_RULES = frozenset({"RB000", "RB001"})


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

    def read(self, path: str) -> bytes:
        """The new version of a changed file."""
        if self.head is None:
            return (self.root / path).read_bytes()
        import git

        spec = f":{path}" if self.head == ":" else f"{self.head}:{path}"
        data: bytes = git.Repo(self.root).git.show(spec, stdout_as_string=False)
        return data


def compute(root: Path, rev: str, head: str | None = None, staged: bool = False) -> Change:
    """The change from the merge base of ``rev`` and ``head`` (default ``HEAD``) to the new side."""
    import git

    repo = git.Repo(root)
    if rev == "HEAD" and head is None and not repo.head.is_valid():
        # No commit yet (pre-commit on the first commit): everything is new.
        base, target = EMPTY_TREE, None
    else:
        target = _commit(repo, head or "HEAD", "--head" if head else "HEAD")
        bases = repo.merge_base(_commit(repo, rev, "--diff"), target)
        if not bases:
            raise ConfigError(_no_merge_base(repo, rev))
        base = bases[0].hexsha
    options = ["-U3", "--no-color", "--no-ext-diff", "-M", "--diff-filter=AMR", "--ignore-submodules=all"]
    # Fixed prefixes, whatever ``diff.noprefix`` or ``diff.mnemonicPrefix`` the user configured.
    options += ["--src-prefix=a/", "--dst-prefix=b/"]
    if target is not None and head is not None:
        patch = repo.git.diff(base, target.hexsha, *options)
    elif staged:
        patch = repo.git.diff("--cached", base, *options)
    else:
        patch = repo.git.diff(base, *options)
    files = {change.path: change for change in parse_patch(patch) if change.path.endswith(".py")}
    if head is None and not staged:
        # New files nobody has added yet are part of the work in progress.
        for path in repo.untracked_files:
            if path.endswith(".py") and (root / path).is_file():
                files[path] = _whole_file(path, (root / path).read_bytes())
    new_side = target.hexsha if target is not None and head is not None else ":" if staged else None
    return Change(root, base, new_side, files)


def changed_paths(change: Change, root: Path, paths: list[Path], exclude: Globs) -> list[str]:
    """The changed files to scan: not excluded, and under one of ``paths`` when any are given.

    Paths are not required to exist: with ``--head`` the files live in a commit.
    """
    targets = []
    for path in paths:
        try:
            targets.append(path.resolve().relative_to(root).as_posix())
        except ValueError:
            raise ConfigError(f"{path}: outside the repository at {root}") from None
    everything = not targets or "." in targets
    return sorted(
        name
        for name in change.files
        if not exclude.match(name) and (everything or any(name == t or name.startswith(t + "/") for t in targets))
    )


def _commit(repo: git.Repo, rev: str, flag: str) -> git.Commit:
    import git

    try:
        return repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        raise ConfigError(f"{flag} {rev}: unknown revision (is it fetched? try `git fetch origin`)") from None


def _no_merge_base(repo: git.Repo, rev: str) -> str:
    shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
    if shallow:
        return (
            f"--diff {rev}: no merge base with HEAD in this shallow clone; fetch more history, e.g. "
            f"`git fetch --deepen=200 origin` (or `fetch-depth: 0` in actions/checkout)"
        )
    return f"--diff {rev}: {rev} and HEAD have no common ancestor"


def _whole_file(path: str, data: bytes) -> FileChange:
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return FileChange(path, frozenset(range(1, lines + 1)), ((1, max(lines, 1)),), True)


def parse_patch(patch: str) -> list[FileChange]:
    """Files, added lines and hunks of a unified diff (``git diff`` output).

    Line numbers are those of the new side: a hunk header gives where it starts, then every
    context (" ") and added ("+") line advances it, removed ("-") lines do not.
    """
    changes = []
    path: str | None = None
    new = False
    added: set[int] = set()
    hunks: list[tuple[int, int]] = []
    line = 0
    # Between ``diff --git`` and the first hunk: header lines, not content (content may start "+++").
    in_header = False
    for text in patch.splitlines():
        if text.startswith("diff --git "):
            if path is not None:
                changes.append(FileChange(path, frozenset(added), tuple(hunks), new))
            path, new, added, hunks, in_header = None, False, set(), [], True
        elif in_header and text.startswith("new file mode"):
            new = True
        elif in_header and text.startswith("+++ "):
            name = _unquote(text[4:])
            path = None if name == "/dev/null" else name[2:]
        elif text.startswith("@@"):
            # A hunk of zero new lines (pure deletion) marks no range.
            in_header = False
            match = HUNK.match(text)
            if match:
                line = int(match[1])
                count = int(match[2]) if match[2] is not None else 1
                if count:
                    hunks.append((line, line + count - 1))
        elif in_header:
            # "index ...", "similarity ...", "rename from ...", "--- a/...": nothing to count.
            continue
        elif text.startswith("+"):
            added.add(line)
            line += 1
        elif text.startswith(" "):
            line += 1
    if path is not None:
        changes.append(FileChange(path, frozenset(added), tuple(hunks), new))
    return changes


def _unquote(name: str) -> str:
    """Git writes paths with unusual characters as C-style quoted strings."""
    if name.startswith('"') and name.endswith('"'):
        return codecs.escape_decode(name[1:-1].encode())[0].decode("utf-8")
    return name


def keep(finding: Finding, change: FileChange, mode: str) -> bool:
    """Whether a finding in a changed file survives ``--filter-mode``.

    ``added`` keeps a finding whose first line was added, ``diff_context`` one inside a hunk.
    Findings about a whole function or class count every line of it, since its ``def`` line may
    be unchanged while its body grows.
    """
    if mode in ("file", "nofilter") or finding.rule in FILE_RULES:
        return True
    if finding.rule in WHOLE_SCOPE_RULES and finding.scope is not None:
        first, last = finding.scope
        lines = range(first, last + 1)
        if mode == "added":
            return any(number in change.added for number in lines)
        return any(change.in_hunk(number) for number in lines)
    if mode == "added":
        return finding.line in change.added
    return change.in_hunk(finding.line)
