"""Value types shared by every stage of the pipeline: findings, fixes, facts, rule examples and options."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields
from collections.abc import Callable
from typing import Any


class Severity(enum.IntEnum):
    """How serious a finding is; the order is what ``--fail-on`` compares."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """The lower-case name used in config files and output."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read ``error`` / ``warning`` / ``info``; raise ``ValueError`` otherwise."""
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True)
class Example:
    """A snippet a rule must (bad) or must not (good) flag; docs and tests share it."""

    code: str
    # 1-based lines the rule flags in a bad example; empty for a good one.
    lines: tuple[int, ...] = ()
    # For fixable rules: the code after ``--fix``.
    fixed: str | None = None
    # Where the snippet lives in the example project (test-path rules depend on it).
    path: str = "app/service.py"


@dataclass(frozen=True)
class Option:
    """A rule option as it is spelled in config files (``family.key``)."""

    key: str
    kind: type  # int, float, bool, str or list (of str)
    help: str
    # The value when neither a pack nor the config sets one (a tuple for a list option).
    default: object
    # The smallest value that makes sense, for numbers.
    minimum: float | None = None
    # Checks a value beyond its kind (a mapping's shape): takes the key as written and the value,
    # returns the value or raises ``ConfigError`` naming the part that is wrong.
    check: Callable[[str, Any], Any] | None = None

    def value(self) -> object:
        """The default as config values are typed (a list option's default is a list)."""
        if self.kind is dict:
            return dict(self.default)  # type: ignore[call-overload]
        return list(self.default) if self.kind is list else self.default  # type: ignore[call-overload]


@dataclass(frozen=True)
class Source:
    """A statement of the repository's own agent files that asks for a rule, or for its opposite
    (``packs: [auto]``)."""

    path: str
    line: int
    text: str
    # Globs of the files the statement applies to; ``None``: every file.
    scope: tuple[str, ...] | None = None
    # How specific the scope is: a nested ``AGENTS.md`` overrides the root's for the same rule.
    depth: int = 0
    # How much its file's word counts (``reviewbot.agents.rank``): an instruction file outranks a subagent.
    rank: int = 0
    # It asks the opposite of what the rule enforces ("Do not add comments unless necessary"),
    # and whether only in general words (``loose``: it yields to a statement of the same file's
    # weight that asks for the rule itself, "Docstrings on all public functions").
    against: bool = False
    loose: bool = False

    def weight(self) -> tuple[int, int, int]:
        """Which of two statements about a rule decides for a file, smaller first: the higher
        ranked file, then the nearer, then a statement against the rule over one for it, and one
        for it over one against it only in general words."""
        return (-self.rank, -self.depth, 0 if self.against and not self.loose else 1 if not self.against else 2)


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 1-based positions (end exclusive) with ``replacement``."""

    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """An autofix: what it does and the exact edits that do it."""

    description: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Finding:
    """One reported problem, positioned in a file relative to the repository root."""

    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    quote: str | None = None
    fix: Fix | None = None
    fingerprint: str = ""
    # The fingerprint without the occurrence number: identical findings in a file share it, so a
    # baseline can count them (a copied line is one new finding, whichever copy came first).
    group: str = ""
    # First and last line of the function or class a whole-scope finding (RB302, RB401-RB403) is
    # about; changed-lines mode keeps such a finding when any line of it changed.
    scope: tuple[int, int] | None = None
    # The agent file and line of the statement the rule enforces here (``packs: [auto]``).
    source: tuple[str, int] | None = None
    # (path, first line, last line) of each function a failure passes through on its way to the
    # boundary that does not handle it (RB201): changing any of them makes the finding the change's.
    via: tuple[tuple[str, int, int], ...] = ()

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Deterministic report order: path, line, column, rule, message."""
        return (self.path, self.line, self.column, self.rule, self.message)

    def but(self, **changes: Any) -> Finding:
        """``dataclasses.replace(self, **changes)``, without its checks and ``__init__``: the engine
        copies every finding of every file this way (see ``from_record``)."""
        unknown = changes.keys() - self.__dataclass_fields__.keys()
        if unknown:
            raise TypeError(f"Finding has no field {', '.join(sorted(unknown))}")
        finding = object.__new__(type(self))
        finding.__dict__.update(self.__dict__, **changes)
        return finding

    def to_record(self) -> dict[str, object]:
        """Every field as JSON values; ``from_record`` gives back an equal finding (cache, merge)."""
        # Field by field: ``asdict`` would deep-copy every finding of every file the cache keeps.
        record: dict[str, object] = {item.name: getattr(self, item.name) for item in fields(self)}
        record["severity"] = self.severity.label
        record["fix"] = None if self.fix is None else {"description": self.fix.description, "edits": [asdict(edit) for edit in self.fix.edits]}
        record["source"] = None if self.source is None else {"path": self.source[0], "line": self.source[1]}
        return record

    def to_row(self) -> list[object]:
        """``to_record``'s values in field order: the cache's form, read back without parsing a name per field."""
        return list(self.to_record().values())

    @classmethod
    def from_row(cls, row: list[Any]) -> Finding:
        """The finding ``to_row`` wrote; ``KeyError``/``TypeError``/``ValueError`` if it is not one."""
        if not isinstance(row, list) or len(row) != len(FINDING_FIELDS):
            raise ValueError(f"not a finding's row: {str(row)[:80]}")
        return cls.from_record(dict(zip(FINDING_FIELDS, row)))

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Finding:
        """The finding ``to_record`` wrote; ``KeyError``/``TypeError``/``ValueError`` if it is not one."""
        fix, scope, source, via = record["fix"], record["scope"], record.get("source"), record.get("via")
        # Every field set at once, without ``__init__``: a frozen dataclass's sets each one through
        # ``object.__setattr__``, which took twice the rest here, and a scan the cache answers reads
        # back every finding this way (the class has no ``__post_init__`` to skip).
        finding = object.__new__(cls)
        finding.__dict__.update(
            rule=record["rule"],
            name=record["name"],
            severity=Severity.parse(record["severity"]),
            path=record["path"],
            line=record["line"],
            column=record["column"],
            end_line=record["end_line"],
            end_column=record["end_column"],
            message=record["message"],
            quote=record.get("quote"),
            fix=None if fix is None else Fix(fix["description"], tuple(Edit(**edit) for edit in fix["edits"])),
            fingerprint=record.get("fingerprint", ""),
            group=record.get("group", ""),
            scope=None if scope is None else tuple(scope),
            source=None if source is None else (str(source["path"]), int(source["line"])),
            via=tuple((str(path), int(first), int(last)) for path, first, last in via) if via else (),
        )
        return finding


