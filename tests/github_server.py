"""A local stand-in for the GitHub REST API, strict where GitHub is strict.

It implements the endpoints reviewbot uses and enforces GitHub's documented rules: a review
comment must sit on a right-side line inside a hunk of the file's patch (422), a range needs
``start_line < line`` in one hunk (422), ``commit_id`` and, for COMMENT/REQUEST_CHANGES, ``body``
are required (422), a body holds at most 65,536 characters (422); lists are paginated with
``per_page`` and ``Link`` headers; a read-only token gets 403 on every write. Faults are injected per request: a status with headers (502, 429 with
``Retry-After``), or a write that succeeds but whose answer is lost.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import ParseResult, parse_qs, urlparse

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)
# The most characters GitHub takes in the body of a comment, a review or a review comment.
MAX_BODY = 65536
# The login GitHub Actions' own token writes as.
ACTIONS_BOT = "github-actions[bot]"


def right_side_hunks(patch: str) -> list[tuple[int, int]]:
    """First and last right-side line of each hunk of a patch."""
    hunks = []
    for match in HUNK.finditer(patch):
        start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
        if count:
            hunks.append((start, start + count - 1))
    return hunks


@dataclass
class Fault:
    """Answer the ``times`` next requests matching method and path with ``status``.

    ``perform`` carries the request out first (an answer lost after the write happened).
    """

    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    perform: bool = False
    times: int = 1
    # The error document's message (a careless proxy may echo request headers in it).
    message: str = "injected fault"


# An answer: status, JSON document (``None``: no body) and headers.
Answer = tuple[int, object, dict[str, str]]


class FakeServer:
    """A local HTTP server that answers JSON requests (``answer_for``), one at a time; ``faults``
    answer matching requests with an error instead, and ``log`` holds each (method, path, status)."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self._ids = iter(range(1000, 10**9))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def writes(self, method: str, pattern: str) -> int:
        """How many answered requests matched (for "no new POSTs" checks)."""
        return sum(1 for m, path, status in self.log if m == method and re.search(pattern, path) and status < 300)

    def answer_for(self, request: BaseHTTPRequestHandler, url: ParseResult, body: bytes) -> Callable[[], Answer]:
        """What answers ``request``: its headers and ``body`` are read here, the answer is made
        under the server's lock."""
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                answer = server.answer_for(self, parsed, self.rfile.read(length) if length else b"")
                with server._lock:
                    fault = next((f for f in server.faults if f.method == self.command and re.search(f.path, parsed.path) and f.times > 0), None)
                    if fault is not None:
                        fault.times -= 1
                        if fault.perform:
                            answer()
                        status, document, headers = fault.status, {"message": fault.message}, fault.headers
                    else:
                        status, document, headers = answer()
                    server.log.append((self.command, parsed.path, status))
                    payload = b"" if document is None else json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return Handler


@dataclass
class PullRequest:
    """The state of one pull request on the fake server."""

    number: int
    head: str
    base: str
    # path -> patch, as GET /pulls/{n}/files returns them.
    files: dict[str, str]


def _too_long(body: object) -> str | None:
    """The kind of text over GitHub's length limit in a request, if any."""
    if not isinstance(body, dict):
        return None
    if len(str(body.get("body") or "")) > MAX_BODY:
        return "IssueComment"
    comments = body.get("comments") or []
    return "PullRequestReviewComment" if any(len(str(c.get("body") or "")) > MAX_BODY for c in comments) else None


