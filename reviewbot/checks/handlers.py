"""RB206, RB207, RB209: handlers that answer some failures and let the rest through, failures
logged below what anyone reads, and retry policies that retry what can never succeed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, Rule, argument, is_builtin, keyword
from reviewbot.checks.clients import Clients
from reviewbot.checks.errors import HTTPX_FUNCTIONS, REQUESTS_FUNCTIONS, ErrorFlow, does_nothing, is_broad, is_outage
from reviewbot.imports import dotted_name
from reviewbot.model import Example
from reviewbot.scopes import target_names

# The longest condition or argument quoted in a message, in characters.
QUOTED = 60
# Functions that make an HTTP request (RB209).
HTTP_FUNCTIONS = REQUESTS_FUNCTIONS | HTTPX_FUNCTIONS | {"urllib.request.urlopen"}
# The HTTP client types of ``errors.clients`` and their request methods.
HTTP_CLIENTS = frozenset({"requests.Session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "urllib3.PoolManager"})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"})
# tenacity's retrying objects, iterated (``for attempt in Retrying(...)``) or called around the code they retry.
RETRYING = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying", "tenacity.asyncio.AsyncRetrying"})
# tenacity's condition on the exception's type; without an argument it is ``Exception``.
RETRY_IF_TYPE = frozenset({"tenacity.retry_if_exception_type", "tenacity.retry.retry_if_exception_type"})
# Exceptions that hold the errors ``raise_for_status()`` raises for any status, 4xx included: a
# policy retrying one of them retries what can never succeed, once the code raises for the status.
STATUS_ERRORS = frozenset(
    {
        "requests.RequestException", "requests.exceptions.RequestException", "requests.HTTPError", "requests.exceptions.HTTPError",
        "httpx.HTTPError", "httpx.HTTPStatusError", "aiohttp.ClientError", "aiohttp.ClientResponseError",
    }
)
# The failures of each HTTP library worth a second attempt: the connection and the timeouts.
TRANSIENT = {
    "requests": "requests.ConnectionError, requests.Timeout",
    "httpx": "httpx.TransportError",
    "aiohttp": "aiohttp.ClientConnectionError, asyncio.TimeoutError",
    "urllib3": "urllib3.exceptions.ProtocolError, urllib3.exceptions.TimeoutError",
}


def quoted(ctx: FileContext, node: cst.CSTNode) -> str:
    """The code of ``node`` on one line, shortened to ``QUOTED`` characters, for a message."""
    code = " ".join(ctx.module.code_for_node(node).split())
    return code if len(code) <= QUOTED else code[: QUOTED - 1] + "…"


def reads(node: cst.CSTNode, names: set[str]) -> bool:
    """Whether ``node`` reads one of ``names`` or a status attribute."""
    from reviewbot.checks._visitors import Reads

    finder = Reads(names)
    node.visit(finder)
    return finder.found


def _alias(statement: cst.BaseStatement, names: set[str]) -> str | None:
    """``status = e.resp.status``, ``body = json.loads(response.content.decode())``: the name a
    statement binds to what the failure says, if reading it is all the statement does."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return None
    from reviewbot.checks._visitors import Calls

    calls = Calls()
    assign.value.visit(calls)
    return assign.targets[0].target.value if not calls.found else None


def _passes(statement: cst.BaseStatement) -> bool:
    """``pass`` or ``...``: a statement that does nothing."""
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Pass) or (isinstance(small, cst.Expr) and isinstance(small.value, cst.Ellipsis)) for small in statement.body
    )


def _negative(test: cst.BaseExpression) -> bool:
    """``status != 404``, ``code not in (...)``, ``not isinstance(e, X)``, and ``and`` of them:
    a test whose failing cases are the ones it names."""
    if isinstance(test, cst.UnaryOperation):
        return isinstance(test.operator, cst.Not)
    if isinstance(test, cst.Comparison):
        return all(isinstance(target.operator, (cst.NotEqual, cst.NotIn, cst.IsNot)) for target in test.comparisons)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _negative(test.left) and _negative(test.right)
    return False


