"""Git's own commands, run in a repository: how the scan and the hooks read git, without GitPython's
import (and its processes) on their way."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewbot.errors import GitError


# ``git ls-files`` of every file a scan may read (tracked, and untracked that git does not ignore),
# before the paths; ``reviewbot scan`` starts it early (``start``).
LISTING = ("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--")
# Commands ``start`` began, by repository and arguments, for ``git_output`` to finish.
_STARTED: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}


def find_root(start: Path) -> tuple[Path, bool]:
    """The repository root containing ``start`` and whether it is a git work tree.

    Without git, the nearest ancestor holding ``.reviewbot.yml`` or ``pyproject.toml`` is the
    root, else ``start`` itself.
    """
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory, True
    for directory in (start, *start.parents):
        if (directory / ".reviewbot.yml").is_file() or (directory / "pyproject.toml").is_file():
            return directory, False
    return start, False


def start(root: Path, *arguments: str) -> None:
    """Begin ``git ARGUMENTS`` in ``root`` now; the ``git_output`` call with the same arguments takes
    its answer. A full scan begins listing the repository before it imports the rules, so that git
    walks the work tree (a tenth of a scan the cache answers) while Python imports."""
    if (str(root), *arguments) in _STARTED:
        return  # already on its way
    try:
        _STARTED[(str(root), *arguments)] = subprocess.Popen(
            ["git", "-C", str(root), *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
    except OSError:
        pass  # ``git_output`` runs it again and says why it cannot


def discard() -> None:
    """End the commands ``start`` began that nothing took."""
    while _STARTED:
        _, process = _STARTED.popitem()
        process.kill()
        process.communicate()


def git_output(root: Path, *arguments: str, allowed: tuple[int, ...] = ()) -> bytes:
    """What ``git ARGUMENTS`` prints in the repository at ``root``; ``GitError`` with git's own words
    when it fails (an exit status in ``allowed`` is no failure: it prints nothing)."""
    started = _STARTED.pop((str(root), *arguments), None)
    try:
        if started is not None:
            stdout, stderr = started.communicate()
            result = subprocess.CompletedProcess(started.args, started.returncode, stdout, stderr)
        else:
            result = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, stdin=subprocess.DEVNULL, check=False)
    except OSError as error:
        raise GitError(f"git cannot run: {error.strerror or error}") from None
    if result.returncode in allowed:
        return b""
    if result.returncode != 0:
        # One line: git's own words, its line breaks and tabs as spaces.
        words = " ".join(result.stderr.decode("utf-8", "replace").split())
        raise GitError(f"git failed: {words or f'exit status {result.returncode}'}")
    return result.stdout


def commit_of(root: Path, rev: str) -> str | None:
    """The commit ``rev`` names, ``None`` when it names none (``HEAD`` before the first commit)."""
    return git_output(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", allowed=(1,)).decode().strip() or None
