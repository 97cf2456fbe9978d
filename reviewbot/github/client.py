"""The few GitHub REST calls a review needs, over PyGithub, with GitHub's manners built in.

PyGithub's own retries are off: it would retry a POST whose answer was lost and post a second
review. Here 5xx, 429 and secondary rate limits are retried with backoff, honouring
``Retry-After``; before a write is retried, ``already_done`` asks GitHub whether it happened.
A 403/404 on a write (a fork's read-only token) raises ``WriteDenied`` for the caller's fallback.
The token is handed to PyGithub only and never printed.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from reviewbot.escape import redact
from reviewbot.forge.api import ApiFailed, Rejected, WriteDenied
from reviewbot.forge.plan import InlineComment, PostedComment

log = logging.getLogger(__name__)

# The login GitHub Actions' own token (GITHUB_TOKEN) writes as.
ACTIONS_BOT = "github-actions[bot]"
# What a retried call returns.
T = TypeVar("T")
# Attempts per request.
ATTEMPTS = 5
# The longest wait reviewbot accepts from a ``Retry-After`` header, in seconds.
MAX_WAIT = 300
# The first backoff delay in seconds, doubled on each attempt, when GitHub gives no Retry-After.
BACKOFF = 2.0
# Seconds to wait after a secondary rate limit that names no time.
SECONDARY_WAIT = 60.0


class PullRequestApi:
    """One pull request of one repository."""

    def __init__(
        self,
        api_url: str,
        token: str,
        repository: str,
        number: int,
        *,
        write_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Connect and load the pull request; ``write_interval`` spaces writes as GitHub asks.

        PyGithub's retries are off (``retry=None``): ``_call`` retries, and knows which writes
        must be checked before they are repeated. The token goes to PyGithub and nowhere else.
        """
        from github import Auth, Github

        self.sleep = sleep
        self.github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            per_page=100,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=write_interval,
            timeout=30,
        )
        self.repository = repository
        self.number = number
        self._pull = self._call(lambda: self.github.get_repo(repository).get_pull(number), write=False)
        self.login = self._identity()

    def _identity(self) -> str:
        """The login this token writes as: markers are trusted only on its comments.

        A personal token answers ``GET /user``; GitHub Actions' installation token cannot (403) and
        writes as ``github-actions[bot]``. A GitHub App's token writes as ``<app>[bot]``: say so in
        ``REVIEWBOT_GITHUB_LOGIN``.
        """
        configured = os.environ.get("REVIEWBOT_GITHUB_LOGIN", "").strip()
        if configured:
            return configured
        try:
            return str(self._call(lambda: self.github.get_user().login, write=False))
        except ApiFailed as error:
            # Only "this token has no user" means the Actions bot; anything else is a failure.
            if error.status not in (401, 403, 404):
                raise
            return ACTIONS_BOT

    @property
    def head_sha(self) -> str:
        """The pull request's head commit."""
        return str(self._pull.head.sha)

    @property
    def base_sha(self) -> str:
        """The pull request's base commit."""
        return str(self._pull.base.sha)

    def _call(
        self,
        action: Callable[[], T],
        *,
        write: bool,
        already_done: Callable[[], T | None] | None = None,
        gone: T | None = None,
    ) -> T:
        """Run ``action`` with retries (see the module docstring).

        ``gone``, when given, is the answer to a 404: the thing to delete or edit is already gone
        (someone else removed it), which is not a refusal to write.
        """
        from github import GithubException
        from requests.exceptions import ConnectionError, Timeout

        for attempt in range(ATTEMPTS):
            try:
                return action()
            except GithubException as error:
                # Primary (x-ratelimit-remaining: 0) and secondary (Retry-After) limits look alike.
                headers = {key.lower(): value for key, value in (error.headers or {}).items()}
                secondary = "rate limit" in _message(error).lower()
                limited = error.status == 429 or (
                    error.status == 403 and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0" or secondary)
                )
                if error.status == 404 and gone is not None:
                    return gone
                # A read-only token: retrying changes nothing, the caller falls back.
                if write and error.status in (403, 404) and not limited:
                    raise WriteDenied(f"GitHub answered {error.status} to a write") from None
                if error.status == 422:
                    raise Rejected(f"GitHub answered 422: {_message(error)}") from None
                if not (limited or error.status >= 500) or attempt == ATTEMPTS - 1:
                    raise ApiFailed(f"GitHub answered {error.status}: {_message(error)}", error.status) from None
                # GitHub asks for at least a minute after a secondary limit without Retry-After.
                delay = _retry_after(headers.get("retry-after"), SECONDARY_WAIT if secondary else BACKOFF * 2**attempt)
            except (ConnectionError, Timeout) as error:
                if attempt == ATTEMPTS - 1:
                    raise ApiFailed(f"GitHub did not answer: {type(error).__name__}") from None
                delay = BACKOFF * 2**attempt
            self.sleep(delay)
            # The write may have happened although its answer was lost: never do it twice.
            if already_done is not None:
                done = already_done()
                if done is not None:
                    return done
        raise ApiFailed("unreachable")  # pragma: no cover - the loop returns or raises

    def files(self) -> dict[str, str | None]:
        """Changed files and their patches (``None`` for binary or very large files)."""
        return self._call(lambda: {f.filename: f.patch for f in self._pull.get_files()}, write=False)

    def review_comments(self) -> list[PostedComment]:
        """Every review comment on the pull request; ``replied`` when someone answered it."""
        comments = self._call(lambda: list(self._pull.get_review_comments()), write=False)
        answered = {c.in_reply_to_id for c in comments if c.in_reply_to_id is not None}
        return [PostedComment(c.id, c.path, c.body, c.id in answered, self._ours(c)) for c in comments if c.in_reply_to_id is None]

    def _ours(self, item: Any) -> bool:
        """Whether a comment or review was written by this token's identity."""
        user = getattr(item, "user", None)
        # Logins are case-insensitive on GitHub.
        return user is not None and str(user.login).lower() == self.login.lower()

    def create_review(self, body: str, event: str, comments: list[InlineComment], marker: str) -> None:
        """Post one review; ``marker`` (unique to this run) lets a retry see it was posted.

        Comments are right-side lines; a range gets ``start_line`` only when it spans lines
        (GitHub refuses ``start_line == line``).
        """
        from github.PullRequest import ReviewComment

        payload: list[ReviewComment] = []
        for comment in comments:
            entry: ReviewComment = {"path": comment.path, "body": comment.body, "line": comment.line, "side": "RIGHT"}
            if comment.start_line is not None:
                entry["start_line"] = comment.start_line
                entry["start_side"] = "RIGHT"
            payload.append(entry)

        def posted() -> bool | None:
            reviews = self._call(lambda: list(self._pull.get_reviews()), write=False)
            return True if any(marker in (review.body or "") and self._ours(review) for review in reviews) else None

        commit = self.github.get_repo(self.repository, lazy=True).get_commit(self.head_sha)
        self._call(lambda: bool(self._pull.create_review(commit=commit, body=body, event=event, comments=payload)), write=True, already_done=posted)

    def create_comment(self, comment: InlineComment) -> None:
        """Post one review comment on its own (the fallback when a review was refused).

        The single-comment endpoint needs the head commit, as ``create_review`` does.
        """
        commit = self.github.get_repo(self.repository, lazy=True).get_commit(self.head_sha)
        start = comment.start_line

        def posted() -> bool | None:
            return True if any(c.fingerprint == comment.fingerprint for c in self.review_comments()) else None

        if start is None:
            self._call(
                lambda: bool(self._pull.create_review_comment(comment.body, commit, comment.path, line=comment.line, side="RIGHT")),
                write=True,
                already_done=posted,
            )
            return
        self._call(
            lambda: bool(
                self._pull.create_review_comment(
                    comment.body, commit, comment.path, line=comment.line, side="RIGHT", start_line=start, start_side="RIGHT"
                )
            ),
            write=True,
            already_done=posted,
        )

    def delete_comment(self, comment_id: int) -> None:
        """Delete one review comment (already gone is fine)."""
        def delete() -> bool:
            self._pull.get_review_comment(comment_id).delete()
            return True

        self._call(delete, write=True, gone=True)

    def edit_comment(self, comment_id: int, body: str) -> None:
        """Replace the text of one review comment (already gone is fine)."""
        def edit() -> bool:
            self._pull.get_review_comment(comment_id).edit(body)
            return True

        self._call(edit, write=True, gone=True)

    def latest_review_state(self, marker: str) -> str | None:
        """The state of the newest review whose body holds ``marker`` (``REQUEST_CHANGES``...)."""
        reviews = self._call(lambda: list(self._pull.get_reviews()), write=False)
        states = [str(review.state) for review in reviews if marker in (review.body or "") and self._ours(review)]
        return states[-1] if states else None

    def upsert_summary(self, body: str, marker: str) -> None:
        """Edit the conversation comment holding ``marker``, or create it once."""

        def existing() -> Any:
            comments = self._call(lambda: list(self._pull.get_issue_comments()), write=False)
            # Someone else's comment with the marker copied into it is not reviewbot's to edit.
            return next((c for c in comments if marker in (c.body or "") and self._ours(c)), None)

        mine = existing()
        if mine is not None:
            self._call(lambda: mine.edit(body), write=True)
        else:
            self._call(lambda: self._pull.create_issue_comment(body), write=True, already_done=existing)


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date.

    A date in the past means "now"; an unreadable header means ``default``.
    """
    if value is None:
        return default
    try:
        seconds = max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    # The server decides the header: a CI job must not sleep for a day because it says so.
    if seconds > MAX_WAIT:
        log.warning("GitHub asked to wait %.0f s before retrying; waiting %d s", seconds, MAX_WAIT)
        return float(MAX_WAIT)
    return seconds


def _message(error: object) -> str:
    """What GitHub said, without the token should an error body echo it."""
    data = getattr(error, "data", None)
    if isinstance(data, dict):
        return redact(str(data.get("message", "")) + (f" {data['errors']}" if data.get("errors") else ""))
    return redact(str(data))