def _constant(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """A value written in the code: a number, a string, ``None``, a constant's name (``NOT_FOUND``,
    ``errno.EEXIST``, ``HTTPStatus.NOT_FOUND``, ``requests.codes.not_found``), or a tuple of them."""
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(_constant(ctx, element.value) for element in node.elements)
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Minus) and _constant(ctx, node.expression)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False") or node.value.isupper() or ctx.imports.resolve(node) is not None
    if isinstance(node, cst.Attribute):
        return node.attr.value.isupper() or ctx.imports.resolve(node) is not None
    return False


def _selects(ctx: FileContext, test: cst.BaseExpression, names: set[str]) -> bool:
    """Whether a test picks failures by what they are: the error's type (``isinstance(e, X)``), or
    the error or a status compared with a constant (``e.resp.status == 404``, ``code in ("A", "B")``).
    ``err.loc > best_loc`` compares the error with a variable, and picks none."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _selects(ctx, test.expression, names)
    if isinstance(test, cst.BooleanOperation):
        return _selects(ctx, test.left, names) or _selects(ctx, test.right, names)
    if isinstance(test, cst.Call):
        func = test.func
        if isinstance(func, cst.Name) and func.value in ("any", "all") and len(test.args) == 1 and isinstance(test.args[0].value, cst.GeneratorExp):
            # ``any(e["code"] == "already_exists" for e in body["errors"])``: the test over each item.
            generator = test.args[0].value
            inner = set(names)
            for clause in _clauses(generator.for_in):
                if reads(clause.iter, inner):
                    inner |= {name.value for name in target_names(clause.target)}
            return _selects(ctx, generator.elt, inner)
        return isinstance(func, cst.Name) and func.value == "isinstance" and bool(test.args) and reads(test.args[0].value, names)
    if isinstance(test, cst.Comparison):
        operands = [test.left, *(target.comparator for target in test.comparisons)]
        return any(reads(operand, names) for operand in operands) and any(_literal(ctx, operand) for operand in operands)
    return False


def _literal(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """A status or a message: a number, a string, a library's constant (``HTTPStatus.NOT_FOUND``,
    ``errno.EEXIST``, ``status.HTTP_404_NOT_FOUND``), or a tuple of them. The project's own named
    constants (``STATUS_STOPPED``) are more often states of the program than kinds of failure."""
    if isinstance(node, (cst.Integer, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return all(_literal(ctx, element.value) for element in node.elements)
    name = ctx.imports.resolve(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    return name is not None and name.split(".")[0] not in ctx.project.roots


def _clauses(clause: cst.CompFor | None) -> list[cst.CompFor]:
    """The ``for`` clauses of a comprehension, outermost first."""
    found = []
    while clause is not None:
        found.append(clause)
        clause = clause.inner_for_in
    return found


def fall_through(ctx: FileContext, handler: cst.ExceptHandler | cst.ExceptStarHandler) -> list[cst.BaseExpression] | None:
    """The tests of the ``if``/``elif`` chain a handler consists of, when every failure the chain
    does not select falls through the handler untouched; else ``None``.

    The handler may bind parts of the error first (``status = e.resp.status``) and end with
    ``pass``; each test must select failures by what they are (``_selects``). A chain with an
    ``else`` handles every case. A last test that names what it lets through
    (``if e.resp.status != 404: raise``) ignores exactly those cases, on purpose.
    """
    if not isinstance(handler.body, cst.IndentedBlock):
        return None
    names: set[str] = set()
    if handler.name is not None and isinstance(handler.name.name, cst.Name):
        names.add(handler.name.name.value)
    statements = list(handler.body.body)
    while statements and (alias := _alias(statements[0], names)) is not None:
        names.add(alias)
        statements.pop(0)
    if not statements or not isinstance(statements[0], cst.If) or not all(_passes(rest) for rest in statements[1:]):
        return None
    tests: list[cst.BaseExpression] = []
    branch: cst.If = statements[0]
    while True:
        tests.append(branch.test)
        if branch.orelse is None:
            break
        if isinstance(branch.orelse, cst.Else):
            return None
        branch = branch.orelse
    if _negative(branch.test) or not all(_selects(ctx, test, names) for test in tests):
        return None
    # ``if "locked" not in str(e) or attempts > MAX: raise``: the chain picks what to re-raise and
    # lets the rest through on purpose (a retry, an expected value).
    if all(_reraises(body, names) for body in _bodies(statements[0])):
        return None
    return tests


def _bodies(branch: cst.If) -> Iterator[cst.BaseSuite]:
    """The blocks of an ``if``/``elif`` chain."""
    current: cst.If | cst.Else | None = branch
    while isinstance(current, cst.If):
        yield current.body
        current = current.orelse


def _reraises(body: cst.BaseSuite, names: set[str]) -> bool:
    """A block that re-raises the failure (``raise``, ``raise e``) and does nothing else."""
    lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
    return len(lines) == 1 and isinstance(lines[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and all(
        isinstance(small, cst.Raise) and (small.exc is None or (isinstance(small.exc, cst.Name) and small.exc.value in names)) and small.cause is None
        for small in lines[0].body
    )


class FallThroughHandler(Rule):
    """RB206: a handler that answers the failures its ``if`` selects and silently lets the others through."""

    id = "RB206"
    name = "fall-through-handler"
    summary = "An `except` whose body is an `if`/`elif` on the error (or its status) with no `else`: every other failure falls through silently."
    why = (
        "`except HttpError as e: if e.resp.status == 404: return None` answers the missing file, and every other "
        "failure (a 500, a 403, a quota error) too: the handler ends, the function carries on or returns `None`, "
        "and an outage reads as \"not found\". Reported when the handler's body is one `if`/`elif` chain without "
        "`else`, after which nothing (or `pass`) follows, and each test picks failures by what they are: the "
        "error's type (`isinstance(e, NotFound)`), or the error or a `status`/`code`/`errno` attribute compared "
        "with a constant (`e.resp.status == 404`, `code in (\"A\", \"B\")`, `e.errno == errno.EEXIST`); the "
        "handler may first read what the failure says (`status = e.resp.status`, `body = json.loads(response."
        "content)`), and a test may look at each of its items (`any(e['code'] == 'already_exists' for e in "
        "body['errors'])`). A status counts when it is the failure's or the answer's (`response.status_code`), "
        "and a constant when it is written out or a library's (`HTTPStatus.NOT_FOUND`), not the project's own "
        "named state. What the branches do does not matter: `if status == 404: raise NotFound()` swallows the "
        "other statuses as well. Not reported: a chain with an `else`; a statement after the chain (a `raise`, "
        "a log call, a `return`); a chain that only re-raises what it selects (`raise`, `raise e`: a retry "
        "loop's, or an expected case's); a test about something else (`if retries > 3:`, `if err.loc > "
        "best.loc:`, `if request.country_code == 'US':`); a last test that names what it lets through "
        "(`if e.resp.status != 404: raise`, `not in`, `not isinstance`), which ignores exactly those cases, on "
        "purpose. A reason written on the `except` line, in the body of the `try`, or in a docstring saying "
        "errors are ignored (as for RB203) counts; a comment inside the branches explains the case handled, not "
        "the others."
    )
    bad = (
        Example(
            "from googleapiclient.errors import HttpError\n\n\ndef find_file(service, file_id):\n    try:\n"
            "        return service.files().get(fileId=file_id).execute()\n    except HttpError as e:\n"
            "        if e.resp.status == 404:\n            return None\n",
            lines=(7,),
        ),
        Example(
            "import requests\n\n\ndef profile(session, url):\n    try:\n        response = session.get(url, timeout=5)\n"
            "        response.raise_for_status()\n    except requests.HTTPError as error:\n"
            "        if error.response.status_code == 404:\n            raise ProfileMissing(url) from error\n"
            "        elif error.response.status_code == 401:\n            raise NotAllowed(url) from error\n"
            "    return response.json()\n",
            lines=(8,),
        ),
    )
    good = (
        Example(
            "from googleapiclient.errors import HttpError\n\n\ndef find_file(service, file_id):\n    try:\n"
            "        return service.files().get(fileId=file_id).execute()\n    except HttpError as e:\n"
            "        if e.resp.status == 404:\n            return None\n        raise\n"
        ),
        Example(
            "from googleapiclient.errors import HttpError\n\n\ndef delete_file(service, file_id):\n    try:\n"
            "        service.files().delete(fileId=file_id).execute()\n    except HttpError as e:\n"
            "        if e.resp.status != 404:\n            raise\n"
        ),
        Example(
            "def send(job, retries):\n    try:\n        job.run()\n    except TimeoutError:\n"
            "        if retries > 3:\n            raise\n"
        ),
    )
    peers = "none (gap)"

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Judged whole, once the walk has seen the comments in and around it."""
        tests = fall_through(self.ctx, node)
        if tests is None or self.ctx.explained(node, body=False):
            return
        others = len(tests) - 1
        elifs = "" if not others else " (or its `elif`)" if others == 1 else f" (or its {others} `elif`s)"
        self.report(
            node,
            f"the handler acts only when `{quoted(self.ctx, tests[0])}`{elifs} and lets every other failure fall "
            "through silently: end the chain with `else: raise` (or log the rest) so that an unexpected error does not pass unnoticed",
            span=self.ctx.header_span(node),
        )

    leave_ExceptStarHandler = leave_ExceptHandler


