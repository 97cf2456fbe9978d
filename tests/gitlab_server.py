"""A local stand-in for the GitLab REST API v4, strict where GitLab is strict.

It serves one project and one merge request and enforces GitLab's documented rules:

- ``PRIVATE-TOKEN`` or ``Authorization: Bearer`` carry a user's token, ``JOB-TOKEN`` a CI job token; a
  missing or unknown token gets 401 ``{"message": "401 Unauthorized"}``. GitLab honours a job token only
  on routes that allow it (here, by default, ``GET`` of the merge request and of its notes); on any other
  route, ``GET /user`` and every write included, the request is unauthenticated: 401. A token with only
  the ``read_api`` scope gets 403 ``insufficient_scope`` on every write.
- A diff thread's ``position`` needs ``base_sha``, ``start_sha``, ``head_sha`` and ``position_type``
  (400 ``position[...] is missing``); its shas must be the merge request's ``diff_refs``, its path a file
  of the diff, and ``(old_line, new_line)`` a line of one of that file's hunks: ``new_line`` alone for an
  added line, ``old_line`` alone for a removed one, both for an unchanged one. Else GitLab answers 400
  ``Note {:line_code=>["can't be blank", "must be a valid line code"]}``.
- A note's ``body`` is required (400 ``body is missing``), not blank, and at most 1,000,000 characters.
- Only its author may edit or delete a note (403); only a resolvable thread can be resolved, and
  not by a Reporter (403).
- Lists take ``page`` and ``per_page`` (default 20, at most 100) and answer ``x-page``, ``x-per-page``,
  ``x-total``, ``x-total-pages``, ``x-next-page``, ``x-prev-page`` and a ``Link`` header; ``/notes``
  lists every note of the merge request (threads' included), newest first unless ``sort=asc``.

Faults are injected per request: a status with headers (502, 429 with ``Retry-After``), or a write
that succeeds but whose answer is lost. Not modelled: image and file positions, multi-line
``line_range``, resolving a single note, system notes, other projects and merge requests (404).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable
from urllib.parse import ParseResult, parse_qsl, quote, urlencode

from tests.github_server import FakeServer, Fault

Doc = dict[str, Any]
Answer = tuple[int, Any, dict[str, str]]

HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
# The most characters GitLab takes in a note (Gitlab::Database::MAX_TEXT_SIZE_LIMIT).
MAX_BODY = 1_000_000
LINE_CODE = "Note {:line_code=>[\"can't be blank\", \"must be a valid line code\"]}"
# GET routes a CI job token is honoured on (route_setting job_token_allowed in GitLab's API).
JOB_TOKEN_READS = r"^/projects/[^/]+/merge_requests/\d+(?:/notes)?$"
UNAUTHORIZED = {"message": "401 Unauthorized"}
FORBIDDEN = {"message": "403 Forbidden"}
INSUFFICIENT_SCOPE = {
    "error": "insufficient_scope", "scope": "api",
    "error_description": "The request requires higher privileges than provided by the access token.",
}
EPOCH = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def diff_lines(diff: str) -> list[tuple[int | None, int | None]]:
    """``(old_line, new_line)`` of each line of a diff's hunks; ``None`` on the side a line is not on."""
    lines: list[tuple[int | None, int | None]] = []
    old = new = 0
    in_hunk = False
    for text in diff.split("\n"):
        match = HUNK.match(text)
        if match:
            old, new, in_hunk = int(match[1]), int(match[2]), True
        elif in_hunk and text.startswith("+"):
            lines.append((None, new))
            new += 1
        elif in_hunk and text.startswith("-"):
            lines.append((old, None))
            old += 1
        elif in_hunk and not text.startswith("\\"):  # "\ No newline at end of file" is no line
            lines.append((old, new))
            old, new = old + 1, new + 1
    return lines


@dataclass
class MergeRequest:
    """The state of one merge request on the fake server."""

    iid: int
    base_sha: str
    start_sha: str
    head_sha: str
    # path -> its diff as GitLab's ``diff`` field holds it: the hunks, from the first ``@@`` on.
    diffs: dict[str, str]
    title: str = "A change"
    source_project_id: int | None = None  # None: the project itself (not a fork)

    @property
    def diff_refs(self) -> dict[str, str]:
        return {"base_sha": self.base_sha, "head_sha": self.head_sha, "start_sha": self.start_sha}


