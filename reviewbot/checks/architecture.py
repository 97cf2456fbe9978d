"""RB5xx: the architecture the code already has: its client layer, its layers, its data layer, and
its request validation.

RB502 and RB505 read one file. RB501, RB503 and RB504 compare a file with the rest of the
repository, so they run in the project phase over every file's facts (and, in changed-lines mode,
over the base revision's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, ProjectRule, Rule, RuleSettings
from reviewbot.errors import ConfigError
from reviewbot.escape import code
from reviewbot.imports import dotted_name
from reviewbot.model import Example, Facts, Option

if TYPE_CHECKING:
    from reviewbot.globs import Globs

# HTTP client libraries (RB501), and where a project wraps them.
HTTP_LIBRARIES = ("requests", "httpx", "aiohttp", "urllib.request", "urllib3", "http.client", "pycurl")
CLIENT_LAYER = (
    "**/clients/**", "**/client/**", "**/client.py", "**/clients.py", "**/*_client.py", "**/integrations/**", "**/adapters/**",
    "**/http.py", "**/http/**", "**/http_utils.py", "**/request_utils.py", "**/rest_utils.py", "**/urls.py",
)  # fmt: skip
# Database drivers and raw-SQL helpers (RB504), and where a project keeps data access.
DATA_ACCESS = ("sqlite3", "psycopg", "psycopg2", "pymysql", "MySQLdb", "asyncpg", "aiosqlite", "pymongo", "redis", "oracledb")
DATA_LAYER = (
    "**/repositories/**", "**/repository.py", "**/db/**", "**/dbs/**", "**/db.py", "**/db_*.py", "**/database.py", "**/database/**",
    "**/dao/**", "**/crud/**", "**/models/**", "**/*migrations/**", "**/store/**", "**/stores/**", "**/*_store.py",
)  # fmt: skip


def library_of(name: str, libraries: Iterable[str]) -> str | None:
    """The library of ``libraries`` that ``name`` is, or is inside of."""
    return next((library for library in libraries if name == library or name.startswith(library + ".")), None)


# ``direct_calls`` by settings digest: built once per process, not once per file.
_DIRECT: dict[str, Callable[[str], bool]] = {}


def direct_calls(settings: RuleSettings) -> Callable[[str], bool]:
    """Whether a call's qualified name reaches an HTTP service or a database directly: an external
    call or client constructor (``errors.external-calls``, ``errors.clients``) of a library of
    RB501 or RB504, or a function those options name itself (``sqlalchemy.text``, when added). Importing a
    library, reading its exceptions or naming its types in annotations is no call."""
    if settings.digest not in _DIRECT:
        _DIRECT[settings.digest] = _direct_calls(settings.options)
    return _DIRECT[settings.digest]


def _direct_calls(options: dict[str, Any]) -> Callable[[str], bool]:
    """``direct_calls`` for the rule options ``options``."""
    from reviewbot.checks.clients import ClientTable
    from reviewbot.checks.errors import name_pattern

    libraries = (*options["architecture.http-libraries"], *options["architecture.data-access"])
    external = name_pattern([*options["errors.external-calls"], *options["errors.extend-external-calls"]])
    constructors = ClientTable.build({**options["errors.clients"], **options["errors.extend-clients"]}).constructors

    def direct(name: str) -> bool:
        if name in libraries:
            return True
        return library_of(name, libraries) is not None and (external.match(name) is not None or name in constructors)

    return direct


class EstablishedLayer(ProjectRule):
    """RB501 and RB504: a direct call of a library outside the layer that already wraps it.

    The layer is established for a library when a module inside it calls the library directly:
    in changed-lines mode at the base revision (a change cannot establish the layer it is judged
    against), otherwise anywhere in the scan.
    """

    scope = "node"
    facts = ("calls",)
    # The option keys of the libraries and the layer's globs, and what the layer is called.
    libraries_key: str
    layer_key: str
    layer_name: str
    advice: str
    # Files of the layer that do not establish it (schema migrations run SQL by nature).
    not_establishing: tuple[str, ...] = ()

    def check(self) -> None:
        """Each direct call of a wrapped library outside its layer, in a non-test file."""
        from reviewbot.globs import Globs

        options = self.project.settings.options
        libraries = tuple(options[self.libraries_key])
        layer = Globs(options[self.layer_key])
        calls = [
            (facts.path, name, line, library)
            for facts in self.project.files.values()
            if not facts.is_test and not layer.match(facts.path)
            for name, line in facts.calls
            if (library := library_of(name, libraries)) is not None
        ]
        if not calls:
            return
        wrappers = self._wrappers({library for _, _, _, library in calls}, libraries, layer)
        for path, name, line, library in calls:
            wrapper = wrappers.get(library)
            if wrapper is not None:
                self.report_at(
                    path, line, f"`{name}()` called outside the {self.layer_name} ({self.layer_key}): this project calls `{library}` through that layer ({code(wrapper)}); {self.advice}"
                )

    def _wrappers(self, wanted: set[str], libraries: tuple[str, ...], layer: Globs) -> dict[str, str]:
        """For each wanted library, the module of the layer that calls it most."""
        if self.project.change is None:
            files: dict[str, Facts] | None = self.project.files
        else:
            history = self.project.history
            files = history.base({library.partition(".")[0] for library in wanted}, layer.match) if history is not None else None
        found = self.wrappers(files or {}, libraries, layer)
        return {library: path for library, path in found.items() if library in wanted}

    @classmethod
    def wrappers(cls, files: dict[str, Facts], libraries: tuple[str, ...], layer: Globs) -> dict[str, str]:
        """For each library a module of the layer calls, the module that calls it most (the
        first by path on a tie): the layer is established for those libraries."""
        from reviewbot.globs import Globs

        counts: dict[str, dict[str, int]] = {}
        excluded = Globs(cls.not_establishing)
        for path, facts in files.items():
            if layer.match(path) and not excluded.match(path):
                for name, _ in facts.calls:
                    library = library_of(name, libraries)
                    if library is not None:
                        counts.setdefault(library, {}).setdefault(path, 0)
                        counts[library][path] += 1
        return {library: min(by_path, key=lambda path: (-by_path[path], path)) for library, by_path in counts.items()}

    @classmethod
    def silence(cls, settings: RuleSettings, scan: Callable[[Callable[[str], bool]], dict[str, Facts]]) -> str | None:
        """Why the rule reports nothing in this repository, if it cannot: no established layer."""
        from reviewbot.globs import Globs

        options = settings.options
        libraries = tuple(options[cls.libraries_key])
        layer = Globs(options[cls.layer_key])
        if cls.wrappers(scan(layer.match), libraries, layer):
            return None
        return f"silent here: no module of the {cls.layer_name} ({cls.layer_key}) calls {', '.join(libraries)} yet"


class DirectHttpOutsideClientLayer(EstablishedLayer):
    """RB501: an HTTP library imported outside the client layer that wraps it."""

    id = "RB501"
    name = "direct-http-outside-client-layer"
    summary = "A direct call of an HTTP client library (`requests.get`, `httpx.AsyncClient()`...) outside `architecture.client-layer`, when a module of that layer already calls the library."
    why = (
        "The agent must not bypass established client layers for direct API calls. A client layer "
        "is where timeouts, retries, authentication, rate limits and error translation live; a call "
        "around it has none of them. The rule is silent until the layer is established (a module in "
        "it calls the library; at the base revision in changed-lines mode), so a project without "
        "one is not told to have one. Calls are the external calls and client constructors of the "
        "`errors.*` options: importing a library, catching its exceptions or annotating with its "
        "types is no call."
    )
    options = (
        Option("architecture.http-libraries", list, "RB501: HTTP client libraries (module prefixes) whose external calls must go through the client layer.", HTTP_LIBRARIES),
        Option("architecture.client-layer", list, "RB501: globs of the client layer's files.", CLIENT_LAYER),
    )
    libraries_key = "architecture.http-libraries"
    layer_key = "architecture.client-layer"
    layer_name = "client layer"
    advice = "make this call there too (a client for this service), where it gets the layer's timeouts, retries and error handling"
    peers = "import-linter `forbidden` contracts (whole graph, no notion of an established layer)"


class DataAccessOutsideDataLayer(EstablishedLayer):
    """RB504: a database driver or raw SQL helper imported outside the data layer."""

    id = "RB504"
    name = "data-access-outside-data-layer"
    summary = "A direct database call (`sqlite3.connect`, `redis.Redis()`, `pymongo.MongoClient()`...) outside `architecture.data-layer`, when a module of that layer already calls the driver."
    why = (
        "The agent was told to implement data access with proper separation of concerns: queries "
        "live in repositories (or `db/`, `dao/`, `crud/`, `models/`), where transactions, retries "
        "and the schema are handled once. A route or service that opens its own connection or "
        "sends its own SQL splits that knowledge. Like RB501, silent until the data layer calls the "
        "driver (at the base revision in changed-lines mode); schema migrations belong to the layer "
        "but do not establish it. Raw SQL helpers such as `sqlalchemy.text` can be added to "
        "`architecture.data-access`; they are not there by default, since most of their calls are "
        "query fragments and health checks rather than data access."
    )
    options = (
        Option("architecture.data-access", list, "RB504: database drivers (module prefixes) and raw-SQL helpers (functions) that belong in the data layer.", DATA_ACCESS),
        Option("architecture.data-layer", list, "RB504: globs of the data layer's files.", DATA_LAYER),
    )
    libraries_key = "architecture.data-access"
    layer_key = "architecture.data-layer"
    layer_name = "data layer"
    advice = "move the query into the data layer and call it from there"
    not_establishing = ("**/*migrations/**",)
    peers = "none (import-linter can forbid the import everywhere)"


def check_forbidden(where: str, value: list[object]) -> list[str]:
    """``architecture.forbidden`` entries are ``"source -> target"`` module prefixes."""
    entries = []
    for index, entry in enumerate(value):
        if not isinstance(entry, str) or len([part for part in entry.split("->") if part.strip()]) != 2:
            raise ConfigError(f"{where}[{index}]: expected \"source.module -> target.module\", got {entry!r}")
        entries.append(entry)
    return entries


def within(module: str, prefix: str) -> bool:
    """Whether ``module`` is ``prefix`` or inside it."""
    return module == prefix or module.startswith(prefix + ".")


class LayerViolation(Rule):
    """RB502: an import against the configured layers or forbidden pairs."""

    id = "RB502"
    name = "layer-violation"
    summary = "An import from a lower layer into a higher one (`architecture.layers`), or between a forbidden pair (`architecture.forbidden`)."
    why = (
        "The agent must not create patterns that conflict with the existing architecture. Layers "
        "(listed high to low, as import-linter's `layers` contract: `app.api`, `app.services`, "
        "`app.repositories`) may import downwards only; `a | b` on one level are independent and "
        "import neither way. `forbidden` pairs (`app.models -> app.api`) never import. Only direct "
        "imports are checked (import-linter also follows chains through other modules)."
    )
    bad = (
        Example("from app.api.deps import current_user\n", lines=(1,), path="app/services/orders.py"),
        Example("import app.services.billing\n", lines=(1,), path="app/repositories/orders.py"),
        Example("from app.web import forms\n", lines=(1,), path="app/models/user.py"),
    )
    good = (
        Example("from app.repositories.orders import OrderRepository\n", path="app/services/orders.py"),
        Example("from app.models.user import User\n", path="app/api/users.py"),
    )
    options = (
        Option("architecture.layers", list, "RB502: layers, high to low, as module prefixes; `a | b` on one level are independent.", ()),
        Option("architecture.forbidden", list, "RB502: `\"source -> target\"` module prefixes that must not import each other.", (), check=check_forbidden),
    )
    peers = "import-linter `layers` and `forbidden` contracts (whole graph, indirect imports too)"
    example_config = {"architecture": {"layers": ["app.api", "app.services", "app.repositories", "app.models"], "forbidden": ["app.models -> app.web"]}}

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # Each level's independent layers, high to low.
        self.levels = [[part.strip() for part in entry.split("|") if part.strip()] for entry in ctx.options["architecture.layers"]]
        self.forbidden = [tuple(part.strip() for part in entry.split("->")) for entry in ctx.options["architecture.forbidden"]]
        module = ctx.module_name
        self.own = None if module is None else self._layer(module)

    def _layer(self, module: str) -> tuple[int, str] | None:
        return next(((level, layer) for level, layers in enumerate(self.levels) for layer in layers if within(module, layer)), None)

    def visit_Import(self, node: cst.Import) -> None:
        """``import a.b``."""
        for alias in node.names:
            self._check(node, dotted_name(alias.name) or "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """``from a import b``: the module, or the module's member, imported."""
        module = self.ctx.imports.absolute_module(node)
        if module is None:
            return
        names = [] if isinstance(node.names, cst.ImportStar) else [dotted_name(alias.name) or "" for alias in node.names]
        for name in names or [""]:
            self._check(node, f"{module}.{name}" if module and name else module or name)

    def _check(self, node: cst.CSTNode, target: str) -> None:
        own_module = self.ctx.module_name
        if own_module is None:
            return
        for source, forbidden in self.forbidden:
            if within(own_module, source) and within(target, forbidden):
                self.report(node, f"`{own_module}` imports `{target}`, and `{source} -> {forbidden}` is forbidden (architecture.forbidden)")
                return
        theirs = self._layer(target)
        if self.own is None or theirs is None or theirs[1] == self.own[1]:
            return
        if theirs[0] < self.own[0]:
            self.report(node, f"`{own_module}` (layer `{self.own[1]}`) imports `{target}` from the higher layer `{theirs[1]}`: layers import downwards only; move what both need into a lower layer")
        elif theirs[0] == self.own[0]:
            self.report(node, f"`{own_module}` imports `{target}`, but `{self.own[1]}` and `{theirs[1]}` are independent layers: move what both need into a lower layer")