class FailureLoggedQuietly(Rule):
    """RB207: a broad handler whose only trace of the failure is a debug or info log line."""

    id = "RB207"
    name = "failure-logged-quietly"
    summary = (
        "A broad `except` (bare, `Exception`, `BaseException`), or a handler of a service's failure (`requests.RequestException`, "
        "`redis.RedisError`, `botocore` errors...), whose only trace of the failure is a `debug`/`info` log call."
    )
    why = (
        "Production logging keeps warnings and above: a failure logged at debug or info level is as invisible "
        "as a swallowed one, only harder to find in review; an outage of a service the code depends on is "
        "never routine. Reported when a broad handler, or one of a service's failures, logs on a logger "
        "(`log`, `logger`, `self.logger`, `logging.getLogger(...)`; `logging.debug(...)`) at `debug` or "
        "`info`, or with `log(logging.DEBUG, ...)`, and does nothing else that leaves a trace: no re-raise, no "
        "log call at warning or above (or at a level not known), no error report (`errors.reporters`), no use of "
        "the error outside the log call (returning `str(exc)` in a response is one), nothing shown to the user "
        "(`print`, `sys.stderr.write`, `click.echo`, `warnings.warn`). Each handler gets one "
        "finding: one that does nothing at all is RB203's, one that leaves no trace at all is RB204's. A reason "
        "written where a reason goes counts: a comment on the `except` line or in the handler, or a docstring "
        "saying errors are ignored. Comments in the `try` body say what the code tries, and do not make a "
        "failure routine."
    )
    bad = (
        Example(
            "import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef refresh(cache):\n    try:\n"
            "        cache.reload()\n    except Exception as exc:\n        logger.debug('cache refresh failed: %s', exc)\n",
            lines=(9,),
        ),
        Example("import logging\n\ntry:\n    run()\nexcept Exception:\n    logging.getLogger(__name__).debug('run failed', exc_info=True)\n", lines=(5,)),
        Example("import logging\n\ntry:\n    run()\nexcept:\n    log.log(logging.INFO, 'run failed')\n", lines=(5,)),
        Example(
            "import requests\n\n\ndef pages(session, url):\n    try:\n        return session.get(url, timeout=5).json()\n"
            "    except requests.RequestException:\n        log.debug('listing %s failed', url)\n        return []\n",
            lines=(7,),
        ),
    )
    good = (
        Example("try:\n    run()\nexcept Exception:\n    logger.warning('run failed', exc_info=True)\n"),
        Example("try:\n    run()\nexcept Exception:\n    logger.debug('run failed')\n    raise\n"),
        Example("def charge(order):\n    try:\n        return bill(order)\n    except Exception as exc:\n        logger.info('billing failed')\n        return {'error': str(exc)}\n"),
        Example("import sentry_sdk\n\ntry:\n    run()\nexcept Exception:\n    logger.debug('run failed')\n    sentry_sdk.capture_exception()\n"),
        Example("try:\n    run()\nexcept ValueError:\n    logger.debug('bad value')\n"),
    )
    peers = "Ruff BLE001 (a broad `except` not re-raised nor logged with `exception()`/`exc_info`), pylint W0718"
    noqa = ("BLE001",)
    needs = (ErrorFlow,)

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Judged now that the body has been walked; a handler that does nothing is RB203's."""
        broad = node.type is None or is_broad(self.ctx, node.type)
        if not (broad or (node.type is not None and is_outage(self.ctx, node.type))) or does_nothing(node.body):
            return
        handler = self.analysis(ErrorFlow).handlers[-1]
        if not handler.quiet or handler.loud or handler.reraised or handler.reported or handler.used_beyond_log:
            return
        from reviewbot.checks._visitors import Shows

        shows = Shows(self.ctx)
        node.body.visit(shows)
        # A reason on the ``except`` line, in the handler or the docstring: those in the ``try`` body say what it tries.
        if not shows.found and not self.ctx.explained(node, try_body=False):
            what = "broad `except`" if broad else "a network or service failure"
            self.report(
                node,
                f"{what} leaves its only trace in a debug/info log line, which production logging drops:"
                " log it with `log.exception(...)` or at warning level, re-raise it, or say in a comment why the failure is routine",
                span=self.ctx.header_span(node),
            )

    leave_ExceptStarHandler = leave_ExceptHandler


