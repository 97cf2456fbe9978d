"""RB2xx: external calls are guarded, exceptions are neither swallowed nor silently broad."""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import Analysis, FileContext, Rule, argument
from reviewbot.checks.clients import Clients
from reviewbot.checks.logging import is_logger
from reviewbot.imports import dotted_name
from reviewbot.model import Example, Option

# Module-level functions, and constructors that connect, that reach outside the process (network,
# processes, databases): `errors.external-calls`. Methods of client objects are `errors.clients`
# (``reviewbot.checks.clients``); constructors that do no I/O (`requests.Session()`,
# `redis.Redis()`, `boto3.client()`) are in neither.
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
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "os.system",
    "socket.create_connection",
    "socket.getaddrinfo",
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "smtplib.LMTP",
    "ftplib.FTP",
    "ftplib.FTP_TLS",
    "sqlite3.connect",
    "psycopg.connect",
    "psycopg2.connect",
    "pymysql.connect",
    "asyncpg.connect",
    "asyncpg.create_pool",
    "pika.BlockingConnection",
)
# Process calls that raise on a failing command only with ``check=True``.
UNCHECKED = frozenset({"subprocess.run", "subprocess.call", "subprocess.Popen", "os.system"})
# Constructors that connect only when given a host (``smtplib.SMTP()`` waits for ``connect``).
CONNECT_WITH_HOST = frozenset({"smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP", "ftplib.FTP", "ftplib.FTP_TLS"})
# Where the exceptions of a library's calls live, when not in the library itself.
ERROR_PACKAGES = {"boto3": ("boto3", "botocore", "s3transfer"), "urllib": ("urllib.error",), "http": ("http.client",)}
# Built-in exceptions that an I/O failure raises: a handler for one of them guards any external call.
IO_ERRORS = frozenset(
    {
        "OSError", "IOError", "EnvironmentError", "ConnectionError", "TimeoutError", "BrokenPipeError",
        "ConnectionAbortedError", "ConnectionRefusedError", "ConnectionResetError", "InterruptedError",
        "socket.error", "socket.timeout", "socket.herror", "socket.gaierror", "select.error",
    }
)
# The errors a status check raises (``raise_for_status()``): a handler of one of them answers a
# 4xx or 5xx response, and leaves the connection errors and timeouts of the call unhandled.
STATUS_ONLY = frozenset(
    {"requests.HTTPError", "requests.exceptions.HTTPError", "httpx.HTTPStatusError", "aiohttp.ClientResponseError", "aiohttp.client_exceptions.ClientResponseError"}
)
# Packages whose exceptions say a service failed: RB207 reads a handler of them like a broad one.
# (``OSError`` is not one: a missing file is an expected case as often as not.)
OUTAGES = ("requests.", "httpx.", "aiohttp.", "urllib3.", "redis.", "pymongo.", "botocore.", "boto3.", "psycopg", "smtplib.", "googleapiclient.", "google.api_core.")
# Exceptions of other kinds, and stdlib modules unrelated to I/O: a handler for these guards nothing.
UNRELATED_MODULES = ("json.", "pickle.", "csv.", "decimal.", "re.", "ast.", "struct.", "binascii.", "zlib.", "yaml.")
# Error reporters: calling one in a handler leaves a trace of the error (RB204).
REPORTERS = ("sentry_sdk.capture_exception", "sentry_sdk.capture_message", "rollbar.report_exc_info", "bugsnag.notify")
# Calls that look at the exception being handled (RB204).
INSPECTS_ERROR = frozenset({"sys.exc_info", "sys.exception", "traceback.print_exc", "traceback.format_exc", "traceback.print_exception", "traceback.format_exception"})
# Decorators that retry a whole function, so its calls count as guarded.
GUARD_DECORATORS = ("tenacity.retry", "backoff.on_exception", "backoff.on_predicate")