class NewDependencyDirection(ProjectRule):
    """RB503: a change that makes two sibling packages import each other."""

    id = "RB503"
    name = "new-dependency-direction"
    summary = "A change adds an import `a.x -> a.y` between sibling packages when the base revision has `a.y -> a.x` and not `a.x -> a.y`."
    why = (
        "The agent must not create new patterns that conflict with the existing architecture. When "
        "`app.api` imports `app.repositories` and nothing goes back, that is the architecture, even if "
        "nobody wrote it down; an import the other way makes a cycle between the packages. Judged "
        "against the base revision of the change, so only changed-lines mode reports it."
    )
    peers = "none (import-linter and Tach check configured contracts over the whole graph, with no diff mode)"
    scope = "node"
    facts = ("imports",)

    def check(self) -> None:
        """Each added import between siblings whose only direction so far was the other one."""
        view = self.project
        if view.change is None or view.history is None:
            return
        project = view.settings.project
        # (path, line, from sibling, to sibling, imported name) of each import the change adds
        # between two children of the same root package.
        added: list[tuple[str, int, str, str, str]] = []
        for path, facts in sorted(view.files.items()):
            source = self._sibling(project.module_name(path))
            for target, line in facts.imports:
                sibling = self._sibling(target)
                if source is not None and sibling is not None and source != sibling and source[0] == sibling[0] and self.added(path, line):
                    added.append((path, line, source[1], sibling[1], target))
        if not added:
            return
        # Only the base's files inside those siblings, and only those naming one, are read.
        siblings = {name for _, _, source, sibling, _ in added for name in (source, sibling)}
        base = view.history.base({name.rpartition(".")[2] for name in siblings}, lambda path: self._sibling_of_path(path) in siblings)
        if base is None:
            return
        # Every edge between the siblings at the base, with one place that makes it.
        edges: dict[tuple[str, str], str] = {}
        for path in sorted(base):
            source = self._sibling(project.module_name(path))
            for target, line in base[path].imports:
                sibling = self._sibling(target)
                if source is not None and sibling is not None and source != sibling:
                    edges.setdefault((source[1], sibling[1]), f"{path}:{line}")
        # New against the base: the other direction exists there, this one does not.
        for path, line, source_name, target_name, target in added:
            back = edges.get((target_name, source_name))
            if back is not None and (source_name, target_name) not in edges:
                self.report_at(
                    path,
                    line,
                    f"new dependency `{source_name} -> {target_name}` (importing `{target}`): at the base, `{target_name}` imports "
                    f"`{source_name}` ({code(back)}) and nothing goes back; this makes a cycle between them: move what both need into a lower module",
                )

    def _sibling(self, module: str | None) -> tuple[str, str] | None:
        """(root package, ``root.child``) for a module inside a root package's child."""
        if module is None:
            return None
        parts = module.split(".")
        if len(parts) < 2 or parts[0] not in self.project.settings.project.roots:
            return None
        return parts[0], ".".join(parts[:2])

    def _sibling_of_path(self, path: str) -> str | None:
        sibling = self._sibling(self.project.settings.project.module_name(path))
        return sibling[1] if sibling is not None else None