@dataclass
class Retried:
    """Code run under a retry policy that retries every exception: where the policy is declared,
    what it is, and the first HTTP library the code calls (``None`` until one is seen)."""

    node: cst.CSTNode
    policy: str
    # ``tenacity`` or ``backoff``: what the advice is written in.
    kind: str
    library: str | None = None
    # The policy retries only the errors a status check raises: it retries 4xx once the code calls
    # ``raise_for_status()``, and not before.
    status_only: bool = False
    raises_for_status: bool = False
    # The library whose errors the policy names (``httpx`` for ``httpx.HTTPError``), if one.
    names: str | None = None

    @property
    def retries_4xx(self) -> bool:
        """Whether the code under the policy makes a request whose 4xx answer the policy retries."""
        if self.status_only:
            # A request made here without a status check raises nothing for a 4xx; one made
            # elsewhere (a client the policy's code calls) is taken to check it, as clients do.
            return self.raises_for_status or self.library is None
        return self.library is not None or self.raises_for_status


class RetryEverything(Rule):
    """RB209: a retry policy that retries every exception around HTTP requests."""

    id = "RB209"
    name = "retry-everything"
    summary = (
        "A tenacity or backoff retry policy that retries every exception around code making HTTP requests, or the errors "
        "`raise_for_status()` raises around code that calls it: 4xx responses included."
    )
    why = (
        "A request refused with 400, 401, 403, 404 or 422 is refused the same way every time: retrying it delays "
        "the error by the whole backoff, multiplies the load, and on a rate-limited API spends the quota. "
        "tenacity's `@retry` (and `Retrying(...)`) retries every exception unless `retry=` says otherwise, as "
        "does `retry=retry_if_exception_type()` (its default is `Exception`); `backoff.on_exception(wait, "
        "Exception)` does the same. Reported when the retried code makes an HTTP request: the decorated "
        "function's own body (not functions defined in it), the body of a `for attempt in Retrying(...)` loop, "
        "or a lambda or HTTP function a `Retrying(...)` object is called with; requests are the `requests` and "
        "`httpx` functions, `urllib.request.urlopen`, and the request methods of `requests`, `httpx`, `aiohttp` "
        "and `urllib3` clients. A predicate (`retry_if_exception(is_retryable)`), narrower types, a combined "
        "condition, `**options`, or backoff's `giveup=` get the benefit of the doubt. A policy on the errors a "
        "status check raises (`requests.RequestException`, `requests.HTTPError`, `httpx.HTTPError`, "
        "`httpx.HTTPStatusError`, `aiohttp.ClientError`) retries 4xx once the retried code calls "
        "`raise_for_status()`: reported then. Celery's `autoretry_for=` is not read: a few bounded retries of "
        "a background task were deliberate in every case judged. Not seen: a `Retrying` object kept in a "
        "variable and called later."
    )
    bad = (
        Example(
            "import backoff\nimport requests\n\n\n@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)\n"
            "def call_webhook(url: str, payload: dict) -> None:\n    response = requests.post(url, json=payload, timeout=10)\n"
            "    response.raise_for_status()\n",
            lines=(5,),
        ),
        Example(
            "import httpx\nfrom tenacity import retry, stop_after_attempt\n\n\n@retry(stop=stop_after_attempt(3))\n"
            "def create_invoice(payload: dict) -> dict:\n    response = httpx.post('https://billing/invoices', json=payload)\n"
            "    response.raise_for_status()\n    return response.json()\n",
            lines=(5,),
        ),
        Example(
            "import backoff\nimport requests\n\n\n@backoff.on_exception(backoff.expo, Exception, max_tries=5)\n"
            "def fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n",
            lines=(5,),
        ),
        Example(
            "import httpx\nfrom tenacity import Retrying, retry_if_exception_type, stop_after_attempt\n\n\n"
            "def ping(client: httpx.Client) -> None:\n"
            "    for attempt in Retrying(stop=stop_after_attempt(3), retry=retry_if_exception_type()):\n"
            "        with attempt:\n            client.get('/health').raise_for_status()\n",
            lines=(6,),
        ),
    )
    good = (
        Example(
            "import httpx\nfrom tenacity import retry, retry_if_exception_type, stop_after_attempt\n\n\n"
            "@retry(stop=stop_after_attempt(3), retry=retry_if_exception_type((httpx.TransportError, httpx.TimeoutException)))\n"
            "def create_invoice(payload: dict) -> dict:\n    return httpx.post('https://billing/invoices', json=payload).json()\n"
        ),
        Example(
            "import backoff\nimport requests\n\n\n@backoff.on_exception(backoff.expo, requests.exceptions.ConnectionError)\n"
            "def fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n"
        ),
        Example(
            "import backoff\nimport requests\n\n\ndef permanent(error: Exception) -> bool:\n"
            "    response = getattr(error, 'response', None)\n    return response is not None and response.status_code < 500\n\n\n"
            "@backoff.on_exception(backoff.expo, Exception, giveup=permanent)\n"
            "def fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n"
        ),
        Example("from tenacity import retry\n\n\n@retry\ndef rebuild_index(index) -> None:\n    index.rebuild()\n"),
    )
    peers = "none (gap)"
    needs = (Clients,)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.clients = self.analysis(Clients)
        # The code being walked, innermost last: each function, class, lambda and retried loop, with
        # the policy retrying it if that retries everything (``None`` otherwise: a nested def runs on its own).
        self.frames: list[Retried | None] = []
        # Lambdas a retrying object is called with, by ``id``, until the walk enters them.
        self.pending: dict[int, Retried] = {}
        # Loops over a retrying object, by ``id``: they pushed a frame.
        self.loops: set[int] = set()

    # --- which policies retry everything ------------------------------------------------------------
    def _decorator(self, decorator: cst.BaseExpression) -> Retried | None:
        """``@retry``, ``@retry(...)``, ``@backoff.on_exception(...)`` when it retries everything."""
        call = decorator if isinstance(decorator, cst.Call) else None
        name = self.ctx.imports.resolve(call.func if call is not None else decorator)
        if name == "tenacity.retry":
            policy = self._tenacity(call, "tenacity.retry")
            return Retried(decorator, policy, "tenacity") if policy is not None else None
        if name == "backoff.on_exception" and call is not None and keyword(call, "giveup") is None and not _spread(call):
            exception = argument(call, 1, "exception")
            if exception is not None and (is_broad(self.ctx, exception) or self._status(exception)):
                policy = f"`backoff.on_exception` on `{quoted(self.ctx, exception)}`"
                return Retried(decorator, policy, "backoff", status_only=not is_broad(self.ctx, exception), names=self._library(exception))
        return None

    def _library(self, types: cst.BaseExpression) -> str | None:
        """The HTTP library of the first status error ``types`` names (``httpx.HTTPError`` -> ``httpx``)."""
        if isinstance(types, (cst.Tuple, cst.List)):
            return next((found for element in types.elements if (found := self._library(element.value)) is not None), None)
        name = self.ctx.imports.resolve(types)
        return name.split(".")[0] if name in STATUS_ERRORS else None

    def _status(self, types: cst.BaseExpression) -> bool:
        """Whether ``types`` (one, or a tuple) holds an exception a status check raises for any status."""
        if isinstance(types, (cst.Tuple, cst.List)):
            return any(self._status(element.value) for element in types.elements)
        return self.ctx.imports.resolve(types) in STATUS_ERRORS

    def _retrying(self, call: cst.Call) -> Retried | None:
        """``Retrying(...)`` / ``AsyncRetrying(...)`` when it retries everything."""
        name = self.ctx.imports.resolve(call.func)
        if name is None or name not in RETRYING:
            return None
        policy = self._tenacity(call, "tenacity." + name.rpartition(".")[2])
        return Retried(call, policy, "tenacity") if policy is not None else None

    def _tenacity(self, call: cst.Call | None, label: str) -> str | None:
        """How a tenacity policy retries everything (``None``: it does not, or it may not)."""
        if call is not None and _spread(call):
            return None
        condition = keyword(call, "retry") if call is not None else None
        if condition is None:
            return f"`{label}` without `retry=`"
        if isinstance(condition, cst.Call) and self.ctx.imports.resolve(condition.func) in RETRY_IF_TYPE:
            types = argument(condition, 0, "exception_types")
            if types is None or is_broad(self.ctx, types) or self._status(types):
                return f"`{label}` with `retry={quoted(self.ctx, condition)}`"
        return None

    def _http(self, node: cst.Call) -> str | None:
        """The library of an HTTP request (``requests``, ``httpx``, ``urllib``...), or ``None``."""
        name = self.ctx.imports.resolve(node.func)
        if name is not None and name in HTTP_FUNCTIONS:
            return name.split(".")[0]
        found = self.clients.io_call(node)
        if found is not None and found[1].name in HTTP_CLIENTS and found[0].rpartition(".")[2] in HTTP_METHODS:
            return found[1].name.split(".")[0]
        return None

    # --- the code each policy runs ------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Decorators are read in the enclosing scope, before the function's locals shadow anything."""
        retried = (self._decorator(decorator.decorator) for decorator in node.decorators)
        self.frames.append(next((found for found in retried if found is not None), None))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """The decorated function's body is walked: report if it made a request."""
        self._close()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A class body inside retried code runs once, when the class is made."""
        self.frames.append(None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """Leaving the class body."""
        self.frames.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        """A lambda runs when called: retried only when a retrying object is what calls it."""
        self.frames.append(self.pending.pop(id(node), None))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        """Leaving the lambda."""
        self._close()

    def visit_For(self, node: cst.For) -> None:
        """``for attempt in Retrying(...): with attempt: ...`` retries the loop's body."""
        retried = self._retrying(node.iter) if isinstance(node.iter, cst.Call) else None
        if retried is not None:
            self.frames.append(retried)
            self.loops.add(id(node))

    def leave_For(self, node: cst.For) -> None:
        """Leaving a retried loop: report if its body made a request."""
        if id(node) in self.loops:
            self.loops.discard(id(node))
            self._close()

    def visit_Call(self, node: cst.Call) -> None:
        """An HTTP request in retried code; ``Retrying(...)(target, ...)``."""
        frame = self.frames[-1] if self.frames else None
        if frame is not None:
            if frame.library is None:
                frame.library = self._http(node)
            frame.raises_for_status |= isinstance(node.func, cst.Attribute) and node.func.attr.value == "raise_for_status"
        retried = self._retrying(node.func) if isinstance(node.func, cst.Call) else None
        if retried is None:
            return
        target = argument(node, 0, "fn")
        if isinstance(target, cst.Lambda):
            self.pending[id(target)] = retried
        elif target is not None:
            name = self.ctx.imports.resolve(target)
            if name is not None and name in HTTP_FUNCTIONS:
                retried.library = name.split(".")[0]
                self._report(retried)

    def _close(self) -> None:
        """Leave the innermost frame; report it if it retries everything around a request."""
        frame = self.frames.pop()
        if frame is not None and frame.retries_4xx:
            self._report(frame)

    def _report(self, retried: Retried) -> None:
        """One finding at the policy, with what to retry instead for the library the code calls
        (or the one whose errors the policy names)."""
        library = retried.library or retried.names or ""
        transient = TRANSIENT.get(library)
        if transient is None:
            # ``urllib``'s ``HTTPError`` (4xx and 5xx) is a ``URLError``: no type alone tells them apart.
            advice = "a predicate that retries a `URLError` but gives up on an `HTTPError` below 500"
        elif retried.kind == "tenacity":
            types = f"({transient})" if "," in transient else transient
            advice = f"`retry=retry_if_exception_type({types})`, with a predicate for 429 and 5xx responses"
        else:
            advice = f"`backoff.on_exception(backoff.expo, ({transient}))`, or a `giveup=` that gives up on 4xx responses"
        self.report(
            retried.node,
            f"{retried.policy} retries {'the errors `raise_for_status()` raises' if retried.status_only else 'every exception'}, "
            f"4xx responses included, which will never succeed: retry only transient failures ({advice})",
        )


def _spread(call: cst.Call) -> bool:
    """Whether a call passes ``**options``, which may hold any keyword."""
    return any(arg.star == "**" for arg in call.args)