# The module-level request functions of `requests` and `httpx` (RB205).
HTTP_VERBS = ("request", "get", "options", "head", "post", "put", "patch", "delete")
# Client types whose request methods take a timeout (RB205): `requests` sessions wait forever
# without one; `httpx` has a default, and a `urllib3` pool may have been given one where it was
# built: for these two only an explicit `timeout=None` is certain to hurt.
TIMEOUT_CLIENTS = {
    "requests.Session": frozenset((*HTTP_VERBS, "send")),
    "httpx.Client": frozenset((*HTTP_VERBS, "stream")),
    "httpx.AsyncClient": frozenset((*HTTP_VERBS, "stream")),
    "urllib3.PoolManager": frozenset(("request", "urlopen")),
}
# `requests` waits forever without `timeout=`; `httpx` has a default and only `timeout=None` hurts.
REQUESTS_FUNCTIONS = frozenset(f"requests.{verb}" for verb in HTTP_VERBS)
# `httpx.stream` takes a timeout too.
HTTPX_FUNCTIONS = frozenset(f"httpx.{verb}" for verb in (*HTTP_VERBS, "stream"))
# Calling one of these on any object inside a handler counts as logging the error (RB204).
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Exception types that catch (almost) everything.
BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


# What to catch, by library: named in RB201's message.
SUGGESTED = {
    "requests": "requests.RequestException",
    "httpx": "httpx.HTTPError",
    "aiohttp": "aiohttp.ClientError",
    "urllib3": "urllib3.exceptions.HTTPError",
    "redis": "redis.RedisError",
    "pymongo": "pymongo.errors.PyMongoError",
    "boto3": "botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError",
    "sqlite3": "sqlite3.Error",
    "psycopg": "psycopg.Error",
    "psycopg2": "psycopg2.Error",
    "pymysql": "pymysql.MySQLError",
    "asyncpg": "asyncpg.PostgresError, OSError",
    "sqlalchemy": "sqlalchemy.exc.SQLAlchemyError",
    "subprocess": "subprocess.SubprocessError, OSError",
    "smtplib": "smtplib.SMTPException, OSError",
    "ftplib": "ftplib.all_errors",
    "pika": "pika.exceptions.AMQPError",
    "openai": "openai.OpenAIError",
    "anthropic": "anthropic.AnthropicError",
}
# Every exception class Python defines, by name.
BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


def name_pattern(globs: Iterable[str]) -> re.Pattern[str]:
    """One regex for qualified-name globs; ``*`` stays within one dotted part."""
    return _name_pattern(tuple(globs))


@functools.cache
def _name_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    """``name_pattern``, once per process for each list (rules build it for every file)."""
    alternatives = [re.escape(glob).replace(r"\*", r"[^.]*") for glob in globs]
    return re.compile("(?:" + "|".join(alternatives) + r")\Z" if alternatives else r"(?!)")


@dataclass(frozen=True)
class Caught:
    """One exception type a handler names: as written, and whether the imports resolved it."""

    name: str | None  # None: a bare ``except:`` or a retrying decorator, which catch everything
    resolved: bool = False
    # The project's own package (an import from it may re-export a library's exception).
    own: bool = False

    def covers(self, libraries: tuple[str, ...]) -> bool:
        """Whether this type can catch the failure of a call into ``libraries``."""
        name = self.name
        if name is None or name in BROAD or name.removeprefix("builtins.") in IO_ERRORS:
            return True
        if name in STATUS_ONLY:
            return False
        if any(name == library or name.startswith(library + ".") for library in libraries):
            return True
        if self.resolved:
            return self.own
        # Not imported: a built-in (``KeyError`` guards nothing) or the file's own (the benefit of the doubt).
        return name not in BUILTIN_EXCEPTIONS and not name.startswith(UNRELATED_MODULES)


# A guard that catches everything: a retry decorator, a bare ``except:``.
EVERYTHING = (Caught(None),)


