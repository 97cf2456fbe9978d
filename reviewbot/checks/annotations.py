"""RB3xx: functions carry type annotations, and not ``Any``."""

from __future__ import annotations

import re

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import Analysis, FileContext, Rule
from reviewbot.imports import dotted_name
from reviewbot.model import Edit, Example, Fix

# Qualified names that mean `typing.Any`.
ANY = frozenset({"typing.Any", "typing_extensions.Any"})
# ``Optional[X]`` and ``Union[X, ...]``: ``Any`` inside them is still the whole type, give or take ``None``.
OPTIONAL = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional"})
# ``__eq__`` and friends: their parameter types are fixed by the data model.
DUNDER_NAME = re.compile(r"__\w+__\Z")
# A signature type comment: ``# type: (int, str) -> None``.
TYPE_COMMENT = re.compile(r"#\s*type:\s*\(.*\)\s*->")
# The decorator of overload stubs.
OVERLOAD = frozenset({"typing.overload", "typing_extensions.overload", "overload"})
# Base classes whose methods are declarations only.
PROTOCOLS = frozenset({"typing.Protocol", "typing_extensions.Protocol", "Protocol"})
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


def has_type_comment(node: cst.FunctionDef) -> bool:
    """A PEP 484 signature comment (``# type: (int) -> str``) on the ``def`` line or the line after:
    type checkers read it as the function's annotations."""
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return False
    comments = [body.header.comment]
    first = body.body[0] if body.body else None
    if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        comments += [line.comment for line in first.leading_lines[:1]]
    return any(comment is not None and TYPE_COMMENT.match(comment.value) for comment in comments)


class Overloads(Analysis):
    """Which functions are the implementation of ``@overload`` stubs defined before them.

    The stubs carry the signatures callers see; the implementation's own is usually loose on
    purpose (as Ruff's flake8-annotations rules, RB301/RB302 leave it alone).
    """

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        # (id of the enclosing scope's node, or 0 at module level; name) of every overload stub.
        self.stubs: set[tuple[int, str]] = set()

    def _key(self, node: cst.FunctionDef) -> tuple[int, str]:
        parent = self.ctx.scope.parent if self.ctx.scope is not None else None
        return (id(parent.node) if parent is not None else 0, node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Remember an ``@overload`` stub."""
        if has_decorator(self.ctx, node, OVERLOAD):
            self.stubs.add(self._key(node))

    def implements(self, node: cst.FunctionDef) -> bool:
        """Whether ``node`` is the implementation of overloads seen before it."""
        return not has_decorator(self.ctx, node, OVERLOAD) and self._key(node) in self.stubs


class MissingParameterAnnotation(Rule):
    """RB301: one finding per unannotated parameter, at the parameter."""

    id = "RB301"
    name = "missing-parameter-annotation"
    summary = "A function parameter without a type annotation (one finding per parameter)."
    why = (
        "The agent must not skip type definitions. Unannotated parameters are invisible to type "
        "checkers, so wrong arguments surface only at run time. `self`/`cls` of methods and lambda "
        "parameters are exempt; a PEP 484 signature comment (`# type: (int) -> str`) annotates them all, "
        "and the implementation of `@overload` stubs takes its signatures from them."
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
        Example("def total(items, rate=1.0):\n    # type: (list[float], float) -> float\n    return sum(items) * rate\n"),
    )
    peers = "Ruff ANN001-ANN003, mypy --disallow-untyped-defs"
    noqa = ("ANN001", "ANN002", "ANN003")
    needs = (Overloads,)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Every parameter but a method's ``self``/``cls``; a signature type comment annotates them all."""
        if has_type_comment(node) or self.analysis(Overloads).implements(node):
            return
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
    anchor = "line"
    summary = "A `def` without a return annotation (an `__init__` with an annotated parameter needs none, as in mypy)."
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
        Example("class Cart:\n    def __init__(self, size: int):\n        self.size = size\n"),
        Example("def reset(state: dict[str, int]):  # reviewbot: ignore[RB302]\n    state.clear()\n"),
        Example("def reset(state):  # type: (dict[str, int]) -> None\n    state.clear()\n"),
    )
    fixable = True
    peers = "Ruff ANN201-ANN206, mypy --disallow-untyped-defs"
    noqa = ("ANN201", "ANN202", "ANN204", "ANN205", "ANN206")
    needs = (Overloads,)

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
        if node.returns is not None or has_type_comment(node) or self.analysis(Overloads).implements(node):
            return
        # As mypy: an ``__init__`` with an annotated parameter is checked, and returns None.
        params = node.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg)
        if node.name.value == "__init__" and any(isinstance(p, cst.Param) and p.annotation is not None for p in every):
            return
        message = f"function `{node.name.value}` has no return annotation"
        fix = None
        if self._is_stub(node):
            # A placeholder's body says nothing about what implementations return.
            message += ": add the return type"
        elif not produces_value and not has_decorator(self.ctx, node, ABSTRACT):
            # Insert right after ``)``: before any space that precedes the colon.
            line, column = self.ctx.span(node.whitespace_before_colon)[:2]
            fix = Fix("add `-> None`", (Edit(line, column + 1, line, column + 1, " -> None"),))
            message += " (it returns nothing: `-> None`)"
        self.report(node, message, span=self.ctx.header_span(node), fix=fix, scope=node)


    def _is_stub(self, node: cst.FunctionDef) -> bool:
        """A placeholder: a ``Protocol`` member, or a body (after the docstring) of only ``raise
        NotImplementedError``, ``...``, or ``pass`` in a class body."""
        scope = self.ctx.scope
        owner = scope.parent.node if scope is not None and scope.parent is not None else None
        if isinstance(owner, cst.ClassDef) and any(
            (self.ctx.imports.resolve(base.value) or dotted_name(base.value)) in PROTOCOLS for base in owner.bases
        ):
            return True
        statements = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else [node.body]
        if statements and node.get_docstring() is not None:
            statements = statements[1:]
        if not statements:
            return True
        for statement in statements:
            if not isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                return False
            for small in statement.body:
                placeholder = (
                    (isinstance(small, cst.Expr) and isinstance(small.value, cst.Ellipsis))
                    or (isinstance(small, cst.Pass) and isinstance(owner, cst.ClassDef))
                    or (isinstance(small, cst.Raise) and small.exc is not None and _raised_name(small.exc) == "NotImplementedError")
                )
                if not placeholder:
                    return False
        return True


