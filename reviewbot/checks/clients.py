"""Client objects: which names in a file hold a connection to the outside world, and of what type.

Backend code calls services through objects far more often than through module functions:
``self.session.get(...)``, ``await client.get(...)``, ``s3.put_object(...)``, ``db.execute(...)``.
``Clients`` recognises such objects per file, without importing anything and without whole-program
inference, from what the code itself says:

- a name assigned from a constructor (``s = requests.Session()``; ``x = a or ctor()`` and
  ``x = ctor() if c else y`` count when either side is a client), bound by ``with ctor() as s``, or
  annotated with a client type (``X | None`` and ``Optional[X]`` too) — locals, parameters and
  module globals;
- ``self.x`` / ``cls.x`` when any method of the class assigns it a client, or the class body
  annotates or assigns it so;
- a value a client method returns (``conn.cursor()``, ``engine.connect()``), and the attributes and
  items of clients that hand out more of themselves (``mongo.shop.orders``).

The client types come from the ``errors.clients`` option (``CLIENTS`` below by default); what is not
seen is documented in docs/rules.md (a client kept in an untyped container, or one built in another
module and imported as an instance).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import Analysis, FileContext
from reviewbot.errors import ConfigError
from reviewbot.imports import dotted_name
from reviewbot.scopes import Binding, Locals, each_binding, function_locals, statements

# The request methods of HTTP clients.
HTTP_METHODS = ["get", "post", "put", "patch", "delete", "head", "options", "request"]
# What DB-API connections and cursors do that reaches the database.
DB_CONNECTION = ["execute", "executemany", "executescript", "commit", "rollback"]
DB_CURSOR = ["execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall", "callproc"]
# Methods of an every-method (``*``) client that never do I/O.
NEVER_IO = frozenset({"close", "__enter__", "__exit__", "__aenter__", "__aexit__"})

# One client type as ``errors.clients`` describes it (every key optional).
ClientEntry = TypedDict(
    "ClientEntry",
    {"constructors": list[str], "types": list[str], "methods": list[str], "not-methods": list[str], "returns": dict[str, str], "chains": bool, "errors": list[str]},
    total=False,
)

# Client type -> constructors, annotation types, I/O methods (``*``: all but ``NEVER_IO``, private
# names and capitalised factories such as boto3's ``s3.Bucket(name)``), methods excluded from
# ``*``, methods returning another client (``()``: calling the object itself), whether attributes
# and items are clients of the same type, and the packages whose exceptions its failures raise
# (default: the type's top-level package). ``errors.clients`` in config, spelled the same way.
CLIENTS: dict[str, ClientEntry] = {
    "requests.Session": {
        "constructors": ["requests.Session", "requests.session", "requests.sessions.Session"],
        "types": ["requests.sessions.Session"],
        "methods": [*HTTP_METHODS, "send"],
    },
    "httpx.Client": {"methods": [*HTTP_METHODS, "send", "stream"]},
    "httpx.AsyncClient": {"methods": [*HTTP_METHODS, "send", "stream"]},
    "aiohttp.ClientSession": {"types": ["aiohttp.client.ClientSession"], "methods": [*HTTP_METHODS, "ws_connect"]},
    "urllib3.PoolManager": {
        "constructors": [
            "urllib3.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPConnectionPool",
            "urllib3.HTTPSConnectionPool", "urllib3.connection_from_url", "urllib3.proxy_from_url",
        ],
        "types": ["urllib3.poolmanager.PoolManager", "urllib3.ProxyManager", "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool"],
        "methods": ["request", "urlopen", "request_encode_url", "request_encode_body"],
    },
    "http.client.HTTPConnection": {
        "constructors": ["http.client.HTTPConnection", "http.client.HTTPSConnection"],
        "types": ["http.client.HTTPSConnection"],
        "methods": ["request", "getresponse", "connect", "send", "endheaders"],
        "errors": ["http.client"],
    },
    "redis.Redis": {
        "constructors": [
            "redis.Redis", "redis.StrictRedis", "redis.Redis.from_url", "redis.from_url", "redis.client.Redis",
            "redis.asyncio.Redis", "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
        ],
        "types": ["redis.StrictRedis", "redis.client.Redis", "redis.asyncio.Redis", "redis.asyncio.client.Redis"],
        "methods": ["*"],
        # A pipeline and a pub/sub object are built locally; their ``execute``/``subscribe`` go out.
        "not-methods": ["pipeline", "pubsub", "lock", "register_script", "get_connection_kwargs", "get_encoder", "get_retry", "set_retry"],
    },
    "pymongo.MongoClient": {
        "constructors": ["pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient"],
        "types": ["pymongo.mongo_client.MongoClient", "pymongo.database.Database", "pymongo.collection.Collection"],
        "methods": ["*"],
        "not-methods": ["get_database", "get_collection", "get_default_database", "with_options"],
        "chains": True,
        "errors": ["pymongo", "motor"],
    },
    "boto3.Session": {
        "constructors": ["boto3.Session", "boto3.session.Session"],
        "types": ["boto3.session.Session"],
        "methods": [],
        "returns": {"client": "boto3.client", "resource": "boto3.client"},
    },
    "boto3.client": {
        "constructors": ["boto3.client", "boto3.resource"],
        "types": ["botocore.client.BaseClient"],
        "methods": ["*"],
        "not-methods": ["get_paginator", "get_waiter", "can_paginate", "generate_presigned_url", "generate_presigned_post"],
        "errors": ["botocore", "boto3", "s3transfer"],
    },
    "sqlite3.Connection": {"constructors": ["sqlite3.connect"], "methods": DB_CONNECTION, "returns": {"cursor": "sqlite3.Cursor"}},
    "sqlite3.Cursor": {"methods": DB_CURSOR},
    "psycopg.Connection": {
        "constructors": ["psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect"],
        "types": ["psycopg.AsyncConnection"],
        "methods": DB_CONNECTION,
        "returns": {"cursor": "psycopg.Cursor"},
    },
    "psycopg.Cursor": {"types": ["psycopg.AsyncCursor"], "methods": DB_CURSOR},
    "psycopg2.connection": {
        "constructors": ["psycopg2.connect"],
        "types": ["psycopg2.extensions.connection"],
        "methods": DB_CONNECTION,
        "returns": {"cursor": "psycopg2.cursor"},
    },
    "psycopg2.cursor": {"types": ["psycopg2.extensions.cursor"], "methods": DB_CURSOR},
    "pymysql.Connection": {
        "constructors": ["pymysql.connect", "pymysql.connections.Connection"],
        "types": ["pymysql.connections.Connection"],
        "methods": [*DB_CONNECTION, "ping"],
        "returns": {"cursor": "pymysql.Cursor"},
    },
    "pymysql.Cursor": {"types": ["pymysql.cursors.Cursor"], "methods": DB_CURSOR},
    "asyncpg.Connection": {
        "constructors": ["asyncpg.connect", "asyncpg.create_pool"],
        "types": ["asyncpg.Pool", "asyncpg.pool.Pool", "asyncpg.connection.Connection"],
        "methods": ["*"],
        "not-methods": ["is_closed", "get_server_pid", "get_settings", "terminate"],
        "returns": {"acquire": "asyncpg.Connection"},
    },
    "sqlalchemy.Engine": {
        "constructors": ["sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine"],
        "types": ["sqlalchemy.engine.Engine", "sqlalchemy.ext.asyncio.AsyncEngine"],
        "methods": ["connect", "begin", "execute"],
        "returns": {"connect": "sqlalchemy.Connection", "begin": "sqlalchemy.Connection"},
    },
    "sqlalchemy.Connection": {
        "types": ["sqlalchemy.engine.Connection", "sqlalchemy.ext.asyncio.AsyncConnection"],
        "methods": ["execute", "scalar", "scalars", "commit", "rollback", "exec_driver_sql"],
    },
    "sqlalchemy.orm.Session": {
        "constructors": ["sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlalchemy.ext.asyncio.AsyncSession"],
        "types": ["sqlalchemy.orm.session.Session", "sqlalchemy.ext.asyncio.AsyncSession"],
        "methods": ["execute", "scalar", "scalars", "get", "commit", "flush", "refresh"],
    },
    "sqlalchemy.orm.sessionmaker": {
        "constructors": ["sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker"],
        "methods": [],
        "returns": {"()": "sqlalchemy.orm.Session", "begin": "sqlalchemy.orm.Session"},
    },
    # LLM APIs: ``client.chat.completions.create(...)`` goes out, whatever the resource path.
    "openai.OpenAI": {
        "constructors": ["openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI"],
        "types": ["openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI"],
        "methods": ["*"],
        "not-methods": ["with_options", "with_raw_response", "with_streaming_response", "copy"],
        "chains": True,
    },
    "anthropic.Anthropic": {
        "constructors": ["anthropic.Anthropic", "anthropic.AsyncAnthropic"],
        "types": ["anthropic.AsyncAnthropic"],
        "methods": ["*"],
        "not-methods": ["with_options", "with_raw_response", "with_streaming_response", "copy"],
        "chains": True,
    },
    "smtplib.SMTP": {"constructors": ["smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"], "types": ["smtplib.SMTP_SSL"], "methods": ["*"]},
    "ftplib.FTP": {"constructors": ["ftplib.FTP", "ftplib.FTP_TLS"], "types": ["ftplib.FTP_TLS"], "methods": ["*"]},
    "socket.socket": {
        "constructors": ["socket.socket", "socket.create_connection"],
        "methods": ["connect", "connect_ex", "send", "sendall", "sendto", "sendfile", "recv", "recv_into", "recvfrom", "recvfrom_into", "accept"],
    },
}
# The keys a client entry may have (``ClientEntry``), and the kind of each.
ENTRY_KEYS: dict[str, type] = {"constructors": list, "types": list, "methods": list, "not-methods": list, "returns": dict, "chains": bool, "errors": list}


def check_clients(where: str, value: object) -> dict[str, ClientEntry]:
    """Validate an ``errors.clients`` mapping; errors name the key (``errors.clients.x.methods``)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping of client type to its description, got {value!r}")
    for name, entry in value.items():
        # Each entry is a mapping of known keys, each of its own kind.
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}.{name}: expected a mapping with keys {', '.join(ENTRY_KEYS)}, got {entry!r}")
        for key, item in entry.items():
            kind = ENTRY_KEYS.get(key)
            if kind is None:
                raise ConfigError(f"{where}.{name}.{key}: unknown key (expected one of {', '.join(ENTRY_KEYS)})")
            # Lists hold names and mappings name client types: strings only, whatever YAML allows.
            if isinstance(item, list):
                good = kind is list and all(isinstance(x, str) for x in item)
            elif isinstance(item, dict):
                good = kind is dict and all(isinstance(k, str) and isinstance(v, str) for k, v in item.items())
            else:
                good = isinstance(item, kind)
            if not good:
                expected = {list: "a list of strings", dict: "a mapping of method to client type", bool: "true or false"}[kind]
                raise ConfigError(f"{where}.{name}.{key}: expected {expected}, got {item!r}")
        # A returned type must be described somewhere, here or in the defaults the entries extend.
        for method, returned in entry.get("returns", {}).items():
            if returned not in value and returned not in CLIENTS:
                raise ConfigError(f"{where}.{name}.returns.{method}: {returned!r} is not a client type")
    return cast("dict[str, ClientEntry]", value)