@dataclass
class Handler:
    """An ``except`` clause being walked, and what its body has done so far."""

    node: cst.ExceptHandler | cst.ExceptStarHandler
    function_depth: int
    bound: str | None
    in_body: bool = False
    reraised: bool = False
    logged: bool = False
    # A logging call at debug or info level, on a logger (RB207: the handler's trace is too quiet).
    quiet: bool = False
    # A logging call not known to be below warning: a visible trace.
    loud: bool = False
    used: bool = False
    # The error looked at other than in a logging call's arguments (returned, stored, printed):
    # a log line that quotes it is still only a log line (RB207).
    used_beyond_log: bool = False
    reported: bool = False
    # The logging calls of the body (``id``), so that a use of the error inside one is told apart.
    log_calls: set[int] = field(default_factory=set)


# The level of each logging method; ``log`` takes its level as an argument (``LEVEL_NAMES``).
LEVELS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40, "exception": 40, "critical": 50, "fatal": 50}
LEVEL_NAMES = {
    "logging.NOTSET": 0, "logging.DEBUG": 10, "logging.INFO": 20, "logging.WARNING": 30, "logging.WARN": 30,
    "logging.ERROR": 40, "logging.CRITICAL": 50, "logging.FATAL": 50,
}
# Production logging keeps warnings and above; debug and info lines are usually dropped.
WARNING = 30
# What hands out a logger: ``logging.getLogger(__name__).debug(...)`` logs on a logger.
LOGGER_FACTORIES = ("getLogger", "get_logger", "getChild", "get_task_logger")


