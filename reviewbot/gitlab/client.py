"""The few GitLab REST calls a merge-request review needs, over python-gitlab.

python-gitlab's own retries are off: it would repeat a POST whose answer was lost and open a second
thread, and it sleeps for as long as a ``Retry-After`` header says. Here 5xx, 429 and lost
connections are retried with backoff; before a write is repeated, ``already_done`` asks GitLab
whether it happened. A 401/403 on a write (a CI job token, a ``read_api`` token, a Guest) raises
``WriteDenied`` for the caller's fallback. The token is handed to python-gitlab only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from reviewbot.escape import redact
from reviewbot.forge.api import ApiFailed, Rejected, WriteDenied

log = logging.getLogger(__name__)

T = TypeVar("T")
# Attempts per request, and the first backoff delay in seconds (doubled on each attempt).
ATTEMPTS = 4
BACKOFF = 2.0


@dataclass(frozen=True)
class Thread:
    """A discussion on the merge request, by its first note."""

    id: str
    note_id: int
    author_id: int
    body: str
    # Someone answered it: it is edited to say "resolved" instead of being deleted.
    replied: bool


class MergeRequestApi:
    """One merge request of one project."""

    def __init__(
        self, api_url: str, token: str, project: str, iid: int, *, write_interval: float = 1.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        """Connect and load the merge request; ``write_interval`` spaces writes."""
        import gitlab

        self.sleep = sleep
        self.write_interval = write_interval
        # ``api_url`` is CI_API_V4_URL; python-gitlab wants the server and adds /api/v4 itself.
        self.gitlab = gitlab.Gitlab(
            api_url.rstrip("/").removesuffix("/api/v4"), private_token=token, retry_transient_errors=False, per_page=100, timeout=30
        )
        self.path = f"/projects/{quote(project, safe='')}/merge_requests/{iid}"
        request = self._call(lambda: self._request("get", ""), write=False)
        refs = request.get("diff_refs") or {}
        if not all(refs.get(key) for key in ("base_sha", "start_sha", "head_sha")):
            raise ApiFailed("the merge request has no diff yet (diff_refs is empty); run again once GitLab has computed it")
        self.diff_refs: dict[str, str] = {key: str(refs[key]) for key in ("base_sha", "start_sha", "head_sha")}
        self.user_id = self._identity()

    def _identity(self) -> int | None:
        """The id of the user this token writes as (markers are trusted only on its notes), ``None``
        when the token has no user (a CI job token): it cannot write notes either."""
        try:
            return int(self._call(lambda: self.gitlab.http_get("/user", obey_rate_limit=False), write=False)["id"])
        except ApiFailed as error:
            if error.status not in (401, 403):
                raise
            return None

    def diffs(self) -> dict[str, tuple[str, str | None]]:
        """Path (new side) -> its old path and the hunks of its unified diff (``None``: deleted);
        from ``/changes`` before GitLab 15.7."""
        try:
            files = self._call(lambda: self._list("/diffs"), write=False)
        except ApiFailed as error:
            if error.status != 404:
                raise
            files = self._call(lambda: self._request("get", "/changes"), write=False)["changes"]
        return {
            str(file["new_path"]): (str(file.get("old_path") or file["new_path"]), None if file.get("deleted_file") else str(file.get("diff") or ""))
            for file in files
        }

    def threads(self) -> list[Thread]:
        """Every discussion of the merge request, by its first note."""
        found = self._call(lambda: self._list("/discussions"), write=False)
        threads = []
        for discussion in found:
            notes = [note for note in discussion.get("notes") or [] if not note.get("system")]
            if notes:
                first = notes[0]
                threads.append(
                    Thread(
                        id=str(discussion["id"]),
                        note_id=int(first["id"]),
                        author_id=int((first.get("author") or {}).get("id", -1)),
                        body=str(first.get("body") or ""),
                        replied=len(notes) > 1,
                    )
                )
        return threads

    def create_thread(self, body: str, position: dict[str, object] | None, already_done: Callable[[], object | None]) -> None:
        """A new discussion, on a diff line when ``position`` is given (``Rejected`` when GitLab refuses the line)."""
        data: dict[str, Any] = {"body": body, **({"position": {**self.diff_refs, "position_type": "text", **position}} if position else {})}
        self._call(lambda: self._request("post", "/discussions", data), write=True, already_done=already_done)

    def edit_note(self, thread: str, note: int, body: str) -> None:
        """Replace the text of a note of a discussion."""
        self._call(lambda: self._request("put", f"/discussions/{thread}/notes/{note}", {"body": body}), write=True, gone=True)

    def resolve(self, thread: str) -> None:
        """Mark a discussion resolved."""
        self._call(lambda: self._request("put", f"/discussions/{thread}", {"resolved": True}), write=True, gone=True)

    def delete_note(self, thread: str, note: int) -> None:
        """Delete a note (its discussion goes with its last note)."""
        self._call(lambda: self._request("delete", f"/discussions/{thread}/notes/{note}"), write=True, gone=True)

    def upsert_summary(self, body: str, marker: str) -> None:
        """Edit this token's note holding ``marker``, or create it once."""

        def existing() -> dict[str, Any] | None:
            notes = self._call(lambda: self._list("/notes"), write=False)
            # Someone else's note with the marker copied into it is not reviewbot's to edit.
            return next((n for n in notes if marker in str(n.get("body") or "") and (n.get("author") or {}).get("id") == self.user_id), None)

        mine = existing()
        if mine is not None:
            self._call(lambda: self._request("put", f"/notes/{mine['id']}", {"body": body}), write=True)
        else:
            self._call(lambda: self._request("post", "/notes", {"body": body}), write=True, already_done=existing)

    def _request(self, verb: str, path: str, data: dict[str, Any] | None = None) -> Any:
        """One request about the merge request (``path`` below it); 429 is ``_call``'s to wait for."""
        method = getattr(self.gitlab, f"http_{verb}")
        return method(self.path + path, obey_rate_limit=False, **({"post_data": data} if data is not None else {}))

    def _list(self, path: str) -> list[Any]:
        """Every page of a list below the merge request."""
        return list(self.gitlab.http_list(self.path + path, get_all=True, obey_rate_limit=False))

    def _call(self, action: Callable[[], Any], *, write: bool, already_done: Callable[[], object | None] | None = None, gone: bool = False) -> Any:
        """Run ``action`` with retries (see the module docstring); writes are spaced by ``write_interval``.

        ``gone``: a 404 means the note or discussion to change is already gone (someone deleted
        it), which is not a refusal to write.
        """
        from gitlab.exceptions import GitlabAuthenticationError, GitlabError
        from requests.exceptions import ChunkedEncodingError, ConnectionError, RequestException, Timeout

        for attempt in range(ATTEMPTS):
            if write and self.write_interval:
                self.sleep(self.write_interval)
            try:
                return action()
            except GitlabAuthenticationError as error:
                raise (WriteDenied(_message(error)) if write else ApiFailed(_message(error), 401)) from None
            except GitlabError as error:
                status = error.response_code
                if status == 404 and gone:
                    return None
                if write and status == 403:
                    raise WriteDenied(_message(error)) from None
                if write and status == 400:
                    raise Rejected(_message(error), status) from None
                if status is not None and status != 429 and status < 500:
                    raise ApiFailed(_message(error), status) from None
                failure = ApiFailed(_message(error), status)
            except (ConnectionError, Timeout, ChunkedEncodingError) as error:
                failure = ApiFailed(redact(str(error)))
            except RequestException as error:
                # A bad URL, too many redirects: retrying cannot help.
                raise ApiFailed(redact(str(error))) from None
            if attempt == ATTEMPTS - 1:
                raise failure
            delay = BACKOFF * 2**attempt
            log.warning("GitLab: %s; retrying in %.0f s", failure, delay)
            self.sleep(delay)
            # The write may have happened with its answer lost: look before writing twice.
            if already_done is not None and already_done() is not None:
                return None
        raise AssertionError("unreachable")


def _message(error: object) -> str:
    """What GitLab said (``403: insufficient_scope``), never the token."""
    return redact(str(error))