# A finding's fields, in the order of its row (``Finding.to_row``).
FINDING_FIELDS = tuple(item.name for item in fields(Finding))


@dataclass(frozen=True)
class CallSite:
    """One call in a function that a failure may come out of (``Flow.calls``).

    External calls (a network, database or process call whose failure no ``try`` of the function
    catches) carry the libraries whose exceptions they raise; calls of the project's own functions
    carry what the ``try`` statements around them catch, to be judged once the callee is known.
    """

    # External: the qualified name (``httpx.AsyncClient.post``). Project: a dotted name through the
    # imports (``shop.services.checkout.create``), or ``#Class.method`` for this file's own.
    target: str
    external: bool
    line: int
    column: int
    end_line: int
    end_column: int
    # The call as written (``self.http.post``), for messages.
    text: str
    # External calls: the packages whose exceptions the call raises (empty: ``OSError`` only).
    families: tuple[str, ...] = ()
    # Project calls: what the ``try`` statements of the function around the call catch
    # (``reviewbot.checks.failures.encode``).
    caught: tuple[str, ...] = ()
    # The line of the endless loop (``while True`` without ``break``) the call is in, 0 if none.
    loop: int = 0

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CallSite:
        """The call ``asdict`` wrote."""
        return cls(
            str(record["target"]), bool(record["external"]), int(record["line"]), int(record["column"]),
            int(record["end_line"]), int(record["end_column"]), str(record["text"]),
            tuple(str(x) for x in record["families"]), tuple(str(x) for x in record["caught"]), int(record["loop"]),
        )


@dataclass(frozen=True)
class Flow:
    """What a function does with failures, for the call graph of RB201 (``Facts.flows``)."""

    # ``checkout``, ``CheckoutService.create``; ``<main>`` for the ``if __name__ == "__main__"`` block.
    name: str
    line: int
    # First line (decorators included) and last line: a change to any of them changes the function.
    first: int
    last: int
    # Where failures end when nothing catches them: ``route POST /checkout``, ``task sync``,
    # ``command import-users``, ``script``; empty for an ordinary function.
    boundary: str = ""
    # What the function's decorators and its task framework's retries catch (encoded), and the
    # project decorators that may (``@shop.utils.guarded``), judged in the project phase.
    guards: tuple[str, ...] = ()
    # The exceptions its docstring's ``Raises:`` section names (encoded): its callers own those.
    raises: tuple[str, ...] = ()
    # Used as a decorator: what the ``try`` statements of the wrapper it defines catch (encoded).
    wraps: tuple[str, ...] = ()
    calls: tuple[CallSite, ...] = ()
    # An abstract method (``@abstractmethod``, or a body that only raises ``NotImplementedError``):
    # a call of it runs the overrides of the subclasses.
    abstract: bool = False
    # The project class its return annotation names (``-> PaymentsService``), if one: a call of a
    # method on what it returns (``get_payments().charge()``) is that class's method.
    returns: str = ""

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Flow:
        """The flow ``asdict`` wrote."""
        return cls(
            str(record["name"]), int(record["line"]), int(record["first"]), int(record["last"]), str(record["boundary"]),
            tuple(str(x) for x in record["guards"]), tuple(str(x) for x in record["raises"]), tuple(str(x) for x in record["wraps"]),
            tuple(CallSite.from_record(call) for call in record["calls"]), bool(record.get("abstract", False)), str(record.get("returns", "")),
        )