class ErrorFlow(Analysis):
    """Where the walk is in terms of error handling: guarding ``try`` bodies and open handlers.

    Read by RB201 (would a handler catch this call's failure?) and RB204 (did the handler log,
    report, re-raise or look at the error?).
    """

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        options = ctx.options
        self.guard_decorators = name_pattern(options["errors.guard-decorators"] + options["errors.extend-guard-decorators"])
        self.reporters = frozenset(options["errors.reporters"] + options["errors.extend-reporters"])
        # Per enclosing function (module level first): what the ``try`` bodies (and
        # ``contextlib.suppress`` blocks) around the walk catch, outermost first.
        self.guards: list[list[tuple[Caught, ...]]] = [[]]
        # The ``except`` clauses around the node being walked, innermost last.
        self.handlers: list[Handler] = []
        # The blocks that pushed a guard when the walk entered them (``id`` of the block).
        self.guarding: set[int] = set()
        # Functions whose retry decorator guards their whole body, by ``id`` until the body starts.
        self.retried: dict[int, bool] = {}

    def unguarded(self, libraries: tuple[str, ...]) -> list[str] | None:
        """``None`` if a guard around the walk catches failures of ``libraries``; else what the
        enclosing ``try`` statements of this function do catch (empty when there are none)."""
        caught: list[str] = []
        for guard in self.guards[-1]:
            if any(item.covers(libraries) for item in guard):
                return None
            caught.extend(item.name for item in guard if item.name is not None)
        return caught

    # --- where guarding try bodies and functions begin and end ------------------------------------
    def _is_guard(self, decorator: cst.BaseExpression) -> bool:
        if isinstance(decorator, cst.Call):
            decorator = decorator.func
        name = self.ctx.imports.resolve(decorator) or dotted_name(decorator)
        return name is not None and self.guard_decorators.match(name) is not None

    def _caught(self, node: cst.BaseExpression) -> Iterator[Caught]:
        """The types an ``except`` (or ``suppress``) names, flattening tuples."""
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                yield from self._caught(element.value)
            return
        resolved = self.ctx.imports.resolve(node)
        if resolved is not None:
            roots = self.ctx.project.roots
            yield Caught(resolved, True, resolved.split(".")[0] in roots)
        else:
            yield Caught(dotted_name(node) or "<expression>")

    def _guard_of(self, parent: cst.CSTNode, node: cst.BaseSuite) -> tuple[Caught, ...] | None:
        """What the block ``node`` of ``parent`` is guarded by, if it is a guarding block."""
        if isinstance(parent, (cst.Try, cst.TryStar)) and parent.body is node and parent.handlers:
            caught: list[Caught] = []
            for handler in parent.handlers:
                caught.extend(EVERYTHING if handler.type is None else self._caught(handler.type))
            return tuple(caught)
        if isinstance(parent, cst.With) and parent.body is node:
            caught = []
            for item in parent.items:
                call = item.item
                if isinstance(call, cst.Call) and self.ctx.imports.resolve(call.func) == "contextlib.suppress":
                    for arg in call.args:
                        caught.extend(self._caught(arg.value))
            return tuple(caught) or None
        return None

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
        """Track guarding blocks, handler bodies, and function bodies.

        A function's guards start at its body: its decorators and default values run in the
        enclosing scope, under the enclosing ``try``. The body starts unguarded unless a retry
        decorator covers it.
        """
        parent = self.ctx.parent()
        if parent is None:
            return
        if isinstance(parent, cst.FunctionDef) and parent.body is node:
            if step > 0:
                self.guards.append([EVERYTHING] if self.retried.pop(id(parent), False) else [])
            else:
                self.guards.pop()
        elif isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler)) and self.handlers:
            self.handlers[-1].in_body = step > 0
        elif step > 0:
            # Decided once, on the way in: the imports may change inside the block.
            guard = self._guard_of(parent, node)
            if guard is not None:
                self.guards[-1].append(guard)
                self.guarding.add(id(node))
        elif id(node) in self.guarding:
            self.guarding.discard(id(node))
            self.guards[-1].pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Decorators are read in the enclosing scope, before the function's locals shadow anything."""
        self.retried[id(node)] = any(self._is_guard(decorator.decorator) for decorator in node.decorators)

    # --- what handler bodies do --------------------------------------------------------------------
    def visit_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Start tracking what the handler's body does."""
        bound = None
        if node.name is not None and isinstance(node.name.name, cst.Name):
            bound = node.name.name.value
        self.handlers.append(Handler(node, len(self.guards), bound))

    visit_ExceptStarHandler = visit_ExceptHandler

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """The rules have judged the handler (their ``leave_`` ran first): forget it."""
        self.handlers.pop()

    leave_ExceptStarHandler = leave_ExceptHandler

    def open_handlers(self) -> list[Handler]:
        """Handlers whose body we are in, within the current function."""
        depth = len(self.guards)
        return [h for h in self.handlers if h.in_body and h.function_depth == depth]

    def visit_Call(self, node: cst.Call) -> None:
        """Inside a handler: a call that logs, reports, re-raises or inspects the error."""
        if not self.handlers:
            return
        handlers = self.open_handlers()
        if not handlers:
            return
        name = self.ctx.imports.resolve(node.func)
        spelled = name or dotted_name(node.func) or ""
        logged = (name is not None and name.startswith("logging.")) or (
            isinstance(node.func, cst.Attribute) and node.func.attr.value in LOG_METHODS
        )
        level = self._log_level(node, name) if logged else None
        reported = name in self.reporters or spelled in self.reporters
        reraised = "reraise" in spelled.rpartition(".")[2]
        inspected = name in INSPECTS_ERROR
        for handler in handlers:
            handler.logged |= logged
            handler.reported |= reported
            handler.reraised |= reraised
            handler.used |= inspected
            handler.used_beyond_log |= inspected and not self._in_log_call(handler)
            if level is not None:
                handler.log_calls.add(id(node))
                handler.quiet |= level == "quiet"
                handler.loud |= level == "loud"

    def _log_level(self, node: cst.Call, name: str | None) -> str | None:
        """``"quiet"`` for a logger's debug or info call; ``"loud"`` for any other call at a level
        (warning and above, a level not known, a ``.info()`` of something not seen to be a logger);
        ``None`` for a ``logging`` helper that logs nothing (``logging.getLogger``)."""
        if name is not None and name.count(".") == 1 and name.startswith("logging."):
            method, on_logger = name.partition(".")[2], True
        elif isinstance(node.func, cst.Attribute):
            method, on_logger = node.func.attr.value, self._is_logger(node.func.value)
        else:
            return None
        if method not in LOG_METHODS:
            return None
        level = LEVELS.get(method)
        if method == "log":
            given = argument(node, 0, "level")
            level = None if given is None else self._level_value(given)
        return "quiet" if on_logger and level is not None and level < WARNING else "loud"

    def _is_logger(self, node: cst.BaseExpression) -> bool:
        """A logger by its name (``log``, ``self.logger``, ``audit_log``) or by what made it
        (``logging.getLogger(__name__)``, ``structlog.get_logger()``)."""
        if isinstance(node, cst.Call):
            node = node.func
            made = self.ctx.imports.resolve(node) or dotted_name(node) or ""
            return made.rpartition(".")[2] in LOGGER_FACTORIES
        if isinstance(node, cst.Attribute):
            return is_logger(node.attr.value)
        return isinstance(node, cst.Name) and is_logger(node.value)

    def _level_value(self, node: cst.BaseExpression) -> int | None:
        """The number a level argument stands for: ``logging.DEBUG``, ``10``; ``None`` if not known."""
        if isinstance(node, cst.Integer):
            return int(node.evaluated_value)
        return LEVEL_NAMES.get(self.ctx.imports.resolve(node) or dotted_name(node) or "")

    def _in_log_call(self, handler: Handler) -> bool:
        """Whether the node being walked is inside one of ``handler``'s logging calls."""
        for ancestor in reversed(self.ctx.walk.stack):
            if ancestor is handler.node:
                return False
            if id(ancestor) in handler.log_calls:
                return True
        return False

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
                handler.used_beyond_log |= not self._in_log_call(handler)