def _raised_name(node: cst.BaseExpression) -> str | None:
    """``NotImplementedError`` for ``raise NotImplementedError`` and ``raise NotImplementedError(...)``."""
    return dotted_name(node.func if isinstance(node, cst.Call) else node)


class AnyAnnotation(Rule):
    """RB303: ``Any`` as the declared type of a public function's parameter or return."""

    id = "RB303"
    name = "any-annotation"
    summary = "`typing.Any` as the type of a parameter or the return of a public function."
    why = (
        "`Any` switches type checking off for everything it touches; public APIs should say what they "
        "take and return. Only `Any` as the whole type counts (also `Optional[Any]`, `Any | None` and "
        "`'Any'`): inside a container (`dict[str, Any]` for a JSON payload, `type[Any]`) it is often "
        "the honest type. `*args: Any` and `**kwargs: Any` forward arguments and are exempt, as are "
        "dunder methods other than `__init__` (`__eq__(self, other: Any)`)."
    )
    bad = (
        Example("from typing import Any\n\ndef load(raw: Any) -> Any:\n    return raw\n", lines=(3, 3)),
        Example("import typing as t\n\ndef load(raw: str) -> t.Optional[t.Any]:\n    return raw\n", lines=(3,)),
        Example("from typing import Any\n\ndef load(raw: 'Any | None') -> None:\n    pass\n", lines=(3,)),
    )
    good = (
        Example("from typing import Any\n\ndef _load(raw: Any) -> None:\n    pass\n"),
        Example("from typing import Any\n\ndef load(raw: object) -> dict[str, Any]:\n    cache: Any = raw\n    return {}\n"),
        Example("from typing import Any\n\ndef wrapper(*args: Any, **kwargs: Any) -> None:\n    pass\n"),
        Example("from typing import Any\n\nclass Money:\n    def __eq__(self, other: Any) -> bool:\n        return False\n"),
    )
    peers = "Ruff ANN401 (the same: whole-type `Any`, `*args`/`**kwargs` exempt)"
    noqa = ("ANN401",)

    def visit_Annotation(self, node: cst.Annotation) -> None:
        """A parameter or return annotation of a public function that is ``Any`` as a whole."""
        scope = self.ctx.scope
        parent = self.ctx.parent()
        if scope is None or not scope.public or scope.in_function or not isinstance(scope.node, cst.FunctionDef):
            return
        function = scope.node.name.value
        if DUNDER_NAME.match(function) and function != "__init__":
            return
        if isinstance(parent, cst.FunctionDef):
            subject = f"`{function}` returns `Any`"
        elif isinstance(parent, cst.Param) and parent is not scope.node.params.star_arg and parent is not scope.node.params.star_kwarg:
            subject = f"parameter `{parent.name.value}` of `{function}` is typed `Any`"
        else:
            return
        if self._is_any(node.annotation):
            self.report(node.annotation, f"{subject}: name the real type (or `object` for anything)")

    def _is_any(self, node: cst.BaseExpression) -> bool:
        """``Any``, ``Optional[Any]``, ``Any | None``, or a string holding one of them."""
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            try:
                return isinstance(text, str) and self._is_any(cst.parse_expression(text))
            except cst.ParserSyntaxError:
                return False
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return self._is_any(node.left) or self._is_any(node.right)
        if isinstance(node, cst.Subscript) and self.ctx.imports.resolve(node.value) in OPTIONAL:
            return any(isinstance(element.slice, cst.Index) and self._is_any(element.slice.value) for element in node.slice)
        return self.ctx.imports.resolve(node) in ANY
