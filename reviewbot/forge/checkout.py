"""The change a forge asks to review, read from the local clone: the head commit's files, the
changed lines from git, and the forge's own patches where git cannot answer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from reviewbot.change import Change, FileChange
from reviewbot.diff import compute, fetch, parse_patch
from reviewbot.errors import GitError

if TYPE_CHECKING:
    import git

log = logging.getLogger(__name__)


def patch_files(patches: dict[str, str | None]) -> dict[str, FileChange]:
    """The change's own diff, from the forge's patches (path -> the hunks of its unified diff):
    what the forge judges comment positions against."""
    files = {}
    for path, patch in patches.items():
        if patch:
            [change] = parse_patch(f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{patch}")
            files[path] = change
    return files


def local_change(root: Path, base: str, head: str, remote: dict[str, FileChange], ref: str, hint: str) -> Change:
    """The change to review: the head commit's files, whatever the checkout holds.

    A clone without the head commit (``pull_request_target`` checks out the base) fetches its
    objects (by hash, else through ``ref``, the forge's ref of the change), never checking them out. Without the base or the merge base (a shallow clone), the
    changed lines come from the API's patches. Only a checkout of the change itself (its head,
    or GitHub's merge commit of it) may stand in for a head commit that cannot be had; otherwise
    the run stops, so that the gate never passes files it did not review.
    """
    import git

    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not a git checkout: check the repository out before reviewbot runs") from None
    if not _has_commit(repo, head) and not _fetch(repo, head, ref):
        if not _checkout_is(repo, head):
            raise GitError(
                f"the change's head commit {head[:12]} is not in this clone and cannot be fetched, and the checkout "
                f"is another commit: {hint} or let `git fetch origin` reach it"
            )
        log.warning("the head commit cannot be fetched; reading the checkout of the change")
        return _patches_only(root, base, None, remote)
    try:
        return compute(root, base, head=head)
    except GitError:
        return _patches_only(root, base, head, remote)


def _patches_only(root: Path, base: str, head: str | None, remote: dict[str, FileChange]) -> Change:
    log.warning("the base commit or the merge base is not in this clone; using the change's patches from the API")
    return Change(root, base, head, remote)


def _has_commit(repo: git.Repo, sha: str) -> bool:
    import git

    try:
        repo.git.cat_file("-e", f"{sha}^{{commit}}")
    except git.GitCommandError:
        return False
    return True


def _fetch(repo: git.Repo, sha: str, ref: str) -> bool:
    """Fetch the objects of commit ``sha`` (by hash, else through ``ref``); whether it is here now."""
    for wanted in (sha, ref):
        failed = fetch(repo, wanted)
        if failed:
            log.info("git fetch origin %s: %s", wanted, failed)
        if _has_commit(repo, sha):
            return True
    return False


def _checkout_is(repo: git.Repo, sha: str) -> bool:
    """Whether the checkout is commit ``sha`` or a merge of it (``pull_request``'s merge commit, a
    merged-results pipeline's).

    A shallow clone lacks the merge commit's parents but its object still names them.
    """
    import git

    try:
        raw = repo.git.cat_file("commit", "HEAD")
    except git.GitCommandError:
        return False
    parents = [line.split()[1] for line in raw.split("\n\n", 1)[0].splitlines() if line.startswith("parent ")]
    return repo.head.commit.hexsha == sha or sha in parents