# Calls that look at a body without validating it or taking it on.
INSPECTING = frozenset({"len", "str", "repr", "print", "bool", "type", "isinstance", "id", "hash"})
# Methods of app/router/blueprint objects that declare a route (FastAPI, Starlette, Flask, Quart).
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "websocket"})
# Reading the raw body: ``request.json()``, ``request.get_json()``, ``request.body()`` (calls) and
# Flask's ``request.json``, ``request.form``, ``request.data`` (attributes).
RAW_CALLS = frozenset({"json", "get_json", "body", "form"})
RAW_ATTRIBUTES = frozenset({"json", "form", "data"})
# Annotations of a body that says nothing about its shape.
UNTYPED = frozenset({"dict", "Dict", "typing.Dict", "Any", "typing.Any", "Mapping", "typing.Mapping", "collections.abc.Mapping"})
# FastAPI parameters filled from elsewhere than the body (a dependency, the query, a header...),
# or declared free-form on purpose (``Body(...)``).
NOT_THE_BODY = frozenset({"Depends", "Security", "Query", "Header", "Cookie", "Path", "Body"})
# Calls that validate what they are given: a model or schema class (``OrderIn(**data)``), or a
# validating method (``Schema().load(data)``, ``Model.model_validate(data)``).
VALIDATING = re.compile(r"[A-Z]\w*|load|validate\w*|model_validate\w*|parse_obj|parse_raw|from_dict|structure|validate_python")