@dataclass(frozen=True)
class ClientType:
    """One client type of ``errors.clients``, ready for lookups."""

    name: str
    methods: frozenset[str]
    every_method: bool
    excluded: frozenset[str]
    returns: dict[str, str]
    chains: bool
    errors: tuple[str, ...]

    def does_io(self, method: str) -> bool:
        """Whether calling ``method`` on this client reaches the outside world."""
        if method in self.methods:
            return True
        return (
            self.every_method
            and method not in self.excluded
            and method not in NEVER_IO
            and not method.startswith("_")
            and not method[:1].isupper()
        )


@dataclass
class ClientTable:
    """``errors.clients`` compiled: constructors and annotation types to client types."""

    types: dict[str, ClientType] = field(default_factory=dict)
    # Qualified name of a constructor or annotation -> client type name.
    constructors: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, clients: dict[str, ClientEntry]) -> ClientTable:
        """Compile the option's mapping."""
        table = cls()
        for name, entry in clients.items():
            # No ``methods`` means every method goes out, like ``["*"]``.
            methods = entry.get("methods", ["*"])
            table.types[name] = ClientType(
                name,
                frozenset(m for m in methods if m != "*"),
                "*" in methods,
                frozenset(entry.get("not-methods", ())),
                # A returned type this table lacks (``errors.clients`` replaced the defaults it names) is no client.
                {method: returned for method, returned in entry.get("returns", {}).items() if returned in clients},
                bool(entry.get("chains", False)),
                tuple(entry.get("errors", [name.split(".")[0]])),
            )
            # A type without constructors is built by calling the type itself.
            for constructor in entry.get("constructors", [name]):
                table.constructors[constructor] = name
            # An annotation may name the type, an alias of it, or the class its constructor is.
            for annotation in [name, *entry.get("types", ()), *entry.get("constructors", ())]:
                table.annotations.setdefault(annotation, name)
        return table


