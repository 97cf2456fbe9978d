"""Git's own commands, run in a repository: how the scan and the hooks read git, without GitPython's
import (and its processes) on their way."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewbot.errors import GitError


def git_output(root: Path, *arguments: str, allowed: tuple[int, ...] = ()) -> bytes:
    """What ``git ARGUMENTS`` prints in the repository at ``root``; ``GitError`` with git's own words
    when it fails (an exit status in ``allowed`` is no failure: it prints nothing)."""
    try:
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
