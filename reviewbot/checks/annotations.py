"""RB3xx: functions carry type annotations, and not ``Any``."""

from __future__ import annotations

import libcst as cst

from reviewbot.checks.base import FileContext
from reviewbot.imports import dotted_name
from reviewbot.model import Edit, Example, Fix, Rule

# Qualified names that mean `typing.Any`.
ANY = frozenset({"typing.Any", "typing_extensions.Any"})
# Decorators of abstract methods: their body is a placeholder, `-> None` would be a guess.
ABSTRACT = frozenset({"abc.abstractmethod", "abstractmethod", "abc.abstractproperty"})


def has_decorator(ctx: FileContext, node: cst.FunctionDef, names: set[str] | frozenset[str]) -> bool:
    """Whether a decorator of ``node`` (called or not) resolves to one of ``names``."""
    for decorator in node.decorators:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        if (ctx.imports.resolve(expression) or dotted_name(expression)) in names:
            return True
    return False


class MissingParameterAnnotation(Rule):
    """RB301: one finding per unannotated parameter, at the parameter."""

    id = "RB301"
    name = "missing-parameter-annotation"
    summary = "A function parameter without a type annotation (one finding per parameter)."
    why = (
        "The agent must not skip type definitions. Unannotated parameters are invisible to type "
        "checkers, so wrong arguments surface only at run time. `self`/`cls` of methods and lambda "
        "parameters are exempt."
    )
    bad = (
        Example("def total(items, *args, rate: float = 1.0, **kwargs) -> float:\n    return 0.0\n", lines=(1, 1, 1)),
        Example("class Cart:\n    @staticmethod\n    def make(size) -> 'Cart':\n        return Cart()\n", lines=(3,)),
        Example("async def fetch(\n    url,\n    retries: int,\n) -> None:\n    pass\n", lines=(2,)),
    )
    good = (
        Example("class Cart:\n    def add(self, item: str) -> None:\n        pass\n\n    @classmethod\n    def empty(cls) -> 'Cart':\n        return cls()\n"),
        Example("key = lambda item: item.price\n"),
        Example("def total(items) -> float:\n    return 0.0\n", path="tests/test_cart.py"),
    )
    peers = "Ruff ANN001-ANN003, mypy --disallow-untyped-defs"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Every parameter but a method's ``self``/``cls``."""
        parent = self.ctx.scope.parent if self.ctx.scope is not None else None
        in_class = parent is not None and isinstance(parent.node, cst.ClassDef)
        positional = [*node.params.posonly_params, *node.params.params]
        # ``self``/``cls``: the first parameter of a method, unless it is a staticmethod.
        exempt = positional[0] if positional and in_class and not has_decorator(self.ctx, node, {"staticmethod"}) else None
        # A bare ``*`` (keyword-only marker) is a ParamStar, not a parameter.
        star = node.params.star_arg
        everything = [*positional, *([star] if isinstance(star, cst.Param) else []), *node.params.kwonly_params]
        if node.params.star_kwarg is not None:
            everything.append(node.params.star_kwarg)
        for param in everything:
            if param.annotation is None and param is not exempt:
                self.report(param.name, f"parameter `{param.name.value}` has no type annotation")