@dataclass
class Thread:
    """One discussion: an individual note, or a thread of notes, first note first."""

    id: str
    individual_note: bool
    notes: list[Doc] = field(default_factory=list)


class FakeGitLab(FakeServer):
    """The server's state; ``url`` is the base URL to give python-gitlab (``gitlab.Gitlab(url, ...)``)."""

    def __init__(
        self, project: str, project_id: int, merge_request: MergeRequest, users: dict[str, Doc],
        read_only: set[str] | None = None, job_tokens: set[str] | None = None,
        job_token_reads: str = JOB_TOKEN_READS, max_per_page: int = 100, reporters: set[str] | None = None,
    ) -> None:
        self.project, self.project_id, self.mr = project, project_id, merge_request
        # token -> {"id", "username", "name", "bot"?}; tokens in read_only have only the read_api scope.
        self.users, self.read_only = users, read_only or set()
        self.job_tokens, self.job_token_reads = job_tokens or set(), job_token_reads
        # Tokens of users with the Reporter role: they may comment, not resolve discussions
        # (Discussion#can_resolve? asks for :resolve_note, which starts at Developer).
        self.reporters = reporters or set()
        self._token = ""
        # GitLab serves at most 100 items a page; a smaller cap makes tests walk the pages.
        self.max_per_page = max_per_page
        self.threads: dict[str, Thread] = {}
        # The user acting, and the request's path and query, while the lock is held.
        self._user: Doc = {}
        self._path, self._query = "", dict[str, str]()
        super().__init__()

    def discussion_as(self, who: str, body: str, path: str | None = None, line: int | None = None) -> str:
        """A thread started by someone else (a username or a token), on new-side ``line`` of ``path`` if given."""
        position = None
        if path is not None:
            old = next((o for o, n in diff_lines(self.mr.diffs[path]) if n == line), -1)
            if old == -1:
                raise ValueError(f"{path}:{line} is no new-side line of the diff")
            position = {**self.mr.diff_refs, "position_type": "text", "old_path": path, "new_path": path,
                        "old_line": old, "new_line": line, "line_range": None}
        with self._lock:
            thread = self._new_thread(individual=False)
            self._add_note(thread, self._who(who), body, position)
        return thread.id

    def note_as(self, who: str, body: str, discussion_id: str | None = None) -> int:
        """A note by someone else: a comment on the merge request, or a reply in ``discussion_id``."""
        with self._lock:
            if discussion_id is not None:
                return int(self._reply(self.threads[discussion_id], self._who(who), body)["id"])
            return int(self._add_note(self._new_thread(individual=True), self._who(who), body, None)["id"])

    @property
    def discussions(self) -> list[Doc]:
        """Every discussion, as ``GET .../discussions`` lists them."""
        with self._lock:
            return json.loads(json.dumps([self._discussion(t) for t in self.threads.values()]))  # type: ignore[no-any-return]

    @property
    def notes(self) -> list[Doc]:
        """Every note, oldest first."""
        return sorted((n for d in self.discussions for n in d["notes"]), key=lambda n: int(n["id"]))

    # --- the API ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: Doc, kind: str, token: str) -> Answer:
        """Route one request (``kind`` is "job" for a ``JOB-TOKEN``); return status, JSON document, headers."""
        path = path.removeprefix("/api/v4")
        if kind == "job":
            allowed = method == "GET" and path != "/user" and re.search(self.job_token_reads, path)
            if token not in self.job_tokens or not allowed:
                return 401, UNAUTHORIZED, {}
            self._user = {}
        elif token not in self.users:
            return 401, UNAUTHORIZED, {}
        elif method != "GET" and token in self.read_only:
            return 403, INSUFFICIENT_SCOPE, {}
        else:
            self._user = self._author(self.users[token])
        self._token = token
        project = rf"/projects/(?:{self.project_id}|{re.escape(quote(self.project, safe=''))})"
        mr = rf"{project}/merge_requests/{self.mr.iid}"
        notes = [n for t in self.threads.values() for n in t.notes]
        routes: list[tuple[str, str, Callable[[re.Match[str]], Answer]]] = [
            ("GET", "/user", lambda m: (200, {"bot": False, **self.users[token], **self._user}, {})),
            ("GET", project, lambda m: (200, self._project(), {})),
            ("GET", mr, lambda m: (200, self._merge_request(), {})),
            ("GET", rf"{mr}/diffs", lambda m: self._page(params, [self._diff(p, d) for p, d in self.mr.diffs.items()])),
            ("GET", rf"{mr}/changes", lambda m: (200, {**self._merge_request(), "changes": [
                self._diff(p, d) for p, d in self.mr.diffs.items()], "overflow": False}, {})),
            ("GET", rf"{mr}/discussions", lambda m: self._page(params, [self._discussion(t) for t in self.threads.values()])),
            ("POST", rf"{mr}/discussions", lambda m: self._create(params, individual=False)),
            ("GET", rf"{mr}/discussions/(\w+)", lambda m: self._get_thread(m[1], lambda t: (200, self._discussion(t), {}))),
            ("PUT", rf"{mr}/discussions/(\w+)", lambda m: self._get_thread(m[1], lambda t: self._resolve(t, params))),
            ("POST", rf"{mr}/discussions/(\w+)/notes", lambda m: self._get_thread(m[1], lambda t: _body_error(params) or (
                201, self._reply(t, self._user, params["body"]), {}))),
            ("GET", rf"{mr}/notes", lambda m: self._page(params, sorted(
                notes, key=lambda n: int(n["id"]), reverse=params.get("sort") != "asc"))),
            ("POST", rf"{mr}/notes", lambda m: self._create(params, individual=True)),
            ("GET", rf"{mr}/(?:discussions/\w+/)?notes/(\d+)", lambda m: next(((200, n, {}) for n in notes if n["id"] == int(m[1])), NOT_FOUND)),
            ("PUT", rf"{mr}/(?:discussions/\w+/)?notes/(\d+)", lambda m: self._edit(int(m[1]), params)),
            ("DELETE", rf"{mr}/(?:discussions/\w+/)?notes/(\d+)", lambda m: self._delete(int(m[1]))),
        ]
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return action(match)
        return NOT_FOUND

    def _project(self) -> Doc:
        return {"id": self.project_id, "name": self.project.rsplit("/", 1)[-1], "path_with_namespace": self.project,
                "default_branch": "main", "web_url": f"{self.url}/{self.project}"}

    def _merge_request(self) -> Doc:
        return {
            "id": 50000 + self.mr.iid, "iid": self.mr.iid, "project_id": self.project_id, "title": self.mr.title,
            "state": "opened", "sha": self.mr.head_sha, "diff_refs": self.mr.diff_refs,
            "source_project_id": self.mr.source_project_id or self.project_id, "target_project_id": self.project_id,
            "source_branch": "feature", "target_branch": "main",
            "web_url": f"{self.url}/{self.project}/-/merge_requests/{self.mr.iid}",
        }

    @staticmethod
    def _diff(path: str, diff: str) -> Doc:
        new, deleted = diff.startswith("@@ -0,0 "), bool(re.match(r"@@ -\d+(?:,\d+)? \+0,0 @@", diff))
        return {"old_path": path, "new_path": path, "a_mode": "0" if new else "100644", "b_mode": "0" if deleted else "100644",
                "new_file": new, "renamed_file": False, "deleted_file": deleted, "generated_file": False, "diff": diff}

    def _page(self, params: Doc, items: list[Doc]) -> Answer:
        page, per_page = max(_int(params.get("page")) or 1, 1), _int(params.get("per_page")) or 20
        per_page = min(max(per_page, 1), self.max_per_page)
        pages = max(1, -(-len(items) // per_page))
        others = {k: v for k, v in self._query.items() if k not in ("page", "per_page")}

        def link(n: int) -> str:
            return f"{self.url}{self._path}?{urlencode({**others, 'page': n, 'per_page': per_page})}"

        rels = ([(page - 1, "prev")] if page > 1 else []) + ([(page + 1, "next")] if page < pages else [])
        headers = {
            "x-page": str(page), "x-per-page": str(per_page), "x-total": str(len(items)), "x-total-pages": str(pages),
            "x-next-page": str(page + 1) if page < pages else "", "x-prev-page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in rels + [(1, "first"), (pages, "last")]),
        }
        return 200, items[(page - 1) * per_page : page * per_page], headers

    def _create(self, params: Doc, individual: bool) -> Answer:
        error = _body_error(params)
        position = params.get("position")
        if error is None and position is not None and not individual:
            error = self._position_error(position)
        if error is not None:
            return error
        thread = self._new_thread(individual)
        if position is not None and not individual:
            position = {**position, "old_path": position.get("old_path") or position["new_path"], "line_range": None,
                        "new_path": position.get("new_path") or position["old_path"],
                        "old_line": _int(position.get("old_line")), "new_line": _int(position.get("new_line"))}
        note = self._add_note(thread, self._user, params["body"], None if individual else position)
        return 201, note if individual else self._discussion(thread), {}

    def _position_error(self, position: object) -> Answer | None:
        if not isinstance(position, dict):
            return 400, {"error": "position is invalid"}, {}
        for key in ("base_sha", "start_sha", "head_sha", "position_type"):
            if not position.get(key):
                return 400, {"error": f"position[{key}] is missing"}, {}
        if position["position_type"] != "text":  # image and file positions are not modelled
            return 400, {"error": "position[position_type] does not have a valid value"}, {}
        diff = self.mr.diffs.get(str(position.get("new_path") or position.get("old_path")))
        line = (_int(position.get("old_line")), _int(position.get("new_line")))
        if any(position[k] != v for k, v in self.mr.diff_refs.items()) or diff is None or line not in diff_lines(diff):
            return 400, {"message": f"400 Bad request - {LINE_CODE}"}, {}
        return None

    def _get_thread(self, thread_id: str, action: Callable[[Thread], Answer]) -> Answer:
        thread = self.threads.get(thread_id)
        return NOT_FOUND if thread is None else action(thread)

    def _resolve(self, thread: Thread, params: Doc) -> Answer:
        resolved = _bool(params.get("resolved"))
        if resolved is None:
            return 400, {"error": "resolved is missing" if "resolved" not in params else "resolved is invalid"}, {}
        if not any(note["resolvable"] for note in thread.notes) or self._token in self.reporters:
            return 403, FORBIDDEN, {}
        for note in thread.notes:
            self._set_resolved(note, resolved)
        return 200, self._discussion(thread), {}

    def _edit(self, note_id: int, params: Doc) -> Answer:
        found = self._find(note_id)
        if found is None:
            return NOT_FOUND
        note = found[1]
        if "body" not in params:  # resolving a single note (PUT with resolved) is not modelled
            return 400, {"error": "body is missing"}, {}
        if note["author"]["id"] != self._user["id"]:
            return 403, FORBIDDEN, {}
        error = _body_error(params)
        if error is not None:
            return error
        note.update(body=params["body"], updated_at=self._stamp())
        return 200, note, {}

    def _delete(self, note_id: int) -> Answer:
        found = self._find(note_id)
        if found is None:
            return NOT_FOUND
        thread, note = found
        if note["author"]["id"] != self._user["id"]:
            return 403, FORBIDDEN, {}
        thread.notes.remove(note)
        if not thread.notes:  # a thread lives while it has notes
            del self.threads[thread.id]
        return 204, None, {}

    # --- state -------------------------------------------------------------------------------------
    def _who(self, who: str) -> Doc:
        user = self.users.get(who) or next((u for u in self.users.values() if u["username"] == who), None)
        return self._author(user or {"id": 10**6 + int(hashlib.sha1(who.encode()).hexdigest()[:5], 16), "username": who})

    def _author(self, user: Doc) -> Doc:
        return {"id": user["id"], "username": user["username"], "name": user.get("name", user["username"]),
                "state": "active", "web_url": f"{self.url}/{user['username']}"}

    def _stamp(self) -> str:
        return (EPOCH + timedelta(seconds=next(self._ids))).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _new_thread(self, individual: bool) -> Thread:
        thread = Thread(hashlib.sha1(f"discussion-{next(self._ids)}".encode()).hexdigest(), individual)
        self.threads[thread.id] = thread
        return thread

    def _add_note(self, thread: Thread, author: Doc, body: str, position: Doc | None) -> Doc:
        note_id, stamp = next(self._ids), self._stamp()
        note: Doc = {
            "id": note_id, "type": None if thread.individual_note else "DiffNote" if position else "DiscussionNote",
            "body": body, "attachment": None, "author": author, "created_at": stamp, "updated_at": stamp,
            "system": False, "noteable_id": 50000 + self.mr.iid, "noteable_type": "MergeRequest",
            "noteable_iid": self.mr.iid, "project_id": self.project_id, "resolvable": not thread.individual_note,
            "resolved": False, "resolved_by": None, "resolved_at": None, "confidential": False, "internal": False,
        }
        if position:
            note["position"] = position
        thread.notes.append(note)
        return note

    def _reply(self, thread: Thread, author: Doc, body: str) -> Doc:
        if thread.individual_note:  # a reply to a comment turns it into a thread, as on GitLab
            thread.individual_note = False
            thread.notes[0].update(type="DiscussionNote", resolvable=True)
        return self._add_note(thread, author, body, thread.notes[0].get("position"))

    def _set_resolved(self, note: Doc, resolved: bool) -> None:
        if note["resolvable"]:
            note.update(resolved=resolved, resolved_by=self._user if resolved else None,
                        resolved_at=self._stamp() if resolved else None)

    def _find(self, note_id: int) -> tuple[Thread, Doc] | None:
        return next(((t, n) for t in self.threads.values() for n in t.notes if n["id"] == note_id), None)

    @staticmethod
    def _discussion(thread: Thread) -> Doc:
        return {"id": thread.id, "individual_note": thread.individual_note, "notes": thread.notes}

    # --- HTTP plumbing -----------------------------------------------------------------------------
    def answer_for(self, request: BaseHTTPRequestHandler, url: ParseResult, body: bytes) -> Callable[[], Answer]:
        """Parameters in the query and a form or JSON body, a private, job or OAuth token, answered by ``handle``."""
        params = _params(url.query, body, request.headers.get("Content-Type") or "")
        bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        kind = "job" if request.headers.get("JOB-TOKEN") else "user"
        token = request.headers.get("PRIVATE-TOKEN") or request.headers.get("JOB-TOKEN") or bearer

        def answer() -> Answer:
            self._path, self._query = url.path, dict(parse_qsl(url.query))
            return self.handle(request.command, url.path, params, kind, token)

        return answer


NOT_FOUND: Answer = (404, {"message": "404 Not found"}, {})


def _params(query: str, raw: bytes, content_type: str) -> Doc:
    """A request's parameters as Grape merges them: query string, then form or JSON body."""
    pairs = parse_qsl(query, keep_blank_values=True)
    body = json.loads(raw) if raw and "json" in content_type else None
    if raw and body is None:
        pairs += parse_qsl(raw.decode(), keep_blank_values=True)
    params: Doc = {}
    for key, value in pairs:
        nested = re.fullmatch(r"(\w+)\[(\w+)\]", key)  # position[new_line]=3
        if nested:
            params.setdefault(nested[1], {})[nested[2]] = value
        else:
            params[key] = value
    return {**params, **body} if isinstance(body, dict) else params


def _body_error(params: Doc) -> Answer | None:
    """Grape's and the Note model's objection to a note's body, if any."""
    if "body" not in params:
        return 400, {"error": "body is missing"}, {}
    body = str(params["body"] or "")
    if not body.strip():
        return 400, {"message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"}, {}
    if len(body) > MAX_BODY:
        return 400, {"message": f"400 Bad request - Note {{:note=>[\"is too long (maximum is {MAX_BODY} characters)\"]}}"}, {}
    return None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower()) if value is not None else None