class FakeGitHub(FakeServer):
    """The server's state; ``url`` is the base URL to give PyGithub (``GITHUB_API_URL``)."""

    def __init__(
        self, repository: str, pull: PullRequest, tokens: dict[str, str], max_per_page: int = 100, logins: dict[str, str] | None = None
    ) -> None:
        self.repository = repository
        # token -> the login it acts as. Tokens not listed are GitHub Actions' installation token:
        # they act as github-actions[bot], and GET /user answers 403 for them, as on GitHub.
        self.logins = logins or {}
        # GitHub serves at most 100 items a page; a smaller cap makes tests walk the pages.
        self.max_per_page = max_per_page
        self.pull = pull
        # token -> "write" or "read"
        self.tokens = tokens
        self.review_comments: dict[int, dict[str, object]] = {}
        self.issue_comments: dict[int, dict[str, object]] = {}
        self.reviews: list[dict[str, object]] = []
        super().__init__()

    def comment_as(self, login: str, body: str, path: str, line: int, reply_to: int | None = None) -> int:
        """A review comment written by someone else (``login``), as if through the web page."""
        comment_id = next(self._ids)
        self.review_comments[comment_id] = {
            "id": comment_id, "path": path, "body": body, "line": line, "start_line": None, "side": "RIGHT",
            "commit_id": self.pull.head, "url": f"{self.url}/repos/{self.repository}/pulls/comments/{comment_id}",
            "in_reply_to_id": reply_to, "user": {"login": login, "type": "User"},
        }
        return comment_id

    def issue_comment_as(self, login: str, body: str) -> int:
        """A conversation comment written by someone else."""
        comment_id = next(self._ids)
        url = f"{self.url}/repos/{self.repository}/issues/comments/{comment_id}"
        self.issue_comments[comment_id] = {"id": comment_id, "body": body, "url": url, "user": {"login": login, "type": "User"}}
        return comment_id

    # --- the API ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, list[str]], body: object, token: str | None) -> tuple[int, object, dict[str, str]]:
        """Route one request; return status, JSON document and extra headers."""
        base = f"/repos/{self.repository}"
        if method != "GET" and self.tokens.get(token or "") != "write":
            return 403, {"message": "Resource not accessible by integration"}, {}
        if token not in self.tokens:
            return 401, {"message": "Bad credentials"}, {}
        number = self.pull.number
        self._author = {"login": self.logins.get(token or "", ACTIONS_BOT), "type": "User" if token in self.logins else "Bot"}
        if (method, path) == ("GET", "/user"):
            if token not in self.logins:
                return 403, {"message": "Resource not accessible by integration"}, {}
            return 200, {"login": self.logins[token], "type": "User", "id": 1}, {}
        if method in ("PATCH", "DELETE"):
            # Only its author may change a comment (maintainers aside, which reviewbot's token is not).
            found = re.fullmatch(rf"{base}/(?:pulls|issues)/comments/(\d+)", path)
            store = self.review_comments if "/pulls/" in path else self.issue_comments
            if found and int(found[1]) in store and store[int(found[1])]["user"]["login"] != self._author["login"]:  # type: ignore[index]
                return 403, {"message": "Must have admin rights to Repository."}, {}
        too_long = _too_long(body)
        if method in ("POST", "PATCH") and too_long:
            return 422, {"message": "Validation Failed", "errors": [{"resource": too_long, "code": "custom", "field": "body",
                                                                     "message": f"body is too long (maximum is {MAX_BODY} characters)"}]}, {}
        routes = [
            ("GET", rf"{base}", lambda m: (200, self._repo(), {})),
            ("GET", rf"{base}/pulls/{number}", lambda m: (200, self._pull(), {})),
            ("GET", rf"{base}/commits/(\w+)", lambda m: (200, {"sha": m[1], "url": f"{self.url}{base}/commits/{m[1]}"}, {})),
            ("GET", rf"{base}/pulls/{number}/files", lambda m: self._page(query, [self._file(p, patch) for p, patch in self.pull.files.items()])),
            ("GET", rf"{base}/pulls/{number}/comments", lambda m: self._page(query, list(self.review_comments.values()))),
            ("GET", rf"{base}/pulls/{number}/reviews", lambda m: self._page(query, self.reviews)),
            ("POST", rf"{base}/pulls/{number}/reviews", lambda m: self._create_review(body)),
            ("POST", rf"{base}/pulls/{number}/comments", lambda m: self._create_single_comment(body)),
            ("GET", rf"{base}/pulls/comments/(\d+)", lambda m: self._get(self.review_comments, int(m[1]))),
            ("PATCH", rf"{base}/pulls/comments/(\d+)", lambda m: self._edit(self.review_comments, int(m[1]), body)),
            ("DELETE", rf"{base}/pulls/comments/(\d+)", lambda m: self._delete(int(m[1]))),
            ("GET", rf"{base}/issues/{number}/comments", lambda m: self._page(query, list(self.issue_comments.values()))),
            ("POST", rf"{base}/issues/{number}/comments", lambda m: self._create_issue_comment(body)),
            ("PATCH", rf"{base}/issues/comments/(\d+)", lambda m: self._edit(self.issue_comments, int(m[1]), body)),
        ]
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return action(match)
        return 404, {"message": "Not Found"}, {}

    def _repo(self) -> dict[str, object]:
        owner, name = self.repository.split("/")
        return {"id": 1, "name": name, "full_name": self.repository, "owner": {"login": owner}, "url": f"{self.url}/repos/{self.repository}"}

    def _pull(self) -> dict[str, object]:
        url = f"{self.url}/repos/{self.repository}"
        return {
            "id": 7, "number": self.pull.number, "state": "open",
            "url": f"{url}/pulls/{self.pull.number}", "issue_url": f"{url}/issues/{self.pull.number}",
            "head": {"sha": self.pull.head, "ref": "feature"}, "base": {"sha": self.pull.base, "ref": "main"},
        }

    @staticmethod
    def _file(path: str, patch: str) -> dict[str, object]:
        return {"filename": path, "status": "modified", "patch": patch, "sha": "0" * 40}

    def _page(self, query: dict[str, list[str]], items: list[dict[str, object]]) -> tuple[int, object, dict[str, str]]:
        per_page = min(int(query.get("per_page", ["30"])[0]), self.max_per_page)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = f'<{self._request_url}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, chunk, headers

    def _create_review(self, body: object) -> tuple[int, object, dict[str, str]]:
        assert isinstance(body, dict)
        if not body.get("commit_id"):
            return 422, {"message": "Validation Failed", "errors": ["commit_id is required"]}, {}
        event = body.get("event")
        if event in ("COMMENT", "REQUEST_CHANGES") and not body.get("body"):
            return 422, {"message": "Validation Failed", "errors": ["body is required"]}, {}
        comments = body.get("comments", [])
        for comment in comments:
            error = self._comment_error(comment)
            if error:
                return 422, {"message": "Unprocessable Entity", "errors": [error]}, {}
        review_id = next(self._ids)
        # GitHub names states differently from events.
        state = {"COMMENT": "COMMENTED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "APPROVE": "APPROVED"}.get(str(event), "PENDING")
        review = {"id": review_id, "body": body.get("body"), "state": state, "commit_id": body["commit_id"], "user": self._author}
        self.reviews.append(review)
        for comment in comments:
            comment_id = next(self._ids)
            self.review_comments[comment_id] = {
                "id": comment_id, "pull_request_review_id": review_id, "path": comment["path"], "body": comment["body"],
                "line": comment["line"], "start_line": comment.get("start_line"), "side": "RIGHT",
                "commit_id": body["commit_id"], "url": f"{self.url}/repos/{self.repository}/pulls/comments/{comment_id}",
                "in_reply_to_id": None, "user": self._author,
            }
        return 200, review, {}

    def _create_single_comment(self, body: object) -> tuple[int, object, dict[str, str]]:
        assert isinstance(body, dict)
        if not body.get("commit_id"):
            return 422, {"message": "Validation Failed", "errors": ["commit_id is required"]}, {}
        error = self._comment_error(body)
        if error:
            return 422, {"message": "Unprocessable Entity", "errors": [error]}, {}
        comment_id = next(self._ids)
        self.review_comments[comment_id] = {
            "id": comment_id, "path": body["path"], "body": body["body"], "line": body["line"],
            "start_line": body.get("start_line"), "side": "RIGHT", "commit_id": body["commit_id"],
            "url": f"{self.url}/repos/{self.repository}/pulls/comments/{comment_id}", "in_reply_to_id": None, "user": self._author,
        }
        return 201, self.review_comments[comment_id], {}

    def _comment_error(self, comment: dict[str, object]) -> str | None:
        patch = self.pull.files.get(str(comment.get("path")))
        if patch is None or not comment.get("body"):
            return "path and body are required, and the path must be part of the pull request"
        line, start = comment.get("line"), comment.get("start_line")
        if comment.get("side", "RIGHT") != "RIGHT" or not isinstance(line, int):
            return "line must be on the RIGHT side"
        hunk = next(((a, b) for a, b in right_side_hunks(patch) if a <= line <= b), None)
        if hunk is None:
            return "pull_request_review_thread.line must be part of the diff"
        if start is not None and (not isinstance(start, int) or start >= line):
            return "pull_request_review_thread.start_line must precede the end line"
        if start is not None and not hunk[0] <= start:
            return "pull_request_review_thread.start_line must be part of the same hunk as the line"
        return None

    def _get(self, store: dict[int, dict[str, object]], comment_id: int) -> tuple[int, object, dict[str, str]]:
        return (200, store[comment_id], {}) if comment_id in store else (404, {"message": "Not Found"}, {})

    def _edit(self, store: dict[int, dict[str, object]], comment_id: int, body: object) -> tuple[int, object, dict[str, str]]:
        if comment_id not in store:
            return 404, {"message": "Not Found"}, {}
        assert isinstance(body, dict)
        store[comment_id]["body"] = body["body"]
        return 200, store[comment_id], {}

    def _delete(self, comment_id: int) -> tuple[int, object, dict[str, str]]:
        if self.review_comments.pop(comment_id, None) is None:
            return 404, {"message": "Not Found"}, {}
        return 204, None, {}

    def _create_issue_comment(self, body: object) -> tuple[int, object, dict[str, str]]:
        assert isinstance(body, dict)
        comment_id = next(self._ids)
        url = f"{self.url}/repos/{self.repository}/issues/comments/{comment_id}"
        self.issue_comments[comment_id] = {"id": comment_id, "body": body["body"], "url": url, "user": self._author}
        return 201, self.issue_comments[comment_id], {}

    # --- HTTP plumbing -----------------------------------------------------------------------------
    def answer_for(self, request: BaseHTTPRequestHandler, url: ParseResult, body: bytes) -> Callable[[], Answer]:
        """A JSON body and a bearer token, answered by ``handle``."""
        document = json.loads(body) if body else None
        auth = request.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else None

        def answer() -> Answer:
            self._request_url = f"{self.url}{url.path}"
            return self.handle(request.command, url.path, parse_qs(url.query), document, token)

        return answer
