"""What each function binds: the names that shadow imports, and the values client types come from.

Found from the function's statements alone (never its nested functions' or classes' bodies), once
per function, when the walk enters it. A parameter, an assignment, a ``for``/``with``/``except``
target or a nested ``def``/``class`` binds a local name; ``global``/``nonlocal`` names and imports
do not (imports are the import table's). Python decides locality for the whole function, so the
order of statements does not matter here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewbot.lazy import libcst as cst

if TYPE_CHECKING:
    # Told (target, value, annotation) for each binding statement found.
    OnTarget = Callable[[cst.BaseExpression, cst.BaseExpression | None, cst.BaseExpression | None], None]


class Binding:
    """A value or annotation bound to a name (or ``self`` attribute), and the scope it is read in."""

    __slots__ = ("value", "annotation", "_scope")

    def __init__(self, value: cst.BaseExpression | None, annotation: cst.BaseExpression | None, scope: Locals | None) -> None:
        self.value = value
        self.annotation = annotation
        # Held weakly: the scope holds its bindings, and a cycle between them would keep the
        # file's tree alive until Python's cycle collector traced it (see ``Locals``).
        self._scope = weakref.ref(scope) if scope is not None else None

    @property
    def scope(self) -> Locals | None:
        """The function whose locals the value is evaluated with; ``None`` at module or class level."""
        return self._scope() if self._scope is not None else None


@dataclass
class Locals:
    """The names one function binds, and the functions around it.

    Whoever keeps a ``Binding`` keeps its scope too (the function's ``Scope`` during the walk, a
    class's ``Members``): a binding only points back at it weakly.
    """

    node: cst.FunctionDef
    bindings: dict[str, list[Binding]]
    # The enclosing function's locals (closures read them); ``None`` for a top-level function.
    parent: Locals | None
    # The first parameter of a method (``self``/``cls``); ``None`` elsewhere and for static methods.
    receiver: str | None
    # The class a method belongs to, when it is defined directly in a class body.
    owner: cst.ClassDef | None = None
    # Whatever an analysis computed per name (the client type, say), on first use.
    types: dict[str, str | None] = field(default_factory=dict)

    def binds(self, name: str) -> bool:
        """Whether this function or an enclosing one binds ``name`` locally."""
        scope: Locals | None = self
        while scope is not None:
            if name in scope.bindings:
                return True
            scope = scope.parent
        return False


def statements(body: cst.BaseSuite | Iterable[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    """The statements of a block, or of a list of statements."""
    if isinstance(body, cst.IndentedBlock):
        yield from body.body
    elif isinstance(body, cst.SimpleStatementSuite):
        yield body
    elif not isinstance(body, cst.BaseSuite):
        yield from body


def each_binding(body: cst.BaseSuite | Iterable[cst.CSTNode], on_target: OnTarget, declared: set[str]) -> None:
    """Call ``on_target`` for every binding statement of a block, nested blocks included.

    ``global``/``nonlocal`` names are added to ``declared``.
    """
    for statement in statements(body):
        # Simple statements: assignments bind, ``global``/``nonlocal`` unbind, the rest is no binding.
        if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        on_target(target.target, small.value, None)
                elif isinstance(small, cst.AnnAssign):
                    on_target(small.target, small.value, small.annotation.annotation)
                elif isinstance(small, cst.AugAssign):
                    on_target(small.target, None, None)
                elif isinstance(small, (cst.Global, cst.Nonlocal)):
                    declared.update(item.name.value for item in small.names)
        # A nested definition binds its name; its body is its own scope.
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            on_target(statement.name, None, None)
        # Compound statements: their targets bind, and their blocks are walked for more.
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    on_target(item.asname.name, item.item, None)
            each_binding(statement.body, on_target, declared)
        elif isinstance(statement, cst.For):
            on_target(statement.target, None, None)
            each_binding(statement.body, on_target, declared)
            if statement.orelse is not None:
                each_binding(statement.orelse.body, on_target, declared)
        elif isinstance(statement, (cst.If, cst.While)):
            each_binding(statement.body, on_target, declared)
            # ``elif`` is an ``If`` in the ``orelse`` of the one before.
            orelse = statement.orelse
            while orelse is not None:
                each_binding(orelse.body, on_target, declared)
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            each_binding(statement.body, on_target, declared)
            # ``except E as error`` binds ``error``.
            for handler in statement.handlers:
                if handler.name is not None:
                    on_target(handler.name.name, None, None)
                each_binding(handler.body, on_target, declared)
            for block in (statement.orelse, statement.finalbody):
                if block is not None:
                    each_binding(block.body, on_target, declared)
        elif isinstance(statement, cst.Match):
            # Capture patterns are not read (rare in the code these rules look at); case bodies are.
            for case in statement.cases:
                each_binding(case.body, on_target, declared)


def target_names(target: cst.BaseExpression) -> Iterator[cst.Name]:
    """The names an assignment target binds (``a``; ``a, (b, *c)``); attributes and items bind none."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def function_locals(node: cst.FunctionDef, parent: Locals | None, owner: cst.ClassDef | None) -> Locals:
    """Every name ``node`` binds, with what it binds it to; ``owner`` is its class, for a method."""
    params = node.params
    # Parameters that hold one value each; their annotation says the value's type.
    named = [*params.posonly_params, *params.params, *params.kwonly_params]
    # A static method has no ``self``/``cls`` to read attributes through.
    static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)
    receiver = named[0].name.value if owner is not None and named and not static else None
    scope = Locals(node, {}, parent, receiver, owner)
    for param in named:
        annotation = param.annotation.annotation if param.annotation is not None else None
        scope.bindings[param.name.value] = [Binding(None, annotation, scope)]
    for star in (params.star_arg, params.star_kwarg):
        # ``*args: Session`` is a tuple of sessions: the name is local, its annotation says no type.
        if isinstance(star, cst.Param):
            scope.bindings[star.name.value] = [Binding(None, None, scope)]

    found, declared = bindings_of(node.body, scope)
    for name, bound in found.items():
        scope.bindings.setdefault(name, []).extend(bound)
    for name in declared:
        scope.bindings.pop(name, None)
    return scope


def bindings_of(body: cst.BaseSuite | Iterable[cst.CSTNode], scope: Locals | None) -> tuple[dict[str, list[Binding]], set[str]]:
    """Every name a block binds (nested blocks included) with what it binds it to, read in
    ``scope`` (``None`` for the module); and the names it declares ``global``/``nonlocal``."""
    bindings: dict[str, list[Binding]] = {}

    def on_target(target: cst.BaseExpression, value: cst.BaseExpression | None, annotation: cst.BaseExpression | None) -> None:
        # ``a, b = f()`` binds both names, but to no value we can know.
        single = isinstance(target, cst.Name)
        for name in target_names(target):
            bindings.setdefault(name.value, []).append(Binding(value if single else None, annotation if single else None, scope))

    declared: set[str] = set()
    each_binding(body, on_target, declared)
    return bindings, declared