def validating(call: cst.Call) -> bool:
    """Whether a call validates its arguments: ``OrderIn(...)``, ``OrderSchema().load(...)``."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return VALIDATING.fullmatch(name) is not None


def route_decorator(decorator: cst.Decorator) -> str | None:
    """``post`` for ``@router.post("/orders")``: the method of a route declaration, else ``None``."""
    call = decorator.decorator
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in ROUTE_METHODS:
        if isinstance(call.func.value, (cst.Name, cst.Attribute)) and (call.args or call.func.attr.value != "get"):
            return call.func.attr.value
    return None


def is_route(node: cst.FunctionDef) -> bool:
    """A web route handler."""
    return any(route_decorator(decorator) for decorator in node.decorators)


class UnvalidatedRequestBody(Rule):
    """RB505: a route that takes its request body without a schema."""

    id = "RB505"
    name = "unvalidated-request-body"
    summary = "A route handler that reads the raw request body (`request.json()`, `request.get_json()`, `request.form`...) or takes its body as `dict`/`Any`."
    why = (
        "The agent was told to validate requests using schema validation. A body read raw is "
        "whatever the client sent: a missing field or a wrong type surfaces as a `KeyError` deep in "
        "the service, or not at all. A pydantic model parameter (FastAPI), or a schema's `load`/"
        "`model_validate` around the read, rejects it at the door with a clear 422. A body handed "
        "to a call (`OrderIn(**await request.json())`, a schema's `load`, a proxy forwarding it) is "
        "judged there, not here; one only measured or hashed is not. Parameters declared "
        "`Body(...)` are free-form on purpose."
    )
    bad = (
        Example(
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n@router.post(\"/orders\")\nasync def create(payload: dict):\n    return payload\n",
            lines=(6,),
        ),
        Example(
            "from flask import Blueprint, request\n\nbp = Blueprint(\"orders\", __name__)\n\n@bp.route(\"/orders\", methods=[\"POST\"])\n"
            "def create():\n    data = request.get_json()\n    return data[\"id\"]\n",
            lines=(7,),
        ),
        Example(
            "from starlette.applications import Starlette\n\napp = Starlette()\n\n@app.route(\"/orders\", methods=[\"POST\"])\n"
            "async def create(request):\n    data = await request.json()\n    return data\n",
            lines=(7,),
        ),
        Example(
            "from flask import Blueprint, request\n\nbp = Blueprint(\"orders\", __name__)\n\n@bp.post(\"/orders\")\n"
            "def create():\n    if (data := request.get_json()) is None:\n        return None\n    return data.get(\"id\")\n",
            lines=(7,),
        ),
        Example(
            "import hashlib\n\nfrom fastapi import APIRouter, Request\n\nrouter = APIRouter()\n\n@router.post(\"/hooks\")\n"
            "async def hook(request: Request):\n    body = await request.body()\n    return hashlib.sha256(body).hexdigest()\n",
            lines=(9,),
        ),
    )
    good = (
        Example(
            "from fastapi import APIRouter\nfrom pydantic import BaseModel\n\nrouter = APIRouter()\n\nclass OrderIn(BaseModel):\n    sku: str\n\n"
            "@router.post(\"/orders\")\nasync def create(order: OrderIn):\n    return order\n"
        ),
        Example(
            "from flask import Blueprint, request\n\nfrom app.schemas import OrderSchema\n\nbp = Blueprint(\"orders\", __name__)\n\n"
            "@bp.route(\"/orders\", methods=[\"POST\"])\ndef create():\n    order = OrderSchema().load(request.get_json())\n    return order\n"
        ),
        Example(
            "from fastapi import APIRouter, Request\n\nfrom app.schemas import OrderIn\n\nrouter = APIRouter()\n\n@router.post(\"/orders\")\n"
            "async def create(request: Request):\n    data = await request.json()\n    return OrderIn.model_validate(data)\n"
        ),
        Example("def create(payload: dict):\n    return payload\n"),
        Example(
            "from flask import Blueprint, request\n\nfrom app.schemas import OrderSchema\n\nbp = Blueprint(\"orders\", __name__)\n\n"
            "@bp.post(\"/orders\")\ndef create():\n    if (data := request.get_json()) is None:\n        return None\n    return OrderSchema().load(data)\n"
        ),
        Example(
            "from fastapi import APIRouter, Depends\n\nfrom app.deps import settings\n\nrouter = APIRouter()\n\n@router.post(\"/runs\")\n"
            "async def create(form: dict, config: dict = Depends(settings)):\n    order = OrderForm(**form)\n    return order, config\n"
        ),
    )
    peers = "none"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # The route handlers the walk is in, with the names their raw reads were assigned to.
        self.routes: list[tuple[cst.FunctionDef, int]] = []
        # Raw reads in the current route: (node, the names it was bound to).
        self.reads: list[list[tuple[cst.CSTNode, frozenset[str]]]] = []
        # Names passed to a call in the current route (``Model.model_validate(data)``).
        self.passed: list[set[str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A route: its untyped body parameters now, its raw reads on the way."""
        if not is_route(node):
            return
        self.routes.append((node, len(self.ctx.scopes)))  # the route itself included
        self.reads.append([])
        self.passed.append(set())
        path_text = " ".join(str(arg.value.evaluated_value) for d in node.decorators if isinstance(d.decorator, cst.Call) for arg in d.decorator.args[:1] if isinstance(arg.value, cst.SimpleString))
        for param in (*node.params.params, *node.params.kwonly_params):
            if param.annotation is None or f"{{{param.name.value}" in path_text:
                continue
            default = param.default
            if isinstance(default, cst.Call) and (dotted_name(default.func) or "").rpartition(".")[2] in NOT_THE_BODY:
                continue
            annotation = param.annotation.annotation
            base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
            name = self.ctx.imports.resolve(base) or dotted_name(base) or ""
            if name in UNTYPED:
                # Judged when the route is left: a body handed to a model or schema is validated there.
                self.reads[-1].append((param, frozenset({param.name.value})))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Raw reads that nothing validated in the route are findings."""
        if not self.routes or self.routes[-1][0] is not node:
            return
        self.routes.pop()
        passed = self.passed.pop()
        for read, names in self.reads.pop():
            if names & passed:
                continue
            if isinstance(read, cst.Param):
                annotation = read.annotation.annotation if read.annotation is not None else read
                written = dotted_name(annotation.value if isinstance(annotation, cst.Subscript) else annotation)  # type: ignore[arg-type]
                self.report(read, f"route `{node.name.value}` takes its body `{read.name.value}` as `{written}`: declare a schema (a pydantic model) so bad requests are rejected with a 422")
            else:
                self.report(read, f"route `{node.name.value}` reads the raw request body: validate it with a schema (a pydantic model parameter, or `Schema.load`/`Model.model_validate` around the read)")

    def visit_Call(self, node: cst.Call) -> None:
        """Names handed to a validating call count as validated; a raw body read is recorded."""
        if not self.routes or self.routes[-1][1] != len(self.ctx.scopes):
            return
        if validating(node) or not self._inspects(node):
            for arg in node.args:
                if isinstance(arg.value, cst.Name):
                    self.passed[-1].add(arg.value.value)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in RAW_CALLS and self._request(func.value):
            self._read(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Flask's ``request.json`` / ``request.form`` / ``request.data``."""
        if not self.routes or self.routes[-1][1] != len(self.ctx.scopes) or node.attr.value not in RAW_ATTRIBUTES:
            return
        parent = self.ctx.parent()
        if isinstance(parent, cst.Call) and parent.func is node:
            return  # ``request.json()``: the call is the read
        if self.ctx.imports.resolve(node.value) in ("flask.request", "quart.request"):
            self._read(node)

    def _inspects(self, node: cst.Call) -> bool:
        """A call that only looks at a body (its length, its hash), neither validating nor taking it on."""
        name = self.ctx.imports.resolve(node.func) or dotted_name(node.func) or ""
        return name in INSPECTING or name.partition(".")[0] in ("hashlib", "hmac")

    def _request(self, node: cst.BaseExpression) -> bool:
        """The request object: Flask's global, or the handler's ``request`` parameter."""
        return self.ctx.imports.resolve(node) in ("flask.request", "quart.request") or (isinstance(node, cst.Name) and node.value == "request")

    def _read(self, node: cst.CSTNode) -> None:
        """Record a raw read; one passed straight into a call, or used in place, is judged there."""
        stack = self.ctx.walk.stack
        # Skip the node itself and an ``await`` around it.
        index = len(stack) - 2
        while index >= 0 and isinstance(stack[index], cst.Await):
            index -= 1
        parent = stack[index] if index >= 0 else None
        call = stack[index - 1] if index > 0 else None
        if isinstance(parent, cst.Arg) and isinstance(call, cst.Call) and (validating(call) or not self._inspects(call)):
            return  # ``Schema().load(request.get_json())``, or handed on whole
        # The names the read is bound to: ``data = body = ...``, ``(data := request.get_json())``.
        names: frozenset[str] = frozenset()
        if isinstance(parent, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            names = frozenset(t.value for t in targets if isinstance(t, cst.Name))
        elif isinstance(parent, cst.NamedExpr) and isinstance(parent.target, cst.Name):
            names = frozenset({parent.target.value})
        self.reads[-1].append((node, names))