@dataclass
class Members:
    """What a class body and its methods bind to ``self.<attr>`` / ``cls.<attr>``."""

    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    types: dict[str, str | None] = field(default_factory=dict)
    # The locals the bindings are read with (which a ``Binding`` holds only weakly): the class's
    # enclosing function and the methods.
    scopes: list[Locals] = field(default_factory=list)


def class_members(node: cst.ClassDef, parent: Locals | None) -> Members:
    """The class body's own bindings, and what any method assigns to its receiver's attributes."""
    members = Members(scopes=[parent] if parent is not None else [])

    def on_class_target(target: cst.BaseExpression, value: cst.BaseExpression | None, annotation: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name) and (value is not None or annotation is not None):
            members.bindings.setdefault(target.value, []).append(Binding(value, annotation, parent))

    each_binding(node.body, on_class_target, set())
    # Every method, wherever it is in the class: ``self.session`` may be set after it is used.
    for statement in statements(node.body):
        if not isinstance(statement, cst.FunctionDef):
            continue
        # The method's locals, so that ``self.x = session`` can read the ``session`` parameter.
        method = function_locals(statement, parent, node)
        if method.receiver is None:
            continue
        members.scopes.append(method)

        def on_method_target(
            target: cst.BaseExpression, value: cst.BaseExpression | None, annotation: cst.BaseExpression | None, method: Locals = method
        ) -> None:
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == method.receiver:
                members.bindings.setdefault(target.attr.value, []).append(Binding(value, annotation, method))

        each_binding(statement.body, on_method_target, set())
    return members