@dataclass(frozen=True)
class Facts:
    """What the project phase may know of a file: read from its tree in phase 1, cached with it.

    Project rules (the change's size, import graphs, tests for changed functions) read facts,
    never trees, so a project rule over a thousand files costs no parse.
    """

    path: str
    is_test: bool
    # (module, line) of every import, resolved to absolute names where the file's package is
    # known: ``import a.b`` gives ``a.b``; ``from a import b`` gives ``a.b`` (a module or a name).
    imports: tuple[tuple[str, int], ...] = ()
    # (dotted name, kind, first line, last line, ``def``/``class`` line) of every function and
    # class not inside a function: ``Order``, ``Order.total``, ``reset``; decorators count in the
    # lines. The kind is "class", "function", or "route" for a web route handler.
    definitions: tuple[tuple[str, str, int, int, int], ...] = ()
    # Every identifier a test file uses (names, attributes, imported names), sorted; empty for
    # other files. Whether a test mentions a function (RB801).
    names: tuple[str, ...] = ()
    # (line, text) of the comments that may suppress findings: the project phase honours them too.
    suppressions: tuple[tuple[int, str], ...] = ()
    # (qualified name, line) of each call that reaches an HTTP service or a database directly
    # (``requests.get``, ``httpx.AsyncClient``, ``sqlite3.connect``, ``sqlalchemy.text``): RB501, RB504.
    calls: tuple[tuple[str, int], ...] = ()
    # The file says in its first lines that a tool wrote it ("Generated by", "DO NOT EDIT").
    generated: bool = False
    # The call graph of failures (RB201): each function's calls, catches and boundary ...
    flows: tuple[Flow, ...] = ()
    # ... each class's bases (dotted names, or ``#Name`` for this file's), by class name ...
    classes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # ... module-level instances of project classes (``payments = PaymentsClient(...)``) ...
    singletons: tuple[tuple[str, str], ...] = ()
    # ... what the application's registered exception handlers catch (encoded; ``@module.function``:
    # the handler DRF's ``EXCEPTION_HANDLER`` names; ``~function``: this file's function that only adds
    # to the answer of DRF's own handler) ...
    handlers: tuple[str, ...] = ()
    # ... and functions made boundaries elsewhere than on their ``def`` (an arq worker's
    # ``functions``, ``scheduler.add_job(f)``): (target, boundary).
    registered: tuple[tuple[str, str], ...] = ()

    def to_record(self) -> dict[str, object]:
        """JSON values; ``from_record`` gives back equal facts."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Facts:
        """The facts ``to_record`` wrote; ``KeyError``/``TypeError``/``ValueError`` if they are not."""
        return cls(
            path=str(record["path"]),
            is_test=bool(record["is_test"]),
            imports=tuple((str(name), int(line)) for name, line in record["imports"]),
            definitions=tuple((str(name), str(kind), int(first), int(last), int(line)) for name, kind, first, last, line in record["definitions"]),
            names=tuple(str(name) for name in record["names"]),
            suppressions=tuple((int(line), str(text)) for line, text in record["suppressions"]),
            calls=tuple((str(name), int(line)) for name, line in record["calls"]),
            generated=bool(record.get("generated", False)),
            flows=tuple(Flow.from_record(flow) for flow in record.get("flows", ())),
            classes=tuple((str(name), tuple(str(base) for base in bases)) for name, bases in record.get("classes", ())),
            singletons=tuple((str(name), str(target)) for name, target in record.get("singletons", ())),
            handlers=tuple(str(caught) for caught in record.get("handlers", ())),
            registered=tuple((str(target), str(boundary)) for target, boundary in record.get("registered", ())),
        )


@dataclass(frozen=True)
class FileResult:
    """Phase 1's answer for one file: its findings and its facts."""

    findings: tuple[Finding, ...]
    facts: Facts


@dataclass(frozen=True)
class Project:
    """What the checks know about the repository layout (computed once per run)."""

    # Root package name -> its repo-relative directory, e.g. {"shopapi": "src/shopapi"}.
    roots: dict[str, str] = field(default_factory=dict)
    # Name that exists only inside a root package -> that root ({"services": "shopapi"}).
    inner: dict[str, str] = field(default_factory=dict)

    def module_name(self, path: str) -> str | None:
        """The dotted module of a repo-relative ``.py`` path inside a root, else ``None``."""
        for name, directory in self.roots.items():
            if path.startswith(directory + "/"):
                inner = path[len(directory) + 1 : -len(".py")].split("/")
                if inner[-1] == "__init__":
                    inner.pop()
                if all(part.isidentifier() for part in inner):
                    return ".".join([name, *inner])
        return None
