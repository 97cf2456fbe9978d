"""RB2xx: external calls are guarded, exceptions are neither swallowed nor silently broad."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from reviewbot.checks.base import Analysis, FileContext
from reviewbot.imports import dotted_name
from reviewbot.model import Example, Option, Rule

# Calls that reach outside the process (network, processes, databases): `errors.external-calls`.
EXTERNAL_CALLS = (
    "requests.request",
    "requests.get",
    "requests.options",
    "requests.head",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "httpx.request",
    "httpx.get",
    "httpx.options",
    "httpx.head",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.stream",
    "urllib.request.urlopen",
    "urllib3.request",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "os.system",
    "socket.create_connection",
    "smtplib.SMTP*",
    "ftplib.FTP*",
    "sqlite3.connect",
    "psycopg.connect",
    "psycopg2.connect",
    "pymysql.connect",
    "asyncpg.connect",
    "redis.Redis",
    "pymongo.MongoClient",
    "boto3.client",
    "boto3.resource",
)
# Decorators that retry a whole function, so its calls count as guarded.
GUARD_DECORATORS = ("tenacity.retry", "backoff.on_exception", "backoff.on_predicate")

# The module-level request functions of `requests` and `httpx` (RB205).
HTTP_VERBS = ("request", "get", "options", "head", "post", "put", "patch", "delete")
# `requests` waits forever without `timeout=`; `httpx` has a default and only `timeout=None` hurts.
REQUESTS_FUNCTIONS = frozenset(f"requests.{verb}" for verb in HTTP_VERBS)
# `httpx.stream` takes a timeout too.
HTTPX_FUNCTIONS = frozenset(f"httpx.{verb}" for verb in (*HTTP_VERBS, "stream"))
# Calling one of these on any object inside a handler counts as logging the error (RB204).
LOG_METHODS = frozenset({"exception", "error", "warning", "critical", "log"})
# Exception types that catch (almost) everything.
BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def name_pattern(globs: list[str]) -> re.Pattern[str]:
    """One regex for qualified-name globs; ``*`` stays within one dotted part."""
    alternatives = [re.escape(glob).replace(r"\*", r"[^.]*") for glob in globs]
    return re.compile("(?:" + "|".join(alternatives) + r")\Z" if alternatives else r"(?!)")


@dataclass
class Handler:
    """An ``except`` clause being walked, and what its body has done so far."""

    node: cst.ExceptHandler | cst.ExceptStarHandler
    function_depth: int
    bound: str | None
    in_body: bool = False
    reraised: bool = False
    logged: bool = False
    used: bool = False


class ErrorFlow(Analysis):
    """Where the walk is in terms of error handling: guarded ``try`` bodies and open handlers.

    Read by RB201 (is this call guarded?) and RB204 (did the handler log, re-raise or look at
    the error?).
    """

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        options = ctx.options
        self.guards = name_pattern(options["errors.guard-decorators"] + options["errors.extend-guard-decorators"])
        # Per enclosing function (module level first): how many guarding try bodies we are in;
        # -1 marks a function whose decorator guards all of it.
        self.guard_depth = [0]
        # The ``except`` clauses around the node being walked, innermost last.
        self.handlers: list[Handler] = []

    @property
    def guarded(self) -> bool:
        """Whether the current node runs inside a ``try`` body with a handler, or a retried function."""
        return self.guard_depth[-1] != 0

    # --- where guarding try bodies and functions begin and end ------------------------------------
    def _is_guard(self, decorator: cst.BaseExpression) -> bool:
        if isinstance(decorator, cst.Call):
            decorator = decorator.func
        name = self.ctx.imports.resolve(decorator) or dotted_name(decorator)
        return name is not None and self.guards.match(name) is not None

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Entering a block: maybe a guarding try body, maybe a handler body."""
        self._block(node, +1)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Leaving a block."""
        self._block(node, -1)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        """``try: call()`` on one line."""
        self._block(node, +1)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        """Leaving a one-line block."""
        self._block(node, -1)

    def _block(self, node: cst.BaseSuite, step: int) -> None:
        """Track guarding ``try`` bodies, handler bodies, and function bodies.

        A function's guard state starts at its body: its decorators and default values run in
        the enclosing scope, under the enclosing ``try``. The body starts unguarded unless a
        retry decorator covers it.
        """
        parent = self.ctx.parent()
        if isinstance(parent, cst.FunctionDef) and parent.body is node:
            if step > 0:
                guarded = any(self._is_guard(decorator.decorator) for decorator in parent.decorators)
                self.guard_depth.append(-1 if guarded else 0)
            else:
                self.guard_depth.pop()
        elif isinstance(parent, (cst.Try, cst.TryStar)) and parent.body is node and parent.handlers:
            if self.guard_depth[-1] >= 0:
                self.guard_depth[-1] += step
        elif isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler)) and self.handlers:
            self.handlers[-1].in_body = step > 0

    # --- what handler bodies do --------------------------------------------------------------------
    def visit_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Start tracking what the handler's body does."""
        bound = None
        if node.name is not None and isinstance(node.name.name, cst.Name):
            bound = node.name.name.value
        self.handlers.append(Handler(node, len(self.guard_depth), bound))

    visit_ExceptStarHandler = visit_ExceptHandler

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """The rules have judged the handler (their ``leave_`` ran first): forget it."""
        self.handlers.pop()

    leave_ExceptStarHandler = leave_ExceptHandler

    def open_handlers(self) -> list[Handler]:
        """Handlers whose body we are in, within the current function."""
        depth = len(self.guard_depth)
        return [h for h in self.handlers if h.in_body and h.function_depth == depth]

    def visit_Call(self, node: cst.Call) -> None:
        """A logging call inside a handler body logs the error."""
        if self.handlers and _is_logging(node, self.ctx.imports.resolve(node.func)):
            for handler in self.open_handlers():
                handler.logged = True

    def visit_Raise(self, node: cst.Raise) -> None:
        """A ``raise`` inside a handler body re-raises (or chains) the error."""
        for handler in self.open_handlers():
            handler.reraised = True

    def visit_Name(self, node: cst.Name) -> None:
        """Using the bound exception (``except Exception as exc: ... exc ...``)."""
        if not self.handlers:
            return
        for handler in self.open_handlers():
            if handler.bound == node.value:
                handler.used = True


