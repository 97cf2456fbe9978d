"""RB201 and RB208: failures followed to the boundary that owns them.

Reviewers do not ask for a ``try`` around every call; they ask that every failure ends somewhere
that answers it. Phase 1 (``FlowFacts``) records, per function, the external calls no ``try`` of
the function catches, the calls of the project's own functions with what the ``try`` statements
around them catch, what its decorators and its task framework's retries catch, the exceptions its
``Raises:`` section hands to its callers, and whether it is a **boundary**: a route handler, a task,
a CLI command, the ``__main__`` block. The project phase (``UnguardedExternalCall``) joins the
files into a call graph and follows each external call's failure up through its callers: it is
owned where a frame catches it, an application exception handler covers it, a decorator or the task
framework retries it; a function that documents it passes it on. A failure that reaches a boundary
unowned is RB201, reported at the call with the path it takes. A call that reaches no boundary
(library code, calls that cannot be resolved without running the code) is not reported.

An endless worker loop (``while True`` without ``break``) is a boundary of its own: one transient
error ends it. Its external calls are RB208's, reported once per loop; a project function called in
the loop whose failure escapes it is RB201's, with the loop as the boundary.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from reviewbot.lazy import libcst as cst

from reviewbot.checks.architecture import ROUTE_METHODS, route_decorator
from reviewbot.checks.base import Analysis, FileContext, ProjectRule, Rule, Scope, make_finding
from reviewbot.checks.clients import CLIENTS, Clients, Members, check_clients, class_members
from reviewbot.checks.errors import (
    BROAD,
    CONNECT_WITH_HOST,
    EVERYTHING,
    EXTERNAL_CALLS,
    GUARD_DECORATORS,
    SUGGESTED,
    UNCHECKED,
    Caught,
    ErrorFlow,
    _keyword_true,
    _libraries,
    name_pattern,
)
from reviewbot.errors import ConfigError
from reviewbot.imports import dotted_name
from reviewbot.model import CallSite, Example, Facts, Flow, Option
from reviewbot.scopes import Binding

# Client types whose calls belong to a transaction the request or unit of work opens and closes
# (SQLAlchemy sessions and connections): not external calls unless ``errors.session-calls-external``.
SESSION_CLIENTS = frozenset({"sqlalchemy.orm.Session", "sqlalchemy.Connection", "sqlalchemy.orm.sessionmaker"})
# Calls in a handler around a worker loop that start the work again (RB208).
RESTARTS = frozenset({"start", "restart", "run", "run_forever", "reconnect", "respawn", "spawn"})
# A database in a local file fails with the disk, not with a network: not a service.
LOCAL = ("sqlite3.",)
# The boundaries RB201 reports at by default (`errors.boundaries`): requests answered with a 500,
# and worker loops that end. A task, a command and a script that fail say so where someone looks
# (a task's result, a traceback), and most of those reviewers read were meant to fail loudly.
BOUNDARIES = ("route", "view", "loop")
# Decorators that make a function a task, by their last name part (``@shared_task``, ``@app.task``,
# ``@dramatiq.actor``, ``@scheduler.scheduled_job``, Huey's ``@huey.periodic_task``).
TASK_DECORATORS = frozenset({"shared_task", "task", "periodic_task", "db_task", "actor", "scheduled_job"})
# ... and ``@job`` only from RQ, whose name is too common to read alone.
RQ_JOB = ("rq.job", "rq.decorators.job")
# Decorators that make a function a command: click and typer (``@click.command()``, ``@cli.command()``,
# ``@app.command()``, ``@click.group()``).
COMMAND_DECORATORS = frozenset({"command", "group"})
# Methods a class-based view answers requests with (Django, Flask ``MethodView``, Flask-RESTful,
# DRF views and viewsets, aiohttp ``web.View``, Starlette ``HTTPEndpoint``).
VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "list", "create", "retrieve", "update", "partial_update", "destroy"})
# Base classes of class-based views, by their last name part; a project class inheriting from one is a view too.
VIEW_BASES = re.compile(r"(\w*View|\w*ViewSet|\w*ViewSetMixin|Resource|HTTPEndpoint|\w*Mixin)\Z")
# Django's management commands: ``class Command(BaseCommand): def handle(...)``.
COMMAND_BASES = frozenset({"BaseCommand", "AppCommand", "LabelCommand"})
# Registering an application-wide exception handler (FastAPI/Starlette, Flask): the call's first
# argument, or the decorator's, is what it catches.
HANDLER_REGISTRATIONS = frozenset({"add_exception_handler", "register_error_handler", "exception_handler", "errorhandler"})
# A ``Raises:`` section: Google (``Raises:``), NumPy (``Raises`` underlined) and the names it lists.
RAISES_HEADER = re.compile(r"^(\s*)(?:Raises|Raise|Throws|Exceptions)\s*:?\s*$")
RAISES_ITEM = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::|\(|,|$)")
# The sections that may follow ``Raises:``.
SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns?|Yields?|Notes?|Examples?|Attributes|See Also|Warns|Warnings|Todo|References)\s*:?\s*$")
# Sphinx: ``:raises httpx.HTTPError: when ...``.
SPHINX_RAISES = re.compile(r":raises?\s+([\w.]+(?:\s*,\s*[\w.]+)*)\s*:")
# How far the project phase follows a failure up the call graph.
MAX_DEPTH = 12
# In a change: how many rounds of callers and callees of the changed files are read, and how many files at most.
GROWTH = 4
MAX_FILES = 200
# DRF's own exception handler: it answers DRF's exceptions (``APIException``, ``Http404``,
# ``PermissionDenied``) and returns ``None`` for any other.
DRF_DEFAULT_HANDLER = "rest_framework.views.exception_handler"
# What stopping a task or the process raises.
SHUTDOWN = frozenset({"CancelledError", "KeyboardInterrupt", "SystemExit", "GeneratorExit"})
# The words that register an application's exception handlers and boundaries (read in a change wherever they are).
REGISTRATIONS = ("add_exception_handler", "exception_handler", "errorhandler", "register_error_handler", "process_exception", "EXCEPTION_HANDLER", "exception_handlers", "WorkerSettings", "add_job")
# A function name mentioned in more files than this is too common to find its callers by.
MENTIONS = 40

# What each kind of boundary does with a failure that reaches it, and what to do instead.
CONSEQUENCES = {
    "route": ("the client gets a 500", "handle it where the failure can be answered (a 502 or 503 with a message), or register an exception handler"),
    "view": ("the client gets a 500", "handle it where the failure can be answered (a 502 or 503 with a message), or register an exception handler"),
    "task": ("the task fails without a retry", "retry it (Celery's `autoretry_for=`, a retry policy of the task framework) or handle it"),
    "command": ("the command ends with a traceback", "catch it and exit with a clear message"),
    "script": ("the script ends with a traceback", "catch it and exit with a clear message"),
    "loop": ("one transient error ends the loop", "catch it inside the loop, log it and carry on"),
}


def check_boundaries(where: str, value: object) -> list[str]:
    """Validate ``errors.boundaries``; an error names the key and the kinds there are."""
    kinds = ("route", "view", "task", "command", "script", "loop")
    if not isinstance(value, list) or not all(isinstance(kind, str) and kind in kinds for kind in value):
        raise ConfigError(f"{where}: expected a list of {', '.join(kinds)}, got {value!r}")
    return value


def encode(caught: Caught) -> str:
    """A caught type as a string for the facts: ``*`` catches everything; ``=name`` is the project's
    own, ``+name`` another resolved name, ``?name`` a name the imports do not resolve."""
    if caught.name is None:
        return "*"
    return ("=" if caught.own else "+" if caught.resolved else "?") + caught.name


def decode(text: str) -> Caught:
    """The ``Caught`` that ``encode`` wrote."""
    if text == "*":
        return EVERYTHING[0]
    return Caught(text[1:], text[0] in "=+", text[0] == "=")


def endless(node: cst.While) -> bool:
    """``while True:`` (or ``while 1:``) that no ``break`` or ``return`` of its own leaves."""
    test = node.test
    if not ((isinstance(test, cst.Name) and test.value == "True") or (isinstance(test, cst.Integer) and test.value not in ("0", "0x0"))):
        return False
    return node.orelse is None and not _leaves(node.body, loop=True)


def _leaves(node: cst.CSTNode, loop: bool) -> bool:
    """Whether ``node`` holds a ``return``, or a ``break`` of the loop being judged (``loop``).
    A handler of the loop's shutdown (``except asyncio.CancelledError: break``) is no way out of
    its work."""
    for child in node.children:
        if isinstance(child, cst.Return) or (loop and isinstance(child, cst.Break)):
            return True
        if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or _shutdown(child):
            continue
        # A ``break`` in a nested loop leaves that loop, not this one; a ``return`` leaves both.
        if _leaves(child, loop and not isinstance(child, (cst.For, cst.While))):
            return True
    return False


def _shutdown(node: cst.CSTNode) -> bool:
    """``except asyncio.CancelledError:`` (or ``KeyboardInterrupt``, ``SystemExit``,
    ``GeneratorExit``): the process or the task is being stopped."""
    if not isinstance(node, cst.ExceptHandler) or node.type is None:
        return False
    types = [element.value for element in node.type.elements] if isinstance(node.type, cst.Tuple) else [node.type]
    return all((dotted_name(kind) or "").rpartition(".")[2] in SHUTDOWN for kind in types)


def raised_names(docstring: str) -> list[str]:
    """The exception names a docstring's ``Raises:`` section (Google, NumPy or Sphinx) lists."""
    names = [name.strip() for match in SPHINX_RAISES.finditer(docstring) for name in match.group(1).split(",")]
    lines = docstring.splitlines()
    for index, line in enumerate(lines):
        header = RAISES_HEADER.match(line)
        if header is None:
            continue
        indent = len(header.group(1))
        for item in lines[index + 1 :]:
            stripped = item.strip()
            if not stripped or set(stripped) == {"-"}:
                continue
            depth = len(item) - len(item.lstrip())
            # Less indented than the header, or the next section: the list has ended.
            if depth < indent or SECTION.match(item):
                break
            found = RAISES_ITEM.match(item)
            if found is not None and (found.group(1)[:1].isupper() or "." in found.group(1)):
                names.append(found.group(1))
    return names