@functools.cache
def _table(options: str) -> ClientTable:
    """``errors.clients`` and ``errors.extend-clients`` (as JSON) compiled, once per process."""
    clients, extend = json.loads(options)
    return ClientTable.build({**clients, **extend})


# The last rule options seen and their table: every file of a scan shares one options mapping (the
# settings', never changed once built), so most files neither encode the options nor look them up.
_last: tuple[dict[str, Any], ClientTable] | None = None


def _table_of(options: dict[str, Any]) -> ClientTable:
    """``_table`` for a file's rule options."""
    global _last
    if _last is None or _last[0] is not options:
        _last = (options, _table(json.dumps([options["errors.clients"], options["errors.extend-clients"]], sort_keys=True)))
    return _last[1]


class Clients(Analysis):
    """Which expressions of the file are clients, and of what type (see the module docstring)."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.table = _table_of(ctx.options)
        # Module globals: every top-level binding, in blocks too.
        self.module = Members(ctx.module_bindings)
        # Each class's members, by ``id`` of its node, computed when a method first reads one.
        self.classes: dict[int, Members] = {}

    # --- what type an expression has -----------------------------------------------------------------
    def type_of(self, node: cst.BaseExpression) -> str | None:
        """The client type of ``node`` where the walk is now, or ``None``."""
        return self._type(node, self.ctx.imports.scope, 0)

    def _type(self, node: cst.BaseExpression, scope: Locals | None, depth: int) -> str | None:
        """``type_of`` read with the locals of ``scope``; ``depth`` bounds chains of names."""
        if depth > 20:
            return None  # a chain of names bound to each other
        # ``await connect()`` is what ``connect()`` gives; ``a or b`` and ``a if c else b`` are
        # clients when either side is.
        if isinstance(node, cst.Await):
            return self._type(node.expression, scope, depth + 1)
        if isinstance(node, cst.Name):
            return self._name(node.value, scope, depth)
        if isinstance(node, cst.BooleanOperation):
            return self._type(node.left, scope, depth + 1) or self._type(node.right, scope, depth + 1)
        if isinstance(node, cst.IfExp):
            return self._type(node.body, scope, depth + 1) or self._type(node.orelse, scope, depth + 1)
        if isinstance(node, cst.Attribute):
            # ``self.session`` in a method: what the class binds to ``session``, found once per class.
            if scope is not None and scope.owner is not None and isinstance(node.value, cst.Name) and node.value.value == scope.receiver:
                owner = self.classes.get(id(scope.owner))
                if owner is None:
                    owner = self.classes[id(scope.owner)] = class_members(scope.owner, scope.parent)
                return self._member(owner, node.attr.value, depth)
            return self._chained(node.value, scope, depth)
        if isinstance(node, cst.Subscript):
            return self._chained(node.value, scope, depth)
        if isinstance(node, cst.Call):
            return self._call(node, scope, depth)
        return None

    def _chained(self, value: cst.BaseExpression, scope: Locals | None, depth: int) -> str | None:
        """An attribute or item of a client that hands out more of itself (``mongo.shop``)."""
        owner = self._type(value, scope, depth + 1)
        return owner if owner is not None and self.table.types[owner].chains else None

    def _call(self, node: cst.Call, scope: Locals | None, depth: int) -> str | None:
        """What a call gives: a constructor's client, a client method's (``conn.cursor()``), or
        a client called as a factory (a ``sessionmaker`` instance)."""
        name = self.ctx.imports.resolve(node.func, scope)
        if name is not None and name in self.table.constructors:
            return self.table.constructors[name]
        if isinstance(node.func, cst.Attribute):
            owner = self._type(node.func.value, scope, depth + 1)
            if owner is not None:
                return self.table.types[owner].returns.get(node.func.attr.value)
        called = self._type(node.func, scope, depth + 1)
        return self.table.types[called].returns.get("()") if called is not None else None

    def _name(self, name: str, scope: Locals | None, depth: int) -> str | None:
        while scope is not None:
            if name in scope.bindings:
                if name not in scope.types:
                    scope.types[name] = None  # a name bound to itself stays unknown
                    scope.types[name] = self._bindings(scope.bindings[name], depth)
                return scope.types[name]
            scope = scope.parent
        return self._member(self.module, name, depth) if name in self.module.bindings else None

    def _member(self, members: Members, name: str, depth: int) -> str | None:
        if name not in members.bindings:
            return None
        if name not in members.types:
            members.types[name] = None
            members.types[name] = self._bindings(members.bindings[name], depth)
        return members.types[name]

    def _bindings(self, bindings: list[Binding], depth: int) -> str | None:
        """The first client type among a name's bindings (annotations first)."""
        # An annotation states the type; a value only suggests it.
        for binding in bindings:
            if binding.annotation is not None:
                found = self.annotation_type(binding.annotation, binding.scope)
                if found is not None:
                    return found
        for binding in bindings:
            if binding.value is not None:
                found = self._type(binding.value, binding.scope, depth + 1)
                if found is not None:
                    return found
        return None

    def annotation_type(self, node: cst.BaseExpression, scope: Locals | None = None) -> str | None:
        """The client type an annotation names: ``Session``, ``X | None``, ``Optional[X]``, ``"X"``."""
        # ``Session | None``: either side.
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self.annotation_type(node.left, scope) or self.annotation_type(node.right, scope)
        # ``Optional[Session]`` / ``Union[Session, None]``; other generics hold no client themselves.
        if isinstance(node, cst.Subscript):
            outer = self.ctx.imports.resolve(node.value, scope) or dotted_name(node.value)
            if outer in ("typing.Optional", "typing.Union", "Optional", "Union"):
                for element in node.slice:
                    if isinstance(element.slice, cst.Index):
                        found = self.annotation_type(element.slice.value, scope)
                        if found is not None:
                            return found
            return None
        # ``"Session"``: a forward reference, read as the expression it spells.
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            try:
                inner = cst.parse_expression(text) if isinstance(text, str) else None
            except cst.ParserSyntaxError:
                return None
            return self.annotation_type(inner, scope) if inner is not None else None
        name = self.ctx.imports.resolve(node, scope)
        return self.table.annotations.get(name) if name is not None else None

    # --- what the rules ask -------------------------------------------------------------------------
    def io_call(self, node: cst.Call) -> tuple[str, ClientType] | None:
        """``("requests.Session.get", its client type)`` when ``node`` is an I/O method of a client."""
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        owner = self.type_of(func.value)
        if owner is None:
            return None
        client = self.table.types[owner]
        method = func.attr.value
        return (f"{owner}.{method}", client) if client.does_io(method) else None