def _is_logging(node: cst.Call, name: str | None) -> bool:
    """``logging.error(...)``, or ``<anything>.exception/error/warning/critical/log(...)``."""
    if name is not None and name.startswith("logging."):
        return True
    return isinstance(node.func, cst.Attribute) and node.func.attr.value in LOG_METHODS


def is_broad(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """``Exception``/``BaseException``, alone or in a tuple."""
    if isinstance(node, cst.Tuple):
        return any(is_broad(ctx, element.value) for element in node.elements)
    name = ctx.imports.resolve(node) or dotted_name(node)
    return name in BROAD


class UnguardedExternalCall(Rule):
    """RB201: a call that leaves the process, outside any ``try`` that handles its failure."""

    id = "RB201"
    name = "unguarded-external-call"
    summary = "A network, database or process call outside the body of a `try` with an `except` clause."
    why = (
        "External systems fail: timeouts, refused connections, rate limits. The agent was told to "
        "integrate external APIs with proper error handling; an unguarded call turns a remote hiccup "
        "into an unhandled crash. A call in `except`/`else`/`finally` or in a `try` with only "
        "`finally` is not guarded. Retry decorators (`tenacity.retry`, `backoff.on_exception`) count."
    )
    bad = (
        Example("import requests\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n", lines=(4,)),
        Example("import requests as r\n\nr.post('https://api.example.com', timeout=5)\n", lines=(3,)),
        Example(
            "from subprocess import run as sh\n\ntry:\n    pass\nfinally:\n    sh(['ls'])\n", lines=(6,)
        ),
    )
    good = (
        Example(
            "import logging\nimport requests\n\nlog = logging.getLogger(__name__)\n\n"
            "def fetch(url: str) -> bytes | None:\n    try:\n        return requests.get(url, timeout=5).content\n"
            "    except requests.RequestException:\n        log.exception('fetch failed')\n        return None\n"
        ),
        Example(
            "import requests\nfrom tenacity import retry\n\n@retry\ndef fetch(url: str) -> bytes:\n"
            "    return requests.get(url, timeout=5).content\n"
        ),
    )
    options = (
        Option("errors.external-calls", list, "Qualified names of external calls (`*` matches within a name part).", EXTERNAL_CALLS),
        Option("errors.extend-external-calls", list, "Added to `errors.external-calls`.", ()),
        Option("errors.guard-decorators", list, "Decorators that make a whole function count as guarded.", GUARD_DECORATORS),
        Option("errors.extend-guard-decorators", list, "Added to `errors.guard-decorators`.", ()),
    )
    peers = "none (pylint W0717 is the opposite concern: too much code in a `try`)"
    needs = (ErrorFlow,)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        options = ctx.options
        self.external = name_pattern(options["errors.external-calls"] + options["errors.extend-external-calls"])
        self.flow = self.analysis(ErrorFlow)

    def visit_Call(self, node: cst.Call) -> None:
        """An external call where nothing would catch its failure."""
        name = self.ctx.imports.resolve(node.func)
        if name is not None and not self.flow.guarded and self.external.match(name):
            self.report(node.func, f"`{name}` is an external call outside a `try` with an `except` clause")


class BareExcept(Rule):
    """RB202: ``except:``."""

    id = "RB202"
    name = "bare-except"
    summary = "An `except:` clause without an exception type."
    why = "A bare `except:` also catches `KeyboardInterrupt` and `SystemExit` and hides every bug as a handled error."
    bad = (Example("try:\n    run()\nexcept:\n    raise\n", lines=(3,)),)
    good = (Example("try:\n    run()\nexcept ValueError:\n    raise\n"),)
    peers = "Ruff E722, pylint W0702"

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """Findings point at the ``except:`` line, not at the whole handler."""
        if node.type is None:
            self.report(node, "bare `except:` also catches KeyboardInterrupt and SystemExit", span=self.ctx.header_span(node))


class SwallowedException(Rule):
    """RB203: a catch-all handler that does nothing."""

    id = "RB203"
    name = "swallowed-exception"
    summary = "A handler that catches everything and does nothing (`pass`, `...`, `continue`, `break`)."
    why = "The error disappears: nothing is logged, nothing is raised, and the program carries on in an unknown state."
    bad = (
        Example("try:\n    run()\nexcept Exception:\n    pass\n", lines=(3,)),
        Example("for job in jobs:\n    try:\n        job()\n    except (ValueError, BaseException):\n        continue\n", lines=(4,)),
    )
    good = (
        Example("try:\n    run()\nexcept KeyError:\n    pass\n"),
        Example("import logging\n\ntry:\n    run()\nexcept Exception:\n    logging.exception('run failed')\n"),
    )
    options = (Option("errors.swallow-any-type", bool, "RB203 also flags handlers of narrow exception types.", False),)
    peers = "Ruff S110/S112, pylint W0718"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.swallow_any = bool(ctx.options["errors.swallow-any-type"])

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """A handler (catching everything, or anything with ``swallow-any-type``) that only passes."""
        broad = node.type is None or is_broad(self.ctx, node.type)
        if (broad or self.swallow_any) and _does_nothing(node.body):
            self.report(node, "exception swallowed: the handler does nothing", span=self.ctx.header_span(node))

    leave_ExceptStarHandler = leave_ExceptHandler


class BroadExceptUnlogged(Rule):
    """RB204: ``except Exception`` that neither re-raises, logs, nor looks at the error."""

    id = "RB204"
    name = "broad-except-unlogged"
    summary = "`except Exception` whose body neither re-raises, logs, nor uses the exception."
    why = "A broad handler is acceptable at a boundary only if the failure leaves a trace; otherwise it hides bugs."
    bad = (Example("try:\n    run()\nexcept Exception:\n    result = None\n", lines=(3,)),)
    good = (
        Example("try:\n    run()\nexcept Exception as exc:\n    result = str(exc)\n"),
        Example("try:\n    run()\nexcept Exception:\n    log.warning('run failed')\n    raise\n"),
    )
    peers = "Ruff BLE001, pylint W0718"
    needs = (ErrorFlow,)

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Judged now that the body has been walked; a handler that does nothing is RB203's."""
        if node.type is None or not is_broad(self.ctx, node.type) or _does_nothing(node.body):
            return
        handler = self.analysis(ErrorFlow).handlers[-1]
        if not (handler.reraised or handler.logged or handler.used):
            self.report(node, "broad `except` neither re-raises, logs, nor uses the exception", span=self.ctx.header_span(node))

    leave_ExceptStarHandler = leave_ExceptHandler


class MissingTimeout(Rule):
    """RB205: an HTTP request that may wait forever."""

    id = "RB205"
    name = "missing-timeout"
    summary = "An HTTP request without a timeout (`requests`, `httpx` with `timeout=None`, `urlopen`)."
    why = "`requests` and `urlopen` wait forever by default: one slow server hangs a worker for good."
    bad = (
        Example("import requests\n\ntry:\n    requests.get('https://example.com')\nexcept requests.RequestException:\n    raise\n", lines=(4,)),
        Example("from urllib.request import urlopen\n\ntry:\n    urlopen('https://example.com')\nexcept OSError:\n    raise\n", lines=(4,)),
        Example("import httpx\n\ntry:\n    httpx.get('https://example.com', timeout=None)\nexcept httpx.HTTPError:\n    raise\n", lines=(4,)),
    )
    good = (
        Example("import requests\n\ntry:\n    requests.get('https://example.com', timeout=10)\nexcept requests.RequestException:\n    raise\n"),
        Example("import httpx\n\ntry:\n    httpx.get('https://example.com')\nexcept httpx.HTTPError:\n    raise\n"),
    )
    peers = "Ruff S113, pylint W3101, bandit B113"

    def visit_Call(self, node: cst.Call) -> None:
        """RB205 for an HTTP call without a timeout, or with ``timeout=None``."""
        name = self.ctx.imports.resolve(node.func)
        if name is None:
            return
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        timeout = keywords.get("timeout")
        explicit_none = isinstance(timeout, cst.Name) and timeout.value == "None"
        # ``**options`` may carry a timeout: only an explicit ``timeout=None`` is certain then.
        spread = any(arg.star == "**" for arg in node.args)
        if name in REQUESTS_FUNCTIONS:
            missing = timeout is None and not spread
        elif name == "urllib.request.urlopen":
            # urlopen(url, data, timeout): the third positional argument is the timeout.
            positional = sum(1 for arg in node.args if arg.keyword is None and not arg.star)
            missing = timeout is None and not spread and positional < 3
        elif name in HTTPX_FUNCTIONS:
            # httpx applies a 5 s default; only switching it off is a problem.
            missing = False
        else:
            return
        if missing:
            self.report(node.func, f"`{name}` without `timeout=`: a slow server blocks this call forever")
        elif explicit_none:
            self.report(node.func, f"`{name}` with `timeout=None`: a slow server blocks this call forever")


def _does_nothing(body: cst.BaseSuite) -> bool:
    """True when a block holds only ``pass``, ``...``, ``continue`` or ``break``."""
    # ``except E: pass`` on one line is a SimpleStatementSuite, a block is an IndentedBlock.
    lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
    for line in lines:
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for statement in line.body:
            if isinstance(statement, (cst.Pass, cst.Continue, cst.Break)):
                continue
            if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Ellipsis):
                continue
            # Anything else (a call, an assignment, a return) does something with the error.
            return False
    return True