def external_call(ctx: FileContext, node: cst.Call, clients: Clients, pattern: re.Pattern[str], sessions: bool) -> tuple[str, tuple[str, ...]] | None:
    """``(qualified name, the libraries whose exceptions it raises)`` when ``node`` reaches outside
    the process (a network, database or process call), else ``None``."""
    func = node.func
    name = ctx.imports.resolve(func)
    if name is not None and pattern.match(name) and (name not in CONNECT_WITH_HOST or node.args):
        if name in UNCHECKED and not _keyword_true(node, "check"):
            # Without ``check=True`` a failing command is a return code the caller reads, not an
            # exception; only a missing program raises.
            return None
        return (name, _libraries(name)) if not name.startswith(LOCAL) else None
    found = clients.io_call(node)
    if found is None:
        return None
    name, client = found
    if not sessions and client.name in SESSION_CLIENTS:
        return None
    if name.startswith(LOCAL):
        return None
    return name, client.errors


@dataclass
class Building:
    """A function's flow while the walk is in it."""

    name: str
    boundary: str = ""
    guards: list[str] = field(default_factory=list)
    raises: list[str] = field(default_factory=list)
    wraps: list[str] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    # Open endless loops: (the loop, how many ``try`` bodies were around the walk when it began).
    loops: list[tuple[cst.While, int]] = field(default_factory=list)
    # The loop each call of ``calls`` is in (by index), placed once the walk has left it.
    in_loop: dict[int, cst.While] = field(default_factory=dict)
    middleware: bool = False
    abstract: bool = False
    returns: str = ""


def abstract(node: cst.FunctionDef) -> bool:
    """``@abstractmethod``, or a body that only raises ``NotImplementedError`` (after a docstring).
    A special method (``__init__``) is never taken for one."""
    if node.name.value.startswith("__"):
        return False
    if any((dotted_name(d.decorator) or "").rpartition(".")[2] == "abstractmethod" for d in node.decorators):
        return True
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    elif all(isinstance(statement, cst.SimpleStatementLine) for statement in body.body):
        smalls = [small for statement in body.body if isinstance(statement, cst.SimpleStatementLine) for small in statement.body]
    else:
        return False
    raised = False
    for small in smalls:
        if isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
            continue
        exc = small.exc if isinstance(small, cst.Raise) else None
        name = exc.func if isinstance(exc, cst.Call) else exc
        if not (isinstance(name, cst.Name) and name.value == "NotImplementedError"):
            return False
        raised = True
    return raised


