"""Changed-lines mode: which lines of which Python files a change adds, read with git's own commands.

The change is the diff from the merge base of ``REV`` and ``HEAD`` to the working tree (tracked
changes plus untracked files), to the index (``--staged``), or to another commit (``--head``).
Renames are followed, deleted files and submodules ignored, and every file is compared as text.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.change import Change, FileChange
from reviewbot.errors import GitError, UsageError
from reviewbot.files import MAX_SOURCE_BYTES, read_source
from reviewbot.gitcli import commit_of, git_output

if TYPE_CHECKING:
    import git

    from reviewbot.globs import Globs
    from reviewbot.model import Finding

# `@@ -12,3 +14,5 @@`: the new side's first line and line count (1 when omitted).
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# The new side of a "Binary files a/x and b/x differ" line (the names may hold " and ").
BINARY_NEW_SIDE = re.compile(r' and ("b/.*"|b/.*) differ\Z')
# Git's empty tree: the base of a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def compute(root: Path, rev: str, head: str | None = None, staged: bool = False, only: tuple[str, ...] | None = None) -> Change:
    """The change from the merge base of ``rev`` and ``head`` (default ``HEAD``) to the new side.

    With ``only`` (paths relative to ``root``), new files nobody has added yet are looked for among
    those paths alone, rather than in the whole work tree.

    Git failures (an unreadable repository, "dubious ownership") become ``GitError`` with
    git's own words.
    """
    if head is not None and staged:
        raise UsageError("--head and --staged name two different new sides: use one of them")
    for flag, value in (("--diff", rev), ("--head", head)):
        # git would read it as an option (git before 2.30 has no --end-of-options to say otherwise).
        if value is not None and value.startswith("-"):
            raise UsageError(f"{flag} {value}: a revision cannot start with '-'")
    target: str | None
    current = commit_of(root, "HEAD") if head is None else None
    if head is None and current is None:
        if rev != "HEAD":
            raise GitError(f"--diff {rev}: this repository has no commit yet (only `--diff HEAD` works before the first one)")
        # No commit yet (pre-commit on the first commit): everything is new.
        base, target = EMPTY_TREE, None
    else:
        target = current or _commit(root, head or "HEAD", "--head" if head else "HEAD")
        since = target if rev == "HEAD" and head is None else _commit(root, rev, "--diff")
        # ``--diff HEAD`` (the hook, pre-commit) is its own merge base: no git process to ask.
        base = target if since == target else git_output(root, "merge-base", since, target, allowed=(1,)).decode().strip()
        if not base:
            raise GitError(_no_merge_base(root, rev))
    if target is not None and head is not None:
        files = _diff(root, base, target)
    elif staged:
        files = _diff(root, "--cached", base)
        if rev == "HEAD" and commit_of(root, "MERGE_HEAD") is not None:
            # Committing a merge: only lines new to both parents are the committer's own work.
            files = _common(files, _diff(root, "--cached", "MERGE_HEAD"))
    else:
        files = _diff(root, base)
        # New files nobody has added yet are part of the work in progress.
        for path in _untracked(root, only):
            if path.endswith(".py") and (root / path).is_file():
                try:
                    data = read_source(root / path, MAX_SOURCE_BYTES)
                except OSError:
                    data = b""  # reading it again for the scan reports why (RB001)
                files[path] = _whole_file(path, data)
    new_side = target if target is not None and head is not None else ":" if staged else None
    return Change(root, base, new_side, files, current)


def _diff(root: Path, *revisions: str) -> dict[str, FileChange]:
    """The changed Python files of ``git diff REVISIONS``, by new path."""
    options = ["-U3", "--no-color", "--no-ext-diff", "-M", "--diff-filter=AMRT", "--ignore-submodules=all"]
    # Real hunks even for files `.gitattributes` calls binary (`*.py -diff`): otherwise git prints
    # "Binary files … differ" and a change could hide its lines behind one committed line.
    options += ["--text", "--no-textconv"]
    # Fixed prefixes and blank context lines, whatever the user's git configuration says.
    options += ["--src-prefix=a/", "--dst-prefix=b/"]
    # Python files only: a large binary file diffed as text would cost time and memory for nothing.
    raw = git_output(root, "-c", "diff.suppressBlankEmpty=false", "diff", *revisions, *options, "--", "*.py")
    patch = raw.decode("utf-8", "surrogateescape")
    return {change.path: change for change in parse_patch(patch) if change.path.endswith(".py")}


def _untracked(root: Path, only: tuple[str, ...] | None) -> list[str]:
    """Files git does not track nor ignore: all of them, or those among ``only``."""
    if only is not None and not only:
        return []
    pathspecs = [f":(literal){path}" for path in only or ()]
    listing = git_output(root, "ls-files", "--others", "--exclude-standard", "-z", "--", *pathspecs)
    return [path for path in listing.decode("utf-8", "surrogateescape").split("\0") if path]


def _common(ours: dict[str, FileChange], theirs: dict[str, FileChange]) -> dict[str, FileChange]:
    """Lines added relative to both parents of a merge."""
    common = {}
    for path, change in ours.items():
        other = theirs.get(path)
        if other is None:
            continue  # the file is as the other parent has it: nothing of the committer's own
        added = change.added & other.added
        if added:
            common[path] = FileChange(path, added, change.hunks, change.new and other.new, change.removed_at & other.removed_at)
    return common


def changed_paths(change: Change, root: Path, paths: list[Path], exclude: Globs) -> list[str]:
    """The changed files to scan: not excluded, and under one of ``paths`` when any are given.

    With ``--head`` the paths need not exist in the work tree: the files live in a commit.
    """
    targets = []
    for path in paths:
        if change.head is None and not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        try:
            targets.append(path.resolve().relative_to(root).as_posix())
        except ValueError:
            raise UsageError(f"{path}: outside the repository at {root}") from None
    everything = not targets or "." in targets
    return sorted(
        name
        for name in change.files
        if not exclude.match(name) and (everything or any(name == t or name.startswith(t + "/") for t in targets))
    )


def _commit(root: Path, rev: str, flag: str) -> str:
    """The commit ``rev`` names, or ``GitError`` saying it is unknown."""
    found = commit_of(root, rev)
    if found is None:
        what = f"{flag} {rev}" if flag != rev else rev
        raise GitError(f"{what}: unknown revision (is it fetched? try `git fetch origin`)")
    return found


def fetch(repo: git.Repo, wanted: str) -> str | None:
    """Fetch ``wanted`` (a commit or a ref) from ``origin``, objects only: nothing is checked out.
    One commit into a shallow clone; a whole clone gets its history, since ``--depth`` would make
    it shallow. Git's complaint when it cannot, else ``None``."""
    import git

    depth = ["--depth=1"] if repo.git.rev_parse("--is-shallow-repository").strip() == "true" else []
    try:
        repo.git.fetch("--quiet", "--no-tags", "--no-recurse-submodules", *depth, "origin", wanted)
    except git.GitCommandError as error:
        return str(error.stderr).strip()
    return None