class MissingReturnAnnotation(Rule):
    """RB302: a ``def`` without ``->``; fixed with ``-> None`` when that is certain."""

    id = "RB302"
    name = "missing-return-annotation"
    scope = "function"
    summary = "A `def` without a return annotation."
    why = (
        "Without `->` a type checker cannot check callers. When the function returns no value the "
        "fix is mechanical: `--fix` adds `-> None`."
    )
    bad = (
        Example("def reset(state: dict[str, int]):\n    state.clear()\n", lines=(1,), fixed="def reset(state: dict[str, int]) -> None:\n    state.clear()\n"),
        Example(
            "class Job:\n    async def run(self) :\n        def helper() -> int:\n            return 1\n        helper()\n",
            lines=(2,),
            fixed="class Job:\n    async def run(self) -> None :\n        def helper() -> int:\n            return 1\n        helper()\n",
        ),
        Example("def items():\n    yield 1\n", lines=(1,)),
    )
    good = (
        Example("def reset(state: dict[str, int]) -> None:\n    state.clear()\n"),
        Example("def reset(state: dict[str, int]):  # reviewbot: ignore[RB302]\n    state.clear()\n"),
    )
    fixable = True
    peers = "Ruff ANN201-ANN206, mypy --disallow-untyped-defs"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # Per enclosing function: does its own body return a value or yield?
        self.produces_value: list[bool] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A new function body: nothing returned yet."""
        self.produces_value.append(False)

    def visit_Return(self, node: cst.Return) -> None:
        """``return <value>`` means ``-> None`` would be wrong."""
        if node.value is not None and self.produces_value:
            self.produces_value[-1] = True

    def visit_Yield(self, node: cst.Yield) -> None:
        """A generator needs an ``Iterator[...]`` annotation, not ``None``."""
        if self.produces_value:
            self.produces_value[-1] = True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Report a missing ``->``, with the ``-> None`` fix when it is safe.

        Safe means: no ``return <value>`` and no ``yield`` in the function's own body (nested
        functions do not count) and not abstract (an abstract body says nothing about overrides).
        """
        produces_value = self.produces_value.pop()
        if node.returns is not None:
            return
        message = f"function `{node.name.value}` has no return annotation"
        fix = None
        if not produces_value and not has_decorator(self.ctx, node, ABSTRACT):
            # Insert right after ``)``: before any space that precedes the colon.
            line, column = self.ctx.span(node.whitespace_before_colon)[:2]
            fix = Fix("add `-> None`", (Edit(line, column + 1, line, column + 1, " -> None"),))
            message += " (it returns nothing: `-> None`)"
        self.report(node, message, span=self.ctx.header_span(node), fix=fix, scope=node)


class AnyAnnotation(Rule):
    """RB303: ``Any`` where a public function's parameters or return are declared."""

    id = "RB303"
    name = "any-annotation"
    summary = "`typing.Any` in a parameter or return annotation of a public function."
    why = "`Any` switches type checking off for everything it touches; public APIs should say what they take and return."
    bad = (
        Example("from typing import Any\n\ndef load(raw: Any) -> dict[str, Any]:\n    return {}\n", lines=(3, 3)),
        Example("import typing as t\n\ndef load(raw: str) -> t.Any:\n    return raw\n", lines=(3,)),
    )
    good = (
        Example("from typing import Any\n\ndef _load(raw: Any) -> None:\n    pass\n"),
        Example("from typing import Any\n\ndef load(raw: object) -> None:\n    cache: Any = raw\n"),
    )
    peers = "Ruff ANN401 (top-level `Any` only)"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # True while inside a parameter or return annotation of a public function.
        self.in_signature = False

    def visit_Annotation(self, node: cst.Annotation) -> None:
        """Only parameter and return annotations of public functions are checked for ``Any``."""
        scope = self.ctx.scope
        self.in_signature = (
            isinstance(self.ctx.parent(), (cst.Param, cst.FunctionDef))
            and scope is not None
            and scope.public
            and not scope.in_function
        )

    def leave_Annotation(self, node: cst.Annotation) -> None:
        """Annotations never nest, so leaving one ends the signature part."""
        self.in_signature = False

    def visit_Name(self, node: cst.Name) -> None:
        """``Any`` imported from ``typing``."""
        if self.in_signature:
            parent = self.ctx.parent()
            if not (isinstance(parent, cst.Attribute) and parent.attr is node):
                self._any(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """``typing.Any`` / ``t.Any``."""
        if self.in_signature:
            self._any(node)

    def _any(self, node: cst.BaseExpression) -> None:
        if self.ctx.imports.resolve(node) in ANY:
            self.report(node, "`Any` in the signature of a public function: name the real type")