class FlowFacts(Analysis):
    """Phase 1 of RB201: the file's functions as ``Flow`` facts (see the module docstring)."""

    needs = (ErrorFlow, Clients)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx)
        flow, clients = analyses[ErrorFlow], analyses[Clients]
        assert isinstance(flow, ErrorFlow) and isinstance(clients, Clients)
        self.flow, self.clients = flow, clients
        options = ctx.options
        self.external = name_pattern(options["errors.external-calls"] + options["errors.extend-external-calls"])
        self.sessions = bool(options["errors.session-calls-external"])
        self.guard_decorators = name_pattern(options["errors.guard-decorators"] + options["errors.extend-guard-decorators"])
        # Functions being walked, by ``id`` of their node; the innermost tracked one is ``current``.
        self.building: dict[int, Building] = {}
        self.main: Building | None = None
        self.main_node: cst.If | None = None
        # What each class binds to its receiver's attributes, by ``id`` of the class, read once.
        self.members: dict[int, Members] = {}
        self.top = Building("<module>")
        self.flows: list[Flow] = []
        self.classes: list[tuple[str, tuple[str, ...]]] = []
        self.singletons: list[tuple[str, str]] = []
        self.handlers: list[str] = []
        self.registered: list[tuple[str, str]] = []
        # Django's function views live in ``views.py`` or a ``views/`` package.
        self.views = ctx.path.rpartition("/")[2] == "views.py" or "/views/" in f"/{ctx.path}"
        self.argparse = False
        # Module-level functions, classes and instances of project classes: what ``#name`` may name.
        self.local: set[str] = set()

    def visit_Module(self, node: cst.Module) -> None:
        """The imports are known now: read the module level once."""
        self.local = {s.name.value for s in node.body if isinstance(s, (cst.FunctionDef, cst.ClassDef))}
        self._module_level(node)

    # --- the file as a whole ----------------------------------------------------------------------------
    def _module_level(self, module: cst.Module) -> None:
        """Module-level singletons, class bases, and boundaries registered by name."""
        names = self.ctx.imports.names
        self.argparse = any(target == "argparse" or target.startswith("argparse.") for target in names.values())
        for statement in module.body:
            if isinstance(statement, cst.ClassDef):
                # A project class by its target; a framework's (``web.View``, ``APIView``) by its name.
                bases = tuple(
                    target for base in statement.bases if (target := self._target(base.value) or self.ctx.imports.resolve(base.value) or dotted_name(base.value))
                )
                self.classes.append((statement.name.value, bases))
                self._class_body(statement)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        self._module_assignment(small.targets[0].target.value, small.value)
        self.local |= {name for name, _ in self.singletons}

    @property
    def _drf(self) -> bool:
        """Whether the file imports DRF's own exception handler (or its module)."""
        return any(name in (DRF_DEFAULT_HANDLER, "rest_framework.views") for name in self.ctx.imports.names.values())

    def _adds_to_drf(self, node: cst.FunctionDef) -> bool:
        """A DRF exception handler that only adds to the answer of DRF's own, which answers DRF's
        exceptions alone (``None`` for any other, and the client gets a 500): it calls DRF's
        handler, never rebinds the exception it was given, builds no response of its own, and
        returns DRF's answer or ``None``."""
        params = node.params.params
        if not params:
            return False
        from reviewbot.checks._visitors import HandlerBody

        body = HandlerBody(lambda call: self.ctx.imports.resolve(call.func) or dotted_name(call.func) or "", DRF_DEFAULT_HANDLER)
        node.body.visit(body)
        if not body.delegated or params[0].name.value in body.assigned or any(name.rpartition(".")[2].endswith("Response") for name in body.called):
            return False
        return all(
            value is None or (isinstance(value, cst.Name) and value.value in (body.answers | {"None"})) or (isinstance(value, cst.Call) and body.name(value) == DRF_DEFAULT_HANDLER)
            for value in body.returned
        )

    def _module_assignment(self, name: str, value: cst.BaseExpression) -> None:
        """``payments = PaymentsClient(...)``; ``REST_FRAMEWORK = {"EXCEPTION_HANDLER": ...}``."""
        if isinstance(value, cst.Call):
            target = self._target(value.func)
            if target is not None:
                self.singletons.append((name, target))
        if name == "REST_FRAMEWORK" and isinstance(value, cst.Dict):
            for element in value.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) and element.key.evaluated_value == "EXCEPTION_HANDLER":
                    named = element.value.evaluated_value if isinstance(element.value, cst.SimpleString) else None
                    self.handlers.append(f"@{named}" if isinstance(named, str) else "*")

    def _class_body(self, node: cst.ClassDef) -> None:
        """A Django middleware (``process_exception``) handles every failure of a view; an arq
        ``WorkerSettings.functions`` list makes each function it names a task."""
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value == "process_exception":
                self.handlers.append("*")
            if isinstance(statement, cst.SimpleStatementLine) and "WorkerSettings" in node.name.value:
                for small in statement.body:
                    if isinstance(small, cst.Assign) and isinstance(small.value, (cst.List, cst.Tuple)):
                        if any(isinstance(t.target, cst.Name) and t.target.value == "functions" for t in small.targets):
                            for element in small.value.elements:
                                target = self._target(element.value)
                                if target is not None:
                                    self.registered.append((target, f"task {target.rpartition('.')[2].lstrip('#')}"))

    def _target(self, node: cst.BaseExpression) -> str | None:
        """A name of the project: a dotted name through the imports whose package is a root
        package, or ``#name`` for a module-level name of this file."""
        if isinstance(node, cst.Call) and isinstance(node.func, (cst.Name, cst.Attribute)) and dotted_name(node.func) in ("arq.func", "func"):
            return self._target(node.args[0].value) if node.args else None
        name = self.ctx.imports.resolve(node)
        if name is not None:
            return name if name.split(".")[0] in self.ctx.project.roots else None
        spelled = dotted_name(node)
        if spelled is None or spelled.split(".")[0] in ("self", "cls"):
            return None
        head = spelled.split(".")[0]
        scope = self.ctx.imports.scope
        if head in self.local and (scope is None or not scope.binds(head)):
            return "#" + spelled
        return None

    # --- functions ---------------------------------------------------------------------------------------
    @property
    def current(self) -> Building | None:
        """The tracked function the walk is directly in (not a function nested in it), the
        ``__main__`` block, or the module's top level (which nothing calls, and is no boundary)."""
        scope = self.ctx.scope
        if scope is None:
            return self.main or self.top
        return self.building.get(id(scope.node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A module-level function or a method: tracked, with its boundary and its guards."""
        scope = self.ctx.scope
        if scope is None or scope.node is not node or scope.in_function:
            # A function nested in a tracked one: a decorator's wrapper, whose catches are the decorator's.
            return
        parent = scope.parent
        if parent is not None and not isinstance(parent.node, cst.ClassDef):
            return
        names = [s.node.name.value for s in self._chain(scope)]
        building = Building(".".join(names), abstract=parent is not None and abstract(node))
        if node.returns is not None:
            building.returns = self._annotated(node.returns.annotation) or ""
        if parent is None and self._drf and self._adds_to_drf(node):
            self.handlers.append(f"~{node.name.value}")
        for decorator in node.decorators:
            self._decorator(building, node, decorator.decorator)
        if not building.boundary and parent is None:
            building.boundary = self._plain_boundary(node)
        docstring = node.get_docstring()
        if docstring and ("aise" in docstring or "hrow" in docstring or "xception" in docstring):
            building.raises = [encode(item) for name in raised_names(docstring) for item in self._caught(name)]
        owner = parent.node if parent is not None else None
        if node.name.value == "dispatch" and isinstance(owner, cst.ClassDef):
            building.middleware = any("Middleware" in (dotted_name(base.value) or "") for base in owner.bases)
        self.building[id(node)] = building

    @staticmethod
    def _chain(scope: Scope | None) -> list[Scope]:
        """The scopes from the module down to ``scope``."""
        chain = []
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        return list(reversed(chain))

    def _caught(self, name: str) -> Iterator[Caught]:
        """The ``Caught`` of a name written in a docstring, resolved through the imports."""
        try:
            expression = cst.parse_expression(name)
        except cst.ParserSyntaxError:
            return
        yield from self.flow._caught(expression)

    def _plain_boundary(self, node: cst.FunctionDef) -> str:
        """A boundary without a decorator: a Django function view (a helper of the views, named
        ``_private``, is none), an argparse ``main``."""
        params = node.params.params
        if self.views and params and params[0].name.value == "request" and not node.name.value.startswith("_"):
            return f"view {node.name.value}"
        if node.name.value == "main" and self.argparse:
            return "command main"
        return ""

    def _decorator(self, building: Building, node: cst.FunctionDef, expression: cst.BaseExpression) -> None:
        """What one decorator says: a route, a task (and its retries), a command, a retry
        policy, an exception handler, a middleware, or a project decorator that may guard."""
        call = expression if isinstance(expression, cst.Call) else None
        func = call.func if call is not None else expression
        resolved = self.ctx.imports.resolve(func)
        name = resolved or dotted_name(func) or ""
        last = name.rpartition(".")[2]
        if call is not None and isinstance(func, cst.Attribute) and last in ROUTE_METHODS:
            method = route_decorator(cst.Decorator(decorator=call))
            if method is not None:
                building.boundary = self._route(method, call, node)
                return
        if self.guard_decorators.match(name):
            building.guards.append("*")
        elif last in HANDLER_REGISTRATIONS and call is not None and call.args:
            self._handled(call.args[0].value)
        elif last == "middleware":
            building.middleware = True
        elif last in TASK_DECORATORS or name in RQ_JOB:
            building.boundary = f"task {node.name.value}"
            self._retries(building, call, last)
        elif last in COMMAND_DECORATORS and (name.startswith(("click.", "typer.")) or isinstance(func, cst.Attribute)):
            building.boundary = f"command {node.name.value}"
        elif last == "api_view":
            building.boundary = f"route {self._methods(call)} {node.name.value}"
        elif last == "action" and call is not None:
            building.boundary = f"view {node.name.value}"
        else:
            target = self._target(func)
            if target is not None:
                building.guards.append("@" + target)

    def _route(self, method: str, call: cst.Call, node: cst.FunctionDef) -> str:
        """``route POST /checkout`` for ``@router.post("/checkout")`` or ``@app.route("/checkout", methods=["POST"])``."""
        path = call.args[0].value if call.args and call.args[0].keyword is None else None
        where = path.evaluated_value if isinstance(path, cst.SimpleString) and isinstance(path.evaluated_value, str) else node.name.value
        if method in ("route", "api_route"):
            method = self._methods(call)
        return f"route {method.upper()} {where}"

    @staticmethod
    def _methods(call: cst.Call | None) -> str:
        """The first HTTP method a route declaration lists (``methods=["POST"]``, ``@api_view(["POST"])``), else GET."""
        if call is not None:
            for arg in call.args:
                if (arg.keyword is None or arg.keyword.value == "methods") and isinstance(arg.value, (cst.List, cst.Tuple)):
                    for element in arg.value.elements:
                        if isinstance(element.value, cst.SimpleString) and isinstance(element.value.evaluated_value, str):
                            return element.value.evaluated_value.upper()
        return "GET"

    def _retries(self, building: Building, call: cst.Call | None, last: str) -> None:
        """Celery retries what ``autoretry_for`` names; Dramatiq retries every failure unless ``max_retries=0``."""
        arguments = {arg.keyword.value: arg.value for arg in (call.args if call is not None else ()) if arg.keyword is not None}
        retried = arguments.get("autoretry_for")
        if retried is not None:
            building.guards.extend(encode(item) for item in self.flow._caught(retried))
        if last == "actor":
            limit = arguments.get("max_retries")
            if not (isinstance(limit, cst.Integer) and limit.value == "0"):
                building.guards.append("*")
        # Prefect's and Huey's ``retries=N`` retry every failure.
        retries = arguments.get("retries")
        if retries is not None and not (isinstance(retries, cst.Integer) and retries.value == "0"):
            building.guards.append("*")

    def _handled(self, caught: cst.BaseExpression) -> None:
        """An application exception handler: Flask's ``errorhandler(500)`` sees every unhandled error."""
        if isinstance(caught, cst.Integer):
            if caught.value == "500":
                self.handlers.append("*")
            return
        self.handlers.extend(encode(item) for item in self.flow._caught(caught))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """The function's flow is complete."""
        building = self.building.pop(id(node), None)
        if building is None:
            return
        span = self.ctx.span(node)
        first = self.ctx.span(node.decorators[0])[0] if node.decorators else span[0]
        calls = self._placed(building)
        # A function that calls nothing passes no failure on; a decorator's wrapper may still guard
        # others, a call of an abstract method runs the overrides, and what a function returns
        # decides which method a call on its result is.
        if calls or building.wraps or building.abstract or building.returns:
            self.flows.append(
                Flow(
                    building.name, span[0], first, span[2], building.boundary, tuple(building.guards), tuple(building.raises), tuple(building.wraps), calls,
                    building.abstract, building.returns,
                )
            )

    def _placed(self, building: Building) -> tuple[CallSite, ...]:
        """The calls of a function, each with the line of the endless loop it is in (the loops'
        spans are known once the walk has left them)."""
        return tuple(replace(call, loop=self.ctx.span(building.in_loop[i])[0]) if i in building.in_loop else call for i, call in enumerate(building.calls))

    # --- the ``__main__`` block ---------------------------------------------------------------------------
    def visit_If(self, node: cst.If) -> None:
        """``if __name__ == "__main__":`` at module level: a boundary of its own."""
        if self.ctx.scope is None and self.main is None and _is_main_test(node.test):
            self.main = Building("<main>", "script")
            self.main_node = node

    def leave_If(self, node: cst.If) -> None:
        """The ``__main__`` block ends."""
        if self.main is not None and self.main_node is node:
            span = self.ctx.span(node)
            self.flows.append(Flow("<main>", span[0], span[0], span[2], "script", calls=self._placed(self.main)))
            self.main = None

    # --- what happens inside functions --------------------------------------------------------------------
    def visit_Try(self, node: cst.Try | cst.TryStar) -> None:
        """A ``try`` of a middleware (what it catches, the application's handlers do), or of a
        wrapper nested in a tracked function (what the decorator catches). Other functions' ``try``
        statements are read with their calls (``ErrorFlow``)."""
        current = self.current
        if current is not None:
            if current.middleware:
                self.handlers.extend(self._catches(node))
            return
        # A wrapper nested in a tracked function (a decorator's, or a decorator factory's a level deeper).
        scope = self.ctx.scope
        while scope is not None and scope.parent is not None:
            scope = scope.parent
            outer = self.building.get(id(scope.node))
            if outer is not None:
                outer.wraps.extend(self._catches(node))
                return

    def _catches(self, node: cst.Try | cst.TryStar) -> list[str]:
        """What the handlers of a ``try`` catch (encoded)."""
        return [encode(item) for handler in node.handlers for item in (EVERYTHING if handler.type is None else self.flow._caught(handler.type))]

    visit_TryStar = visit_Try

    def visit_While(self, node: cst.While) -> None:
        """An endless loop no handler around starts again: a boundary for the failures that reach it."""
        current = self.current
        if current is not None and endless(node) and not restarted(self.ctx):
            current.loops.append((node, len(self.flow.guards[-1])))

    def leave_While(self, node: cst.While) -> None:
        """The loop ends."""
        current = self.current
        if current is not None and current.loops and current.loops[-1][0] is node:
            current.loops.pop()

    def leave_Call(self, node: cst.Call) -> None:
        """An external call no ``try`` of the function catches, or a call of a project function."""
        self._registration(node)
        current = self.current
        if current is None:
            return
        guards = self.flow.guards[-1]
        loop, depth = current.loops[-1] if current.loops else (None, 0)
        span = self.ctx.span(node)
        text = dotted_name(node.func) or ""
        found = external_call(self.ctx, node, self.clients, self.external, self.sessions)
        if found is not None:
            # In an endless loop the call is RB208's; elsewhere only a failure that escapes the function is a fact.
            name, families = found
            if loop is not None or self.flow.unguarded(families) is None:
                return
            current.calls.append(CallSite(name, True, span[0], span[1] + 1, span[2], span[3] + 1, text or name, families))
            return
        target = self._callee(node.func)
        if target is not None:
            # In a loop only a ``try`` inside the loop keeps it going.
            caught = tuple(encode(item) for guard in guards[depth:] for item in guard)
            if loop is not None:
                current.in_loop[len(current.calls)] = loop
            current.calls.append(CallSite(target, False, span[0], span[1] + 1, span[2], span[3] + 1, text, caught=caught))

    def _registration(self, node: cst.Call) -> None:
        """Calls that register a handler or a boundary: ``app.add_exception_handler(E, h)``,
        ``FastAPI(exception_handlers={E: h})``, ``scheduler.add_job(f, ...)``."""
        func = node.func
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "exception_handlers" and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement):
                        self._handled(element.key)
        if not isinstance(func, cst.Attribute) or not node.args:
            return
        if func.attr.value in ("add_exception_handler", "register_error_handler"):
            self._handled(node.args[0].value)
        elif func.attr.value == "add_job":
            target = self._target(node.args[0].value)
            if target is not None:
                self.registered.append((target, f"task {target.rpartition('.')[2].lstrip('#')}"))

    def _callee(self, func: cst.BaseExpression) -> str | None:
        """The project function a call names: through the imports, this file's own functions,
        ``self``/``cls`` methods, attributes of ``self`` holding a project object, and locals
        or parameters annotated with (or assigned) a project class."""
        scope = self.ctx.scope
        if isinstance(func, cst.Attribute) and scope is not None:
            owner = self._owner(scope)
            receiver = scope.locals.receiver if scope.locals is not None else None
            value = func.value
            if isinstance(value, cst.Name) and value.value == receiver and owner is not None:
                return f"#{owner.name.value}.{func.attr.value}"
            if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == receiver and owner is not None:
                kind = self._member_class(owner, value.attr.value)
                return f"{kind}.{func.attr.value}" if kind is not None else None
            if isinstance(value, cst.Name) and scope.locals is not None and value.value in scope.locals.bindings:
                kind = self._bound_class(scope.locals.bindings[value.value])
                return f"{kind}.{func.attr.value}" if kind is not None else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            # ``get_service().run()``: what the function returns (or the class makes), in the project phase.
            made = self._target(func.value.func)
            return f"{made}().{func.attr.value}" if made is not None else None
        return self._target(func)

    @staticmethod
    def _owner(scope: object) -> cst.ClassDef | None:
        """The class a method (the innermost tracked function) belongs to."""
        parent = getattr(scope, "parent", None)
        node = getattr(parent, "node", None)
        return node if isinstance(node, cst.ClassDef) else None

    def _member_class(self, owner: cst.ClassDef, attribute: str) -> str | None:
        """The project class ``self.<attribute>`` holds: annotated or assigned in the class."""
        if id(owner) not in self.members:
            self.members[id(owner)] = class_members(owner, None)
        return self._bound_class(self.members[id(owner)].bindings.get(attribute, []))

    def _bound_class(self, bindings: list[Binding], depth: int = 0) -> str | None:
        """The project class of a name's bindings: an annotation (``svc: CheckoutService``,
        ``Annotated[CheckoutService, Depends()]``, ``X | None``) or a constructor call."""
        for binding in bindings:
            annotation = binding.annotation
            if annotation is not None:
                found = self._annotated(annotation)
                if found is not None:
                    return found
        for binding in bindings:
            value = binding.value
            if isinstance(value, cst.Await):
                value = value.expression
            # ``self.inventory = inventory``: what the method's parameter or local holds.
            if isinstance(value, cst.Name) and binding.scope is not None and depth < 4:
                found = self._bound_class(binding.scope.bindings.get(value.value, []), depth + 1)
                if found is not None:
                    return found
            if isinstance(value, cst.Call):
                target = self._target(value.func)
                if target is not None and target.rpartition(".")[2].lstrip("#")[:1].isupper():
                    return target
        return None

    def _annotated(self, node: cst.BaseExpression) -> str | None:
        """The project class an annotation names."""
        if isinstance(node, cst.BinaryOperation):
            return self._annotated(node.left) or self._annotated(node.right)
        if isinstance(node, cst.Subscript):
            outer = dotted_name(node.value) or ""
            if outer.rpartition(".")[2] in ("Optional", "Annotated", "Union"):
                for element in node.slice:
                    if isinstance(element.slice, cst.Index):
                        found = self._annotated(element.slice.value)
                        if found is not None:
                            return found
                        if outer.endswith("Annotated"):
                            return None
            return None
        if isinstance(node, cst.SimpleString):
            return None
        target = self._target(node)
        return target if target is not None and target.rpartition(".")[2].lstrip("#")[:1].isupper() else None

    def facts(self) -> dict[str, Any]:
        """The ``Facts`` fields this analysis fills."""
        last = len(self.ctx.lines) or 1
        top = [Flow("<module>", 1, 1, last, calls=self._placed(self.top))] if self.top.calls else []
        return {
            "flows": (*self.flows, *top),
            "classes": tuple(self.classes),
            "singletons": tuple(self.singletons),
            "handlers": tuple(dict.fromkeys(self.handlers)),
            "registered": tuple(self.registered),
        }


def _is_main_test(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides
    )


def restarted(ctx: FileContext) -> bool:
    """Whether a ``try`` of the function around the node being walked has a handler that starts the
    work again (``self.start()``, a call of the function itself): a loop in it ends, the worker does not."""
    from reviewbot.checks._visitors import CallNames

    scope = ctx.scope
    own = scope.node.name.value if scope is not None else None
    for ancestor in reversed(ctx.walk.stack):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(ancestor, (cst.Try, cst.TryStar)):
            for handler in ancestor.handlers:
                calls = CallNames()
                handler.body.visit(calls)
                if calls.names & (RESTARTS | {own}):
                    return True
    return False


# --- the project phase --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A function of the project: its file and its flow."""

    path: str
    flow: Flow


class CallGraph:
    """Every scanned file's flows, joined: which function a call names, and who calls whom."""

    def __init__(self, files: dict[str, Facts], module_name: object) -> None:
        self.files = files
        self.modules: dict[str, str] = {}
        for path in files:
            name = module_name(path)  # type: ignore[operator]
            if name is not None:
                self.modules[name] = path
        self.functions = {(path, flow.name): flow for path, facts in files.items() for flow in facts.flows}
        self.classes = {(path, name): bases for path, facts in files.items() for name, bases in facts.classes}
        self.singletons = {(path, name): target for path, facts in files.items() for name, target in facts.singletons}
        # What a module imports, by the name it binds (``from a import b`` binds ``b`` to ``a.b``).
        self.imported = {path: {name.rpartition(".")[2]: name for name, _ in facts.imports} for path, facts in files.items()}
        self.handlers = tuple(self._registered_handler(caught, files) for facts in files.values() for caught in facts.handlers if caught[:1] != "~")
        # The project's subclasses of each project class.
        self.subclasses: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for (path, name), bases in sorted(self.classes.items()):
            for base in bases:
                parent = self._class(base, path, 0)
                if parent is not None:
                    self.subclasses.setdefault(parent, []).append((path, name))
        self.callers: dict[tuple[str, str], list[tuple[Site, CallSite]]] = {}
        self.registered: dict[tuple[str, str], str] = {}
        for path, facts in sorted(files.items()):
            for target, boundary in facts.registered:
                found = self.resolve(target, path)
                if found is not None:
                    self.registered[found] = boundary
            for flow in facts.flows:
                for call in flow.calls:
                    if not call.external:
                        callee = self.resolve(call.target, path)
                        for reached in (callee, *self._overrides(callee, call.target, path)) if callee is not None else ():
                            self.callers.setdefault(reached, []).append((Site(path, flow), call))
        # The nearest boundary is found breadth first: in the same order however the files came.
        for sites in self.callers.values():
            sites.sort(key=lambda entry: (entry[0].path, entry[0].flow.line, entry[1].line, entry[1].column))

    def _overrides(self, callee: tuple[str, str], target: str, path: str) -> list[tuple[str, str]]:
        """The methods of the project's subclasses that override ``callee`` when it is abstract
        and the call named its class (``self.sender.send()`` with ``sender: Sender``): what the
        call runs. A call through a subclass runs that subclass's own method or an inherited one."""
        if not self.functions[callee].abstract:
            return []
        kind, _, method = callee[1].rpartition(".")
        if "()." in target or self._class(target.rpartition(".")[0], path, 0) != (callee[0], kind):
            return []
        found: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        waiting = list(self.subclasses.get((callee[0], kind), ()))
        while waiting and len(seen) < 100:
            subclass = waiting.pop(0)
            if subclass in seen:
                continue
            seen.add(subclass)
            if (subclass[0], f"{subclass[1]}.{method}") in self.functions:
                found.append((subclass[0], f"{subclass[1]}.{method}"))
            waiting.extend(self.subclasses.get(subclass, ()))
        return found

    def _registered_handler(self, caught: str, files: dict[str, Facts]) -> str:
        """What a registered handler catches: DRF's ``EXCEPTION_HANDLER`` (``@module.function``)
        catches everything, unless the function it names only adds to DRF's own answer (``~function``
        in its file's facts)."""
        if caught[:1] != "@":
            return caught
        if caught[1:] == DRF_DEFAULT_HANDLER:
            return "+rest_framework.exceptions.APIException"
        module, _, function = caught[1:].rpartition(".")
        path = self.modules.get(module)
        return "+rest_framework.exceptions.APIException" if path is not None and f"~{function}" in files[path].handlers else "*"

    def resolve(self, target: str, path: str, depth: int = 0) -> tuple[str, str] | None:
        """The function ``target`` names, seen from ``path``: ``(path, name)``, or ``None``."""
        if depth > 8:
            return None
        if "()." in target:
            # ``make_service().run``: a method of the class the function's return annotation names,
            # or of the class called.
            made, _, method = target.rpartition("().")
            kind = self._class(made, path, depth + 1)
            maker = self.resolve(made, path, depth + 1) if kind is None else None
            if maker is not None and self.functions[maker].returns:
                kind = self._class(self.functions[maker].returns, maker[0], depth + 1)
            return self._method(*kind, method, depth + 1) if kind is not None else None
        if target.startswith("#"):
            return self._within(path, target[1:], depth)
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                return self._within(self.modules[module], ".".join(parts[cut:]), depth)
        return None

    def _within(self, path: str, name: str, depth: int) -> tuple[str, str] | None:
        """``name`` (``f``, ``Class.method``, ``singleton.method``, an imported name) in the module at ``path``."""
        if (path, name) in self.functions:
            return path, name
        head, _, rest = name.partition(".")
        if (path, head) in self.classes:
            return self._method(path, head, rest or "__init__", depth)
        if (path, head) in self.singletons and rest:
            kind = self._class(self.singletons[(path, head)], path, depth)
            return self._method(*kind, rest, depth) if kind is not None else None
        imported = self.imported.get(path, {}).get(head)
        if imported is not None and imported.rpartition(".")[2] == head:
            return self.resolve(f"{imported}.{rest}" if rest else imported, path, depth + 1)
        return None

    def _class(self, target: str, path: str, depth: int) -> tuple[str, str] | None:
        """The class ``target`` names, as ``(path, class name)``."""
        if target.startswith("#"):
            return (path, target[1:]) if (path, target[1:]) in self.classes else None
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                where, name = self.modules[module], ".".join(parts[cut:])
                if (where, name) in self.classes:
                    return where, name
                imported = self.imported.get(where, {}).get(name)
                return self._class(imported, where, depth + 1) if imported is not None and depth < 8 else None
        return None

    def _method(self, path: str, kind: str, method: str, depth: int) -> tuple[str, str] | None:
        """``kind.method``, or the first base class (of the project) that defines it."""
        if (path, f"{kind}.{method}") in self.functions:
            return path, f"{kind}.{method}"
        if depth > 8:
            return None
        for base in self.classes.get((path, kind), ()):
            found = self._class(base, path, depth + 1)
            if found is not None:
                inherited = self._method(*found, method, depth + 1)
                if inherited is not None:
                    return inherited
        return None

    def leaky(self) -> set[tuple[str, str]]:
        """The functions a failure of an external call leaves: those making one no ``try`` of
        theirs catches, and those calling one of them outside any ``try``."""
        found = {key for key, flow in self.functions.items() if any(call.external for call in flow.calls)}
        grown = True
        while grown:
            grown = False
            for callee, sites in self.callers.items():
                if callee not in found:
                    continue
                for site, call in sites:
                    key = (site.path, site.flow.name)
                    # Only a handler of everything stops every failure; the others are judged per family later.
                    if key not in found and not any(decode(caught).name is None or decode(caught).name in BROAD for caught in call.caught):
                        found.add(key)
                        grown = True
        return found

    def boundary(self, path: str, flow: Flow) -> str:
        """What kind of boundary a function is: its own, one registered elsewhere, or a
        class-based view's method or a management command's ``handle``."""
        if flow.boundary:
            return flow.boundary
        if (path, flow.name) in self.registered:
            return self.registered[(path, flow.name)]
        kind, _, method = flow.name.rpartition(".")
        if kind and "." not in kind:
            if method in VIEW_METHODS and self._inherits(path, kind, VIEW_BASES.match, 0):
                return f"view {flow.name}"
            if method == "handle" and self._inherits(path, kind, COMMAND_BASES.__contains__, 0):
                return f"command {path.rpartition('/')[2].removesuffix('.py')}"
        return ""

    def _inherits(self, path: str, kind: str, test: object, depth: int) -> bool:
        """Whether the class, or a base of the project it inherits from, names a base ``test`` accepts."""
        for base in self.classes.get((path, kind), ()):
            if test(base.rpartition(".")[2].lstrip("#")):  # type: ignore[operator]
                return True
            found = self._class(base, path, depth + 1) if depth < 8 else None
            if found is not None and self._inherits(*found, test, depth + 1):
                return True
        return False

    def covers(self, caught: tuple[str, ...], families: tuple[str, ...], path: str | None = None) -> bool:
        """Whether any of the encoded types ``caught`` (written in the file at ``path``) catches a
        failure of a call into ``families``. A class the project defines, imported or of the file
        itself, catches no library's failure (only the project raises it); another name imported
        from the project may be a library's exception re-exported."""
        for item in caught:
            found = decode(item)
            if found.own and found.name is not None and self._class(found.name, "", 0) is not None:
                continue
            if not found.resolved and path is not None and (path, found.name) in self.classes:
                continue
            if found.covers(families):
                return True
        return False

    def guarded(self, path: str, flow: Flow, families: tuple[str, ...]) -> bool:
        """Whether the function's decorators or its task framework's retries catch the failure."""
        for guard in flow.guards:
            if guard.startswith("@"):
                decorator = self.resolve(guard[1:], path)
                if decorator is not None and self.covers(self.functions[decorator].wraps, families, decorator[0]):
                    return True
            elif self.covers((guard,), families, path):
                return True
        return False


@dataclass(frozen=True)
class Escape:
    """A failure that reaches a boundary unowned: where to report it, and the way it went."""

    path: str
    call: CallSite
    boundary: str
    through: tuple[str, ...]
    via: tuple[tuple[str, int, int], ...]


def escapes(graph: CallGraph, path: str, flow: Flow, call: CallSite, notes: list[str] | None = None, kinds: tuple[str, ...] = BOUNDARIES) -> Escape | None:
    """The first boundary (breadth first, nearest first) the failure of the external ``call`` in
    ``flow`` reaches with nothing owning it, or ``None``. ``notes``, when given, receives why each
    frame on the way does or does not own the failure (``reviewbot explain RB201 --at``)."""
    families = call.families

    def note(depth: int, text: str) -> None:
        if notes is not None:
            notes.append("  " * depth + text)

    start = Site(path, flow)
    # (function the failure is leaving, where to report, functions passed, their lines)
    queue: deque[tuple[Site, str, CallSite, tuple[str, ...], tuple[tuple[str, int, int], ...]]] = deque()
    queue.append((start, path, call, (), ((path, flow.first, flow.last),)))
    seen = {(path, flow.name)}
    while queue:
        site, where, at, through, via = queue.popleft()
        here = site.flow
        depth = len(through)
        name = f"`{shown(site)}` ({site.path}:{here.line})"
        if graph.guarded(site.path, here, families):
            note(depth, f"{name}: a decorator or the task's retries handle it: owned")
            continue
        boundary = graph.boundary(site.path, here)
        if boundary and boundary.partition(" ")[0] not in kinds:
            # Not a boundary this run reports at: an ordinary function, whose callers may be.
            note(depth, f"{name} is {describe(boundary)[0]}, which `errors.boundaries` leaves out")
            boundary = ""
        if boundary:
            if boundary.startswith(("route", "view")) and graph.covers(graph.handlers, families):
                note(depth, f"{name} is {describe(boundary)[0]}; an exception handler the application registers covers it: owned")
                continue
            note(depth, f"{name} is {describe(boundary)[0]} and nothing handles it: RB201")
            return Escape(where, at, boundary, through, via)
        if len(through) >= MAX_DEPTH:
            note(depth, f"{name}: followed no further ({MAX_DEPTH} calls deep)")
            continue
        # A function that documents the failure hands it to its callers: the finding moves to the call.
        documented = graph.covers(here.raises, families, site.path)
        callers = graph.callers.get((site.path, here.name), ())
        count = f"{len(callers)} caller{'s' if len(callers) != 1 else ''} in the project" if callers else "no caller in the project: no boundary reached"
        note(depth, f"{name}{' documents it in `Raises:` and' if documented else ''} lets it through; {count}")
        for caller, site_call in callers:
            if graph.covers(site_call.caught, families, caller.path):
                note(depth + 1, f"`{shown(caller)}` calls it at {caller.path}:{site_call.line} inside a `try` that catches it: owned")
                continue
            if (caller.path, caller.flow.name) in seen:
                continue
            seen.add((caller.path, caller.flow.name))
            report_path, report_at = (caller.path, site_call) if documented else (where, at)
            step = via + ((caller.path, caller.flow.first, caller.flow.last),)
            if site_call.loop and "loop" in kinds:
                loop = f"loop {site_call.loop} {caller.flow.name}"
                note(depth + 1, f"`{shown(caller)}` calls it at {caller.path}:{site_call.line} in {describe(loop)[0]}, and nothing in the loop handles it: RB201")
                return Escape(report_path, report_at, loop, (*through, shown(site)), step)
            queue.append((caller, report_path, report_at, (*through, shown(site)), step))
    return None


def shown(site: Site) -> str:
    """A function as a message names it: ``PaymentsClient.charge``, ``checkout.create``."""
    if "." in site.flow.name:
        return site.flow.name
    stem = site.path.rpartition("/")[2].removesuffix(".py")
    if stem == "__init__":
        stem = site.path.rpartition("/")[0].rpartition("/")[2] or stem
    return f"{stem}.{site.flow.name}"


def module_paths(target: str, roots: dict[str, str]) -> Iterator[str]:
    """The files that may hold the module of a dotted project name (``shop.clients.pay.charge``)."""
    parts = target.split(".")
    if parts[0] not in roots:
        return
    for cut in range(len(parts) - 1, 1, -1):
        inner = "/".join(parts[1:cut])
        yield f"{roots[parts[0]]}/{inner}.py"
        yield f"{roots[parts[0]]}/{inner}/__init__.py"


def family_of(call: CallSite) -> str:
    """The exception (family) a call raises, as a reader would catch it."""
    if not call.families:
        return "OSError"
    return SUGGESTED.get(call.target.split(".")[0], call.families[0] + " errors")


def describe(boundary: str) -> tuple[str, str, str]:
    """``("route `POST /checkout`", consequence, advice)`` for a boundary label."""
    kind, _, rest = boundary.partition(" ")
    consequence, advice = CONSEQUENCES[kind]
    if kind == "loop":
        line, _, function = rest.partition(" ")
        where = {"<main>": "of the `__main__` block", "<module>": "at module level"}.get(function, f"of `{function}`")
        return f"the endless loop at line {line} {where}", consequence, advice
    if kind == "script":
        return "the `__main__` block", consequence, advice
    return f"{kind} `{rest}`", consequence, advice


class UnguardedExternalCall(ProjectRule):
    """RB201: an external call whose failure reaches a boundary that nothing on the way handles."""

    id = "RB201"
    name = "unguarded-external-call"
    summary = "A network, database or process call whose failure reaches a route, a view or a worker loop (by default) with nothing on the way handling it."
    why = (
        "External systems fail: timeouts, refused connections, rate limits. A reviewer does not ask "
        "for a `try` around every call; they ask that every failure ends somewhere that answers it. "
        "The failure of each external call is followed up through the project's call graph (a call "
        "of an abstract method reaches the subclasses' overrides; `get_service().run()` the method of "
        "the class `get_service`'s return annotation names): it is "
        "handled where a caller catches it (its library's exceptions, `OSError` and its kin, "
        "`Exception`, or a name imported from the project that may re-export them; a class the project "
        "defines catches no library's failure), where the application registers an exception "
        "handler for it (`add_exception_handler`, `@app.exception_handler`, `@app.errorhandler`, "
        "`register_error_handler`, a Django middleware's `process_exception`, DRF's "
        "`EXCEPTION_HANDLER` unless the function it names only adds to the answer of DRF's own, "
        "which answers DRF's exceptions alone), where a retry decorator (`tenacity`, `backoff`, or a project "
        "decorator whose wrapper catches it) or the task framework (`autoretry_for`, Dramatiq's "
        "retries) retries it. A function that names the failure in its docstring's `Raises:` "
        "hands it to its callers, and the finding moves to the first caller that neither catches "
        "nor documents it. It is reported when it reaches a boundary — a route handler, a "
        "class-based view, a task, a CLI command, the `__main__` block, an endless worker loop — "
        "and the message names the boundary and the path. By default the boundaries are routes, views "
        "and worker loops (`errors.boundaries`): a failed task, command or script says so where someone "
        "looks, and in the judged samples most of those were meant to fail loudly; add `task`, "
        "`command` or `script` to follow failures there too. A database in a local file (`sqlite3`) is "
        "not a service. A function with several calls failing the same way has one finding. A call that reaches no boundary "
        "(library code, calls resolved only at run time) is not reported: precision before "
        "recall. SQLAlchemy session calls belong to the transaction the request opens and are not "
        "external calls (`errors.session-calls-external`). In a change, the finding is the "
        "change's when the call or any function on its path changed. Test files are exempt."
    )
    bad = (
        Example(
            "import httpx\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.post('/checkout')\n"
            "async def checkout() -> dict:\n    async with httpx.AsyncClient() as client:\n"
            "        response = await client.post('https://pay.example.com/charge', timeout=5)\n    return response.json()\n",
            lines=(10,),
        ),
        Example(
            "import time\n\nimport requests\n\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n\n\n"
            "def poll() -> None:\n    while True:\n        fetch('https://supplier.example.com/catalogue')\n        time.sleep(60)\n",
            lines=(7,),
        ),
    )
    good = (
        Example(
            "import httpx\nfrom fastapi import APIRouter, HTTPException\n\nrouter = APIRouter()\n\n\n@router.post('/checkout')\n"
            "async def checkout() -> dict:\n    async with httpx.AsyncClient() as client:\n        try:\n"
            "            response = await client.post('https://pay.example.com/charge', timeout=5)\n"
            "        except httpx.HTTPError as error:\n            raise HTTPException(502, 'payment provider unavailable') from error\n"
            "    return response.json()\n"
        ),
        Example(
            "import httpx\nfrom fastapi import FastAPI\nfrom fastapi.responses import JSONResponse\n\napp = FastAPI()\n\n\n"
            "@app.exception_handler(httpx.HTTPError)\nasync def upstream_failed(request, error) -> JSONResponse:\n"
            "    return JSONResponse({'detail': 'payment provider unavailable'}, status_code=502)\n\n\n"
            "@app.post('/checkout')\nasync def checkout() -> dict:\n    async with httpx.AsyncClient() as client:\n"
            "        response = await client.post('https://pay.example.com/charge', timeout=5)\n    return response.json()\n"
        ),
        Example("import requests\n\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n"),
    )
    options = (
        Option("errors.external-calls", list, "Qualified names of external module functions and connecting constructors (`*` matches within a name part).", EXTERNAL_CALLS),
        Option("errors.extend-external-calls", list, "Added to `errors.external-calls`.", ()),
        Option("errors.clients", dict, "Client types: constructors, annotation types and I/O methods (see docs/rules.md).", CLIENTS, check=check_clients),
        Option("errors.extend-clients", dict, "Added to (or replacing entries of) `errors.clients`.", {}, check=check_clients),
        Option("errors.guard-decorators", list, "Decorators that make a whole function count as guarded.", GUARD_DECORATORS),
        Option("errors.extend-guard-decorators", list, "Added to `errors.guard-decorators`.", ()),
        Option("errors.session-calls-external", bool, "Count SQLAlchemy session and connection calls as external calls (RB201, RB208).", False),
        Option(
            "errors.boundaries", list,
            "The boundaries RB201 reports at: `route`, `view`, `loop`, and also `task`, `command`, `script` (the `__main__` block).",
            BOUNDARIES, check=check_boundaries,
        ),
    )
    peers = "none (pylint W0717 is the opposite concern: too much code in a `try`)"
    anchor = "path"
    facts = ("flows",)
    needs = (FlowFacts,)

    def check(self) -> None:
        """Follow every external call's failure to the boundary it reaches, if any."""
        files = self._files()
        graph = CallGraph(files, self.project.settings.project.module_name)
        kinds = tuple(self.project.settings.options["errors.boundaries"])
        reported: set[tuple[str, int, int]] = set()
        for path, facts in sorted(files.items()):
            for flow in facts.flows:
                # One finding per function, boundary and failure: its other calls that fail the same way are counted in it.
                found: dict[tuple[str, str, str], tuple[Escape, CallSite, int]] = {}
                for call in flow.calls:
                    if not call.external:
                        continue
                    escape = escapes(graph, path, flow, call, kinds=kinds)
                    if escape is None or (escape.path, escape.call.line, escape.call.column) in reported:
                        continue
                    reported.add((escape.path, escape.call.line, escape.call.column))
                    key = (escape.boundary, escape.path, family_of(call))
                    first = found.get(key)
                    found[key] = (escape, call, 0) if first is None else (first[0], first[1], first[2] + 1)
                for escape, call, more in found.values():
                    self._report(escape, call, more)

    @staticmethod
    def trace(files: dict[str, Facts], module_name: object, path: str, line: int, kinds: tuple[str, ...]) -> list[str]:
        """Why each frame between the external calls on ``line`` of ``path`` and their boundaries
        does or does not own their failure (``reviewbot explain RB201 --at PATH:LINE``)."""
        graph = CallGraph({p: facts for p, facts in files.items() if not facts.is_test}, module_name)
        lines: list[str] = []
        for flow in graph.files[path].flows if path in graph.files else ():
            for call in flow.calls:
                if call.external and call.line == line:
                    spelled = f"`{call.text}`" if call.text == call.target else f"`{call.text}` ({call.target})"
                    lines.append(f"{spelled} can raise `{family_of(call)}`, and no `try` around it in `{shown(Site(path, flow))}` catches it:")
                    escapes(graph, path, flow, call, lines, kinds)
        return lines

    def _files(self) -> dict[str, Facts]:
        """The files whose flows make the call graph: every scanned one. In a change, the changed
        ones, then the modules of the functions they call (a few calls deep), then the files that
        name a function a failure leaves (a few callers up): read through phase 1 and its cache."""
        files = {path: facts for path, facts in self.project.files.items() if not facts.is_test}
        history = self.project.history
        if self.project.change is None or history is None:
            return files
        roots = self.project.settings.project.roots
        module_name = self.project.settings.project.module_name
        # What owns failures wherever they come from: the application's registered handlers.
        registering = sorted(set(history.mentions(*REGISTRATIONS)) - set(files))
        files.update((path, facts) for path, facts in history.head(registering[:MAX_FILES]).items() if not facts.is_test)
        # Down: the functions the changed ones call, and the ones those call; their decorators and bases.
        frontier = [Site(path, flow) for path, facts in files.items() for flow in facts.flows]
        asked: set[str] = set()
        for _ in range(GROWTH):
            targets = [call.target for site in frontier for call in site.flow.calls if not call.external]
            targets += [guard[1:] for site in frontier for guard in site.flow.guards if guard.startswith("@")]
            targets += [f"{base}.x" for facts in files.values() for _, bases in facts.classes for base in bases]
            paths = {c for target in targets for c in module_paths(target, roots)}
            paths -= asked | set(files)
            if not paths or len(files) > MAX_FILES:
                break
            asked |= paths
            new = {path: facts for path, facts in history.head(sorted(paths)[: MAX_FILES - len(files)]).items() if not facts.is_test}
            files.update(new)
            graph = CallGraph(files, module_name)
            callees = {graph.resolve(call.target, site.path) for site in frontier for call in site.flow.calls if not call.external}
            frontier = [Site(found[0], graph.functions[found]) for found in callees if found is not None and found[0] in new]
        # Up: the callers of the functions a failure leaves, found by their names.
        named: set[str] = set()
        for _ in range(GROWTH):
            graph = CallGraph(files, module_name)
            leaving = {name.rpartition(".")[2] for path, name in graph.leaky() if not graph.boundary(path, graph.functions[(path, name)])}
            words = {word for word in leaving - named if len(word) > 3 and not word.startswith("__")}
            named |= words
            # A name mentioned in many files is too common to follow (``save``, ``create``).
            mentions = [path for word in sorted(words) if len(found := history.mentions(word)) <= MENTIONS for path in found]
            callers = sorted(set(mentions) - set(files))[: max(MAX_FILES - len(files), 0)]
            if not callers:
                break
            files.update((path, facts) for path, facts in history.head(callers).items() if not facts.is_test)
        return files

    def _report(self, escape: Escape, origin: CallSite, more: int = 0) -> None:
        """The finding at the call where the failure leaves the last function that could answer it."""
        boundary, consequence, advice = describe(escape.boundary)
        path = f" through {' → '.join(f'`{name}`' for name in escape.through)}" if escape.through else ""
        moved = "" if escape.call is origin else f", which `{escape.call.text}` documents in `Raises:`,"
        others = " (as does one more call of this function)" if more == 1 else f" (as do {more} more calls of this function)" if more else ""
        message = f"`{family_of(origin)}` from `{origin.text}`{moved}{others} reaches {boundary}{path} and nothing handles it; {consequence}: {advice}"
        call = escape.call
        span = (call.line, call.column - 1, call.end_line, call.end_column - 1)
        # Fingerprinted by what it is about, not where: the call, the boundary, the failure.
        about = f"{call.text}\0{escape.boundary}\0{family_of(origin)}"
        self.found.append(replace(make_finding(self.project.settings, self.id, escape.path, span, message), via=escape.via, group=about))


class LoopEndedByTransientError(Rule):
    """RB208: an endless worker loop that one failed external call ends."""

    id = "RB208"
    name = "loop-ended-by-transient-error"
    summary = "An endless loop (`while True` without `break`) of a worker or poller making an external call that nothing inside the loop handles."
    why = (
        "A worker or poller loop runs for the life of the process: one refused connection or timeout "
        "in it, unhandled inside the loop, ends the loop — the worker is alive and does nothing, or "
        "the process dies. A `try` around the whole loop does not help: the loop has ended by then. "
        "Catch the failure inside the loop, log it, back off, and carry on. One finding per loop, at "
        "the `while`; the calls it covers are not RB201's. A job taken from a queue and run in the loop "
        "(`job = await queue.get()`, then `await job()`) can fail in any way: only a broad handler inside the "
        "loop keeps the worker alive. A loop with a `break` or `return` (a "
        "pagination loop) is not endless; one inside a `try` whose handler starts the work again "
        "(`self.start()`, `run()`, a call of the function itself) is restarted. Test files are exempt."
    )
    bad = (
        Example(
            "import time\nimport requests\n\n\ndef poll(url: str) -> None:\n    while True:\n"
            "        jobs = requests.get(url, timeout=10).json()\n        print(jobs)\n        time.sleep(5)\n",
            lines=(6,),
        ),
        Example(
            "import logging\nimport redis\n\nlog = logging.getLogger(__name__)\nqueue = redis.Redis()\n\n\ndef work() -> None:\n    try:\n"
            "        while True:\n            item = queue.blpop('jobs')\n            log.info('got %s', item)\n    except redis.RedisError:\n"
            "        log.exception('worker stopped')\n",
            lines=(10,),
        ),
    )
    good = (
        Example(
            "import logging\nimport time\nimport requests\n\nlog = logging.getLogger(__name__)\n\n\ndef poll(url: str) -> None:\n    while True:\n"
            "        try:\n            jobs = requests.get(url, timeout=10).json()\n        except requests.RequestException:\n"
            "            log.warning('poll failed, retrying', exc_info=True)\n            time.sleep(30)\n            continue\n"
            "        log.info('%d jobs', len(jobs))\n        time.sleep(5)\n"
        ),
        Example(
            "import requests\n\n\ndef pages(url: str) -> list:\n    found = []\n    while True:\n"
            "        page = requests.get(url, timeout=10).json()\n        found += page['items']\n        if not page['next']:\n"
            "            break\n        url = page['next']\n    return found\n"
        ),
    )
    peers = "none"
    needs = (ErrorFlow, Clients)

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        options = ctx.options
        self.external = name_pattern(options["errors.external-calls"] + options["errors.extend-external-calls"])
        self.sessions = bool(options["errors.session-calls-external"])
        self.flow = self.analysis(ErrorFlow)
        self.clients = self.analysis(Clients)
        # Open endless loops of the function being walked: (loop, guards around it, first unguarded call).
        self.loops: list[tuple[cst.While, int, int, str | None]] = []
        # The names bound to a job taken from a queue in the open loops (``job = await self.queue.get()``).
        self.jobs: set[str] = set()

    def visit_While(self, node: cst.While) -> None:
        """An endless loop begins: remember how many guards were around it (none if a handler
        around it starts it again)."""
        if endless(node) and not restarted(self.ctx):
            self.loops.append((node, len(self.flow.guards), len(self.flow.guards[-1]), None))

    def visit_Assign(self, node: cst.Assign) -> None:
        """``job = await queue.get()`` in an endless loop: a job whose failure can be anything."""
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if self.loops and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in ("get", "get_nowait"):
            receiver = (dotted_name(value.func.value) or "").rpartition(".")[2].lower()
            if receiver.endswith("queue") or receiver == "q":
                self.jobs |= {target.target.value for target in node.targets if isinstance(target.target, cst.Name)}

    def leave_Call(self, node: cst.Call) -> None:
        """An external call in the innermost endless loop of this function that no ``try`` inside
        the loop catches, or a job taken from a queue that no broad ``try`` inside the loop catches."""
        if not self.loops:
            return
        loop, functions, depth, first = self.loops[-1]
        if first is not None or functions != len(self.flow.guards):
            return
        guards = [item for guard in self.flow.guards[-1][depth:] for item in guard]
        if isinstance(node.func, cst.Name) and node.func.value in self.jobs:
            if not any(item.name is None or item.name in BROAD for item in guards):
                self.loops[-1] = (loop, functions, depth, f"the job `{node.func.value}` taken from the queue can fail in any way")
            return
        found = external_call(self.ctx, node, self.clients, self.external, self.sessions)
        if found is None:
            return
        name, families = found
        if any(item.covers(families) for item in guards):
            return
        self.loops[-1] = (loop, functions, depth, f"`{dotted_name(node.func) or name}` can fail on a transient error")

    def leave_While(self, node: cst.While) -> None:
        """Report the loop once, naming its first unguarded call."""
        if not self.loops or self.loops[-1][0] is not node:
            return
        _, _, _, first = self.loops.pop()
        if not self.loops:
            self.jobs = set()
        if first is not None:
            header = self.ctx.span(node)
            self.report(
                node,
                f"{first} and nothing inside this endless loop handles it: one failure ends the loop; "
                "catch it inside the loop, log it and carry on (with a pause)",
                span=(header[0], header[1], header[0], header[1] + len("while")),
            )