def _no_merge_base(root: Path, rev: str) -> str:
    shallow = git_output(root, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
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
    context (" ", or "" under ``diff.suppressBlankEmpty``) and added ("+") line advances it,
    removed ("-") lines do not. Where lines were removed is remembered too, so that a function
    that only lost lines still counts as changed.
    """
    changes = []
    path: str | None = None
    # The old side's name ("--- a/..."), to follow a renamed file to its base version.
    old: str | None = None
    new = False
    added: set[int] = set()
    removed_at: set[int] = set()
    hunks: list[tuple[int, int]] = []
    line = 0
    # The text of the last removed line, while a "\ No newline at end of file" may follow it.
    removed: str | None = None
    last_without_newline: str | None = None
    # Between ``diff --git`` and the first hunk: header lines, not content (content may start "+++").
    in_header = False
    # Only "\n" ends a line of a patch; file content may hold other line separators.
    for text in patch.split("\n"):
        if text.startswith("diff --git "):
            if path is not None:
                changes.append(FileChange(path, frozenset(added), tuple(hunks), new, frozenset(removed_at), _renamed(old, path)))
            path, old, new, added, removed_at, hunks, in_header = None, None, False, set(), set(), [], True
            last_without_newline = None
        elif in_header and text.startswith("new file mode"):
            new = True
        elif in_header and text.startswith("Binary files ") and text.endswith(" differ"):
            # No hunks for bytes git takes for binary: the file changed as a whole (and reading it
            # for the scan says why it is not Python, RB001).
            # The new side is the last name, and git's new names start "b/" (or '"b/' when quoted).
            found = BINARY_NEW_SIDE.search(text)
            name = _unquote(found[1]) if found else "/dev/null"
            path = None if name == "/dev/null" else name[2:]
            hunks = [(1, 1)]
            added = {1}
        elif in_header and text.startswith("--- "):
            name = _unquote(text[4:].rstrip("\t"))
            old = None if name == "/dev/null" else name[2:]
        elif in_header and text.startswith("+++ "):
            # Git ends a name that holds a space with a tab.
            name = _unquote(text[4:].rstrip("\t"))
            path = None if name == "/dev/null" else name[2:]
        elif text.startswith("@@"):
            in_header = False
            match = HUNK.match(text)
            if match:
                line = int(match[1])
                count = int(match[2]) if match[2] is not None else 1
                # A hunk of zero new lines (pure deletion, ``-U0``) marks no range, and its start is
                # the line the removed ones followed: they stood in front of the next.
                if count:
                    hunks.append((line, line + count - 1))
                else:
                    line += 1
        elif in_header:
            # "index ...", "similarity ...", "rename from ...", "--- a/...": nothing to count.
            continue
        elif text.startswith("\\"):
            # "\ No newline at end of file" after a removed line: that line only gains a newline.
            last_without_newline = removed
        elif text.startswith("+"):
            if text[1:] != last_without_newline:
                added.add(line)
            last_without_newline = None
            line += 1
        elif text.startswith("-"):
            removed = text[1:]
            removed_at.add(line)
        elif text.startswith(" ") or text == "":
            line += 1
    if path is not None:
        changes.append(FileChange(path, frozenset(added), tuple(hunks), new, frozenset(removed_at), _renamed(old, path)))
    return changes


def _renamed(old: str | None, path: str) -> str | None:
    """The base path of a renamed file; ``None`` when it kept its name."""
    return old if old is not None and old != path else None


def _unquote(name: str) -> str:
    """Git writes paths with unusual characters as C-style quoted strings of UTF-8 bytes."""
    if name.startswith('"') and name.endswith('"'):
        raw = codecs.escape_decode(name[1:-1].encode("utf-8", "surrogateescape"))[0]
        return raw.decode("utf-8", "surrogateescape")
    return name


def keep(finding: Finding, change: FileChange | None, mode: str, whole: Change | None = None) -> bool:
    """Whether a finding in a changed file survives ``--filter-mode``: whether the change did
    what the rule's anchor (``checks.base.ANCHORS``) asks of the finding's code.

    ``added`` counts added lines, ``diff_context`` every line inside a hunk; ``file`` and
    ``nofilter`` keep everything. Lines removed in front of a line never make that line changed:
    only a removal inside a function or class changes it (``changed-definition``).
    """
    from reviewbot.checks import RULES

    anchor = RULES[finding.rule].anchor
    if change is None:
        # A file the change left alone: only a failure whose path runs through the change is its.
        return anchor == "path" and whole is not None and any(
            _changed(whole.files[path], first, last, mode) for path, first, last in finding.via if path in whole.files
        )
    # A changed file that does not parse, decode or scan always counts, and so does the change as a whole.
    if mode in ("file", "nofilter") or anchor in ("file", "change"):
        return True
    touched = change.added.__contains__ if mode == "added" else change.in_hunk
    if anchor == "path" and whole is not None:
        # The failure's path runs through functions of other files: any of them changed will do.
        return any(touched(number) for number in range(finding.line, finding.end_line + 1)) or keep(finding, None, mode, whole)
    if anchor == "line" or finding.scope is None:
        return any(touched(number) for number in range(finding.line, max(finding.end_line, finding.line) + 1))
    first, last = finding.scope
    lines = range(first, last + 1)
    if anchor == "definition":
        return 2 * sum(1 for number in lines if touched(number)) >= len(lines)
    # ``changed-definition``: a line of it added, or lines removed between two of its lines.
    return _changed(change, first, last, mode)


def _changed(change: FileChange, first: int, last: int, mode: str) -> bool:
    """Whether the change added a line in ``first..last`` (any line of a hunk for ``diff_context``),
    or removed lines between two of them."""
    touched = change.added.__contains__ if mode == "added" else change.in_hunk
    return any(touched(number) for number in range(first, last + 1)) or (mode == "added" and any(first < number <= last for number in change.removed_at))