def is_outage(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """Whether a handler's types hold a service's failure (``requests.RequestException``,
    ``redis.RedisError``...): an outage, never an expected case."""
    if isinstance(node, (cst.Tuple, cst.List)):
        return any(is_outage(ctx, element.value) for element in node.elements)
    name = ctx.imports.resolve(node) or ""
    return name.startswith(OUTAGES)


def is_broad(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """``Exception``/``BaseException``, alone or in a tuple."""
    if isinstance(node, cst.Tuple):
        return any(is_broad(ctx, element.value) for element in node.elements)
    name = ctx.imports.resolve(node) or dotted_name(node)
    return name in BROAD


def _keyword_true(node: cst.Call, keyword: str) -> bool:
    """Whether the call passes ``keyword=`` something other than ``False``/``None``."""
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None"))
    return False


def _libraries(name: str) -> tuple[str, ...]:
    """The packages whose exceptions a call into ``name`` raises."""
    root = name.split(".")[0]
    return ERROR_PACKAGES.get(root, (root,))


class BareExcept(Rule):
    """RB202: ``except:``."""

    id = "RB202"
    name = "bare-except"
    summary = "An `except:` clause without an exception type."
    why = "A bare `except:` also catches `KeyboardInterrupt` and `SystemExit` and hides every bug as a handled error."
    bad = (Example("try:\n    run()\nexcept:\n    raise\n", lines=(3,)),)
    good = (Example("try:\n    run()\nexcept ValueError:\n    raise\n"),)
    peers = "Ruff E722, pylint W0702"
    noqa = ("E722",)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        """Findings point at the ``except:`` line, not at the whole handler."""
        if node.type is None:
            self.report(node, "bare `except:` also catches KeyboardInterrupt and SystemExit", span=self.ctx.header_span(node))


class SwallowedException(Rule):
    """RB203: a catch-all handler that does nothing."""

    id = "RB203"
    name = "swallowed-exception"
    summary = "A handler that catches everything and does nothing (`pass`, `...`, `continue`, `break`)."
    why = (
        "The error disappears: nothing is logged, nothing is raised, and the program carries on in an unknown state. "
        "A handler whose author wrote down why ignoring the error is safe is a decision, not an oversight: a comment "
        "on the `except` line, in the handler, or in the body of its `try` (tool directives such as `# noqa` and "
        "`# type: ignore` are not reasons), or a docstring of the enclosing function that says errors are ignored "
        "on purpose (\"best effort\", \"never raises\", \"errors are ignored\", \"swallows exceptions\", "
        "\"fails silently\"; other words about ignoring, such as \"ignores blank lines\", do not count)."
    )
    bad = (
        Example("try:\n    run()\nexcept Exception:\n    pass\n", lines=(3,)),
        Example("for job in jobs:\n    try:\n        job()\n    except (ValueError, BaseException):\n        continue\n", lines=(4,)),
    )
    good = (
        Example("try:\n    run()\nexcept KeyError:\n    pass\n"),
        Example("import logging\n\ntry:\n    run()\nexcept Exception:\n    logging.exception('run failed')\n"),
        Example("try:\n    # The cache is optional: without it every read goes to the database.\n    warm_cache()\nexcept Exception:\n    pass\n"),
        Example(
            "def close_all(connections: list) -> None:\n    \"\"\"Close every connection, best effort: never raises.\"\"\"\n"
            "    for connection in connections:\n        try:\n            connection.close()\n        except Exception:\n            pass\n"
        ),
    )
    options = (Option("errors.swallow-any-type", bool, "RB203 also flags handlers of narrow exception types.", False),)
    peers = "Ruff S110/S112, pylint W0718"
    noqa = ("S110", "S112")

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.swallow_any = bool(ctx.options["errors.swallow-any-type"])

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """A handler (catching everything, or anything with ``swallow-any-type``) that only passes."""
        broad = node.type is None or is_broad(self.ctx, node.type)
        if (broad or self.swallow_any) and does_nothing(node.body) and not self.ctx.explained(node):
            self.report(
                node,
                "exception swallowed: the handler does nothing; catch only the exceptions expected here, "
                "log the error, or say in a comment why ignoring it is safe",
                span=self.ctx.header_span(node),
            )

    leave_ExceptStarHandler = leave_ExceptHandler


class BroadExceptUnlogged(Rule):
    """RB204: ``except Exception`` that leaves no trace of the error."""

    id = "RB204"
    name = "broad-except-unlogged"
    summary = "`except Exception` whose body neither re-raises, logs, reports, nor uses the exception."
    why = (
        "A broad handler is acceptable at a boundary only if the failure leaves a trace; otherwise it hides bugs. "
        "A narrow handler of a service's failure is not reported: turning an outage into an answer "
        "(`return False` from a probe or a validator) is how such code says it, as often as not. "
        "The handler is fine when it re-raises (`raise`, `six.reraise`), logs (any `debug/info/warning/error/"
        "exception/critical/log` call, or `logging.*`), reports (`errors.reporters`: Sentry, Rollbar, Bugsnag), "
        "or looks at the error (its bound name, `sys.exc_info()`, `traceback.format_exc()`). A handler whose only "
        "trace is a debug or info log line is RB207's; one that does nothing at all is RB203's: each handler gets "
        "one finding. A reason written down counts as RB203 says: a comment on the `except` line, in the handler or "
        "in the body of its `try`, or a docstring of the enclosing function saying errors are ignored on purpose."
    )
    bad = (Example("try:\n    run()\nexcept Exception:\n    result = None\n", lines=(3,)),)
    good = (
        Example("try:\n    run()\nexcept Exception as exc:\n    result = str(exc)\n"),
        Example("try:\n    run()\nexcept Exception:\n    log.warning('run failed')\n    raise\n"),
        Example("import sentry_sdk\n\ntry:\n    run()\nexcept Exception:\n    sentry_sdk.capture_exception()\n"),
        Example(
            "def preview(path: str) -> bytes | None:\n    try:\n        # A broken thumbnail must not fail the page: it shows a placeholder.\n"
            "        return render_thumbnail(path)\n    except Exception:\n        return None\n"
        ),
    )
    options = (
        Option("errors.reporters", list, "Calls that report an error to a tracker (RB204 counts them as handling it).", REPORTERS),
        Option("errors.extend-reporters", list, "Added to `errors.reporters`.", ()),
    )
    peers = "Ruff BLE001, pylint W0718"
    noqa = ("BLE001",)
    needs = (ErrorFlow,)

    def leave_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        """Judged now that the body has been walked; a handler that does nothing is RB203's."""
        if node.type is None or not is_broad(self.ctx, node.type) or does_nothing(node.body):
            return
        handler = self.analysis(ErrorFlow).handlers[-1]
        if not (handler.reraised or handler.logged or handler.used or handler.reported or self.ctx.explained(node)):
            self.report(
                node,
                "broad `except` leaves no trace of the error (no re-raise, log, error report, or use of it):"
                " log it with `log.exception(...)`, catch the specific exceptions expected, or say in a comment why not",
                span=self.ctx.header_span(node),
            )

    leave_ExceptStarHandler = leave_ExceptHandler


class MissingTimeout(Rule):
    """RB205: an HTTP request that may wait forever."""

    id = "RB205"
    name = "missing-timeout"
    summary = "An HTTP request that can wait forever: `requests` (functions and sessions) without `timeout=`, `timeout=None`, `urlopen` without a timeout."
    why = (
        "`requests` and `urlopen` wait forever by default: one slow server hangs a worker for good. "
        "`httpx` has a default and a `urllib3` pool may get one where it is built, so only an explicit "
        "`timeout=None` is reported there. A `**kwargs` argument may carry the timeout: no finding."
    )
    bad = (
        Example("import requests\n\ntry:\n    requests.get('https://example.com')\nexcept requests.RequestException:\n    raise\n", lines=(4,)),
        Example("from urllib.request import urlopen\n\ntry:\n    urlopen('https://example.com')\nexcept OSError:\n    raise\n", lines=(4,)),
        Example("import httpx\n\ntry:\n    httpx.get('https://example.com', timeout=None)\nexcept httpx.HTTPError:\n    raise\n", lines=(4,)),
        Example(
            "import requests\n\nclass Api:\n    def __init__(self) -> None:\n        self.session = requests.Session()\n\n"
            "    def ping(self) -> None:\n        try:\n            self.session.get('https://example.com/ping')\n"
            "        except requests.RequestException:\n            raise\n",
            lines=(9,),
        ),
    )
    good = (
        Example("import requests\n\ntry:\n    requests.get('https://example.com', timeout=10)\nexcept requests.RequestException:\n    raise\n"),
        Example("import httpx\n\ntry:\n    httpx.get('https://example.com')\nexcept httpx.HTTPError:\n    raise\n"),
        Example("import requests\n\ndef get(url: str, **options: object) -> None:\n    try:\n        requests.get(url, **options)\n    except requests.RequestException:\n        raise\n"),
    )
    peers = "Ruff S113, pylint W3101, bandit B113"
    noqa = ("S113",)
    needs = (Clients,)

    def visit_Call(self, node: cst.Call) -> None:
        """RB205 for an HTTP call without a timeout, or with ``timeout=None``."""
        name = self.ctx.imports.resolve(node.func)
        if name is None or not (name in REQUESTS_FUNCTIONS or name in HTTPX_FUNCTIONS or name == "urllib.request.urlopen"):
            found = self.analysis(Clients).io_call(node)
            if found is None:
                return
            name, client = found
            if client.name not in TIMEOUT_CLIENTS or name.rpartition(".")[2] not in TIMEOUT_CLIENTS[client.name]:
                return
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        timeout = keywords.get("timeout")
        explicit_none = isinstance(timeout, cst.Name) and timeout.value == "None"
        # ``**options`` may carry a timeout: only an explicit ``timeout=None`` is certain then.
        spread = any(arg.star == "**" for arg in node.args)
        if name in REQUESTS_FUNCTIONS or name.startswith("requests.Session."):
            missing = timeout is None and not spread
        elif name == "urllib.request.urlopen":
            # urlopen(url, data, timeout): the third positional argument is the timeout.
            positional = sum(1 for arg in node.args if arg.keyword is None and not arg.star)
            missing = timeout is None and not spread and positional < 3
        else:
            # httpx applies a default, a urllib3 pool may have one: only switching it off is certain.
            missing = False
        if missing:
            self.report(node.func, f"`{name}` without `timeout=`: a slow server blocks this call forever; pass `timeout=` (seconds)")
        elif explicit_none:
            self.report(node.func, f"`{name}` with `timeout=None`: a slow server blocks this call forever; pass a number of seconds")


def does_nothing(body: cst.BaseSuite) -> bool:
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
