"""RB4xx: public code is documented, and long or complex functions explain themselves."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right, insort
from itertools import accumulate

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, Rule
from reviewbot.escape import code
from reviewbot.imports import dotted_name
from reviewbot.model import Example, Option

# Decorators of methods documented elsewhere: overload stubs (on the implementation) and
# overrides (on the method they override).
UNDOCUMENTED_DECORATORS = frozenset(
    {"typing.overload", "typing_extensions.overload", "overload", "typing.override", "typing_extensions.override", "override"}
)
# Calls that declare a type rather than a value (RB404).
TYPE_DECLARATIONS = frozenset({"TypeVar", "NewType", "ParamSpec", "TypeVarTuple", "TypeAliasType", "NamedTuple", "TypedDict"})
# Nested classes that configure the class around them (Django, pydantic, Django forms).
CONFIG_CLASSES = ("Meta", "Config", "Media")
# `__eq__` and friends: documented by the language, exempt from RB401 (except `__init__`).
DUNDER = re.compile(r"__\w+__\Z")


def comment_lines_between(ctx: FileContext, first: int, last: int) -> int:
    """Comment lines from ``first`` to ``last`` (inclusive); ``ctx.comment_lines`` is sorted."""
    lines = ctx.comment_lines
    return bisect_right(lines, last) - bisect_left(lines, first)


def body_lines(ctx: FileContext, node: cst.FunctionDef) -> tuple[int, int]:
    """First and last line of a function's body: from the line after ``def ...:`` to its end."""
    return ctx.header_span(node)[2] + 1, ctx.span(node)[2]


class MissingDocstring(Rule):
    """RB401: public modules, classes and functions have a docstring."""

    id = "RB401"
    name = "missing-docstring"
    scope = "function"
    anchor = "definition"
    summary = "A public module, class, function or method without a docstring."
    why = (
        "The agent was told to add detailed comments for all functions. A docstring is the comment "
        "readers, IDEs and `help()` see. Private names (leading underscore, also on an enclosing "
        "scope), nested functions, `@overload` stubs and dunder methods other than `__init__` are "
        "exempt; `__init__` may rely on the class docstring instead."
    )
    bad = (
        Example('"""Orders."""\n\ndef total(order: int) -> int:\n    return order\n', lines=(3,)),
        Example('"""Orders."""\n\nclass Order:\n    """An order."""\n\n    class Line:\n        pass\n', lines=(6,)),
        Example('"""Orders."""\n\nclass Order:\n    def __init__(self) -> None:\n        pass\n', lines=(3, 4)),
        Example("import os\n", lines=(1,)),
    )
    good = (
        Example('"""Orders."""\n\ndef _total(order: int) -> int:\n    return order\n'),
        Example(
            '"""Orders."""\n\nclass Order:\n    """An order."""\n\n    def __init__(self) -> None:\n        pass\n\n'
            "    def __repr__(self) -> str:\n        return 'Order()'\n"
        ),
        Example(""),
        Example(
            '"""Orders."""\n\nclass Order:\n    """An order."""\n\n    class Meta:\n        ordering = ["id"]\n\n'
            '    @property\n    def total(self) -> int:\n        """The sum of the lines."""\n        return 0\n\n'
            "    @total.setter\n    def total(self, value: int) -> None:\n        pass\n"
        ),
        Example(
            '"""Orders."""\nfrom typing import override\n\nclass Order(Base):\n    """An order."""\n\n'
            "    @override\n    def save(self) -> None:\n        pass\n"
        ),
    )
    peers = "Ruff D100-D107, pylint C0114-C0116, interrogate"
    noqa = ("D100", "D101", "D102", "D103", "D104", "D105", "D106", "D107")

    options = (
        Option("comments.config-classes", list, "RB401: nested classes that configure their enclosing class (Django's `Meta`, pydantic's `Config`).", CONFIG_CLASSES),
    )

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """Public classes need a docstring; a nested configuration class (``class Meta:``) does not."""
        scope = self.ctx.scope
        if scope is None or not scope.public or scope.in_function or node.get_docstring() is not None:
            return
        if scope.parent is not None and node.name.value in self.ctx.options["comments.config-classes"]:
            return
        self.report(node, f"public class `{node.name.value}` has no docstring: add one saying what it represents", span=self.ctx.header_span(node), scope=node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Public functions and methods need a docstring."""
        if self._needs_docstring(node):
            message = f"public function `{node.name.value}` has no docstring: add one saying what it does"
            self.report(node, message, span=self.ctx.header_span(node), scope=node)

    def _needs_docstring(self, node: cst.FunctionDef) -> bool:
        """The exemptions: private or nested functions, dunders, ``@overload`` stubs."""
        scope = self.ctx.scope
        name = node.name.value
        if scope is None or not scope.public or scope.in_function or node.get_docstring() is not None:
            return False
        if DUNDER.match(name) and name != "__init__":
            return False
        for decorator in node.decorators:
            expression = decorator.decorator
            # Overload stubs are documented once, on the implementation; an override by the
            # method it overrides.
            if (self.ctx.imports.resolve(expression) or dotted_name(expression)) in UNDOCUMENTED_DECORATORS:
                return False
            # ``@total.setter`` / ``@total.deleter``: the property's getter holds the docstring.
            if isinstance(expression, cst.Attribute) and expression.attr.value in ("setter", "deleter"):
                return False
        # A class docstring may describe the constructor instead.
        parent = scope.parent
        if name == "__init__" and parent is not None and isinstance(parent.node, cst.ClassDef):
            return parent.node.get_docstring() is None
        return True

    def finish(self) -> None:
        """The module's docstring."""
        ctx = self.ctx
        # ``_private.py`` and everything under ``_private/`` is private; ``__init__.py`` and
        # ``__main__.py`` are not.
        if ctx.module.body and not ctx.private_module and ctx.module.get_docstring() is None:
            # A path that is no module name may hold backticks: fenced so that it cannot end its quote.
            self.report(None, f"public module {code(ctx.module_name or ctx.path)} has no docstring: add one at the top saying what it holds", span=(1, 0, 1, 0), scope=ctx.module)


class LowCommentDensity(Rule):
    """RB402: (comment + docstring lines) / code lines of a long function."""

    id = "RB402"
    name = "low-comment-density"
    scope = "function"
    anchor = "definition"
    summary = "A long function with too few comment and docstring lines for its code lines."
    why = (
        "Long functions without comments make reviewers reverse-engineer intent. The density is "
        "(comment lines + docstring lines) / code lines of the body; a line with code and a trailing "
        "comment counts as a comment line. A line belongs to the innermost function holding it: a "
        "nested function's lines and comments are its own. Lines wholly inside a multi-line literal "
        "of constants (a table, a long string) are data, not code."
    )
    bad = (
        Example("def busy() -> int:\n" + "".join(f"    v{i} = {i}\n" for i in range(25)) + "    return v24\n", lines=(1,)),
    )
    good = (
        Example(
            'def busy() -> int:\n    """Add things up."""\n    # Seed values, one per slot.\n'
            + "".join(f"    v{i} = {i}\n" for i in range(12))
            + "    # The second half mirrors the first.\n"
            + "".join(f"    w{i} = {i}\n" for i in range(12))
            + "    # The last slot holds the total.\n    return v11\n"
        ),
        Example("def short() -> int:\n    a = 1\n    return a\n"),
        Example(
            "def codes() -> dict[str, int]:\n    table = {\n" + "".join(f"        'k{i}': {i},\n" for i in range(12)) + "    }\n    return table\n"
        ),
        Example(
            'def outer() -> None:\n    """Run the helper."""\n    def helper() -> None:\n        """Ten lines, documented."""\n        # One value per slot.\n'
            + "".join(f"        v{i} = {i}\n" for i in range(10))
            + "    helper()\n"
        ),
    )
    options = (
        Option("comments.min-lines", int, "RB402 applies to functions with at least this many code lines.", 25, minimum=1),
        Option("comments.min-density", float, "RB402: minimum (comment + docstring lines) / code lines.", 0.15, minimum=0),
    )
    peers = "none (radon reports raw ratios)"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.min_lines = int(ctx.options["comments.min-lines"])
        self.min_density = float(ctx.options["comments.min-density"])
        # Lines of the docstrings of every function and class left so far, sorted.
        self.docstrings: list[int] = []
        # Lines wholly inside multi-line literals of constants.
        self.data: set[int] = set()
        # The file's comment lines as a set, made once.
        self._comments: set[int] | None = None
        # Per function being walked: the line ranges of the functions nested in it.
        self.nested: list[list[tuple[int, int]]] = []
        # Prefix sums of non-blank lines, built on first use.
        self._nonblank: list[int] | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """A new function: no nested function seen yet."""
        self.nested.append([])

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """A nested class's docstring counts for the function around it."""
        self._record_docstring(node)

    def on_literal(self, node: cst.BaseExpression) -> None:
        """A multi-line literal of constants: the lines wholly inside it are data."""
        if not self.nested:
            return
        first, _, last, _ = self.ctx.span(node)
        if last - first >= 2 and _constant(node):
            self.data.update(range(first + 1, last))

    leave_List = leave_Tuple = leave_Set = leave_Dict = leave_SimpleString = leave_ConcatenatedString = on_literal

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Judge the density of the function just walked, without its nested functions."""
        ctx = self.ctx
        first, last = body_lines(ctx, node)
        self._record_docstring(node)
        nested = self.nested.pop()
        if self.nested:
            start = ctx.span(node.decorators[0] if node.decorators else node)[0]
            self.nested[-1].append((start, ctx.span(node)[2]))
        comments = docstring = code = 0
        for low, high in _without(first, last, nested):
            lines_here = comment_lines_between(ctx, low, high)
            docs_here = bisect_right(self.docstrings, high) - bisect_left(self.docstrings, low)
            data_here = self._data_lines(low, high)
            comments += lines_here
            docstring += docs_here
            code += self._nonblank_lines(low, high) - lines_here - docs_here - data_here
        if code >= self.min_lines and code > 0 and (comments + docstring) / code < self.min_density:
            density = (comments + docstring) / code
            needed = max(1, math.ceil(self.min_density * code) - comments - docstring)
            message = (
                f"function `{node.name.value}` has {comments + docstring} comment/docstring lines for {code} code lines "
                f"(density {density:.3f} < {self.min_density:g}): add about {needed} comment line{'s' if needed > 1 else ''} explaining its steps"
            )
            self.report(node, message, span=ctx.header_span(node), scope=node)

    def _data_lines(self, low: int, high: int) -> int:
        """Non-blank lines from ``low`` to ``high`` inside literals, not counting comment or docstring lines."""
        if not self.data:
            return 0
        if self._comments is None:
            self._comments = set(self.ctx.comment_lines)
        docstring_lines = set(self.docstrings[bisect_left(self.docstrings, low) : bisect_right(self.docstrings, high)])
        return sum(
            1
            for line in range(low, high + 1)
            if line in self.data and line not in self._comments and line not in docstring_lines and self.ctx.lines[line - 1].strip()
        )

    def _record_docstring(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """Add the lines of the node's docstring, if it has one, to the sorted docstring lines."""
        if node.get_docstring() is None or not isinstance(node.body, cst.IndentedBlock):
            return
        first, _, last, _ = self.ctx.span(node.body.body[0])
        for line in range(first, last + 1):
            insort(self.docstrings, line)

    def _nonblank_lines(self, first: int, last: int) -> int:
        """Non-blank lines between ``first`` and ``last``, from prefix sums built once per file."""
        if self._nonblank is None:
            self._nonblank = [0, *accumulate(1 if line.strip() else 0 for line in self.ctx.lines)]
        last = min(last, len(self._nonblank) - 1)
        return max(0, self._nonblank[last] - self._nonblank[first - 1]) if first <= last else 0


def _without(first: int, last: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The line ranges from ``first`` to ``last`` outside the (sorted, disjoint) ``holes``."""
    ranges = []
    for low, high in sorted(holes):
        if low > first:
            ranges.append((first, low - 1))
        first = max(first, high + 1)
    if first <= last:
        ranges.append((first, last))
    return ranges


def _constant(node: cst.BaseExpression) -> bool:
    """A literal made only of constants: numbers, strings, ``True``/``False``/``None``, and
    lists, tuples, sets and dicts of them."""
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Minus) and _constant(node.expression)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _constant(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _constant(e.key) and _constant(e.value) for e in node.elements)
    return False


class UncommentedComplexLogic(Rule):
    """RB403: a function of high cyclomatic complexity without a comment line."""

    id = "RB403"
    name = "uncommented-complex-logic"
    scope = "function"
    anchor = "definition"
    summary = "A function of high cyclomatic complexity without a docstring or a single comment line."
    why = (
        "Complex logic was to be commented. Complexity = 1 + each if/elif, for, while, except, case, "
        "conditional expression and comprehension for/if; boolean operators and nested functions "
        "are not counted. A docstring, a comment in the body or a comment on the line above the `def` "
        "explains it."
    )
    bad = (
        Example(
            "def grade(n: int) -> str:\n"
            + "".join(f"    if n == {i}:\n        return '{i}'\n" for i in range(9))
            + "    return 'x'\n",
            lines=(1,),
        ),
    )
    good = (
        Example(
            "def grade(n: int) -> str:\n    # One branch per grade; tables come later.\n"
            + "".join(f"    if n == {i}:\n        return '{i}'\n" for i in range(9))
            + "    return 'x'\n"
        ),
    )
    options = (Option("comments.max-silent-complexity", int, "RB403: complexity from which a function needs a comment.", 10, minimum=1),)
    peers = "Ruff C901 (complexity alone)"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.max_silent = int(ctx.options["comments.max-silent-complexity"])
        # The complexity of each function being walked, innermost last.
        self.complexity: list[int] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Start counting this function's complexity."""
        self.complexity.append(1)

    def on_branch(self, node: cst.CSTNode) -> None:
        """One more decision point in the current function."""
        if self.complexity:
            self.complexity[-1] += 1

    # Each of these nodes adds one to the complexity.
    visit_If = visit_For = visit_While = visit_ExceptHandler = visit_ExceptStarHandler = on_branch
    visit_MatchCase = visit_IfExp = visit_CompFor = visit_CompIf = on_branch

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Complex and silent: no docstring, no comment in the body, none on the line above the ``def``."""
        complexity = self.complexity.pop()
        if complexity < self.max_silent or node.get_docstring() is not None:
            return
        last = self.ctx.span(node)[2]
        above = self.ctx.span(node.decorators[0] if node.decorators else node)[0] - 1
        if comment_lines_between(self.ctx, above, last) == 0:
            message = f"function `{node.name.value}` has complexity {complexity} and no comment: say why its branches are there"
            self.report(node, message, span=self.ctx.header_span(node), scope=node)


class UndocumentedConstant(Rule):
    """RB404: a module-level UPPER_CASE constant nobody explained."""

    id = "RB404"
    name = "undocumented-constant"
    summary = "A module-level UPPER_CASE constant with no comment beside or above it and no docstring below."
    why = (
        "Constants are configuration in disguise: say what the value means and why it is what it is. "
        "A comment heading a run of assignments documents the run. Private names (`_SENTINEL`), type "
        "declarations (`T = TypeVar('T')`) and names assigned more than once (switches) are not constants to explain."
    )
    bad = (
        Example('"""Limits."""\n\nMAX_RETRIES = 3\n', lines=(3,)),
        Example('"""Limits."""\n\n# HTTP status codes we retry on.\nTOO_MANY = 429\n\nPAGE_SIZE = 50\n', lines=(6,)),
    )
    good = (
        Example('"""Limits."""\n\n# Upstream allows three attempts per minute.\nMAX_RETRIES = 3\n'),
        Example('"""Limits."""\n\n# HTTP status codes we retry on.\nTOO_MANY = 429\nUNAVAILABLE = 503\nGATEWAY_TIMEOUT = 504\n'),
        Example('"""Limits."""\n\nMAX_RETRIES = 3  # upstream limit\nTIMEOUT = 5\n"""Seconds per request."""\n'),
    )
    peers = "none"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.constants: list[tuple[cst.SimpleStatementLine, cst.Name]] = []
        # Last line -> first line of each module-level assignment, filled after the walk.
        self.assignment_ends: dict[int, int] = {}
        self.assignments: list[cst.SimpleStatementLine] = []

    def visit_Module(self, node: cst.Module) -> None:
        """Find UPPER_CASE assignments not followed by a string literal statement.

        Only the module's own body counts; comments are judged in ``finish``, when all are known.
        """
        body = node.body
        # A name bound more than once at module level (``ENABLED = True`` then ``ENABLED = False``
        # in an ``except ImportError``) is a switch, not a constant.
        bound = self.ctx.module_bindings
        for index, statement in enumerate(body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            if any(isinstance(small, (cst.Assign, cst.AnnAssign)) for small in statement.body):
                self.assignments.append(statement)
            name = _constant_name(statement)
            if name is None or name.value.startswith("_") or len(bound.get(name.value, ())) > 1 or self._declares_type(statement):
                continue
            following = body[index + 1] if index + 1 < len(body) else None
            if not _is_string_statement(following):
                self.constants.append((statement, name))

    def _declares_type(self, statement: cst.SimpleStatementLine) -> bool:
        """``T = TypeVar("T")`` and its kin name a type, they hold no value to explain."""
        for small in statement.body:
            value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
            if isinstance(value, cst.Call) and (self.ctx.imports.resolve(value.func) or dotted_name(value.func) or "").rpartition(".")[2] in TYPE_DECLARATIONS:
                return True
        return False

    def finish(self) -> None:
        """A comment on any line of the statement, or on the line just above it, documents it; so
        does a comment directly above a run of assignments it belongs to (no blank line between)."""
        comment_lines = set(self.ctx.comment_lines)
        for assignment in self.assignments:
            start, _, end, _ = self.ctx.span(assignment)
            self.assignment_ends[end] = start
        for statement, name in self.constants:
            first, _, last, _ = self.ctx.span(statement)
            if comment_lines.intersection(range(first - 1, last + 1)):
                continue
            # Up the run of assignments that ends right above this one, to the line above the run.
            while first - 1 in self.assignment_ends:
                first = self.assignment_ends[first - 1]
            heading = first - 1 in comment_lines and self.ctx.lines[first - 2].lstrip().startswith("#")
            if not heading:
                self.report(name, f"constant `{name.value}` has no comment saying what it is: add one above or beside it", statement=statement)


def _constant_name(statement: cst.SimpleStatementLine) -> cst.Name | None:
    """The first UPPER_CASE name a line assigns (``A = 1``, ``A: int = 1``, ``A, b = ...``, ``x = 1; A = 2``)."""
    targets: list[cst.BaseExpression] = []
    for small in statement.body:
        if isinstance(small, cst.Assign):
            targets.extend(target.target for target in small.targets)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            # ``A: int`` alone declares a type, it assigns nothing.
            targets.append(small.target)
    # Unpack tuple and list targets breadth-first.
    while targets:
        target = targets.pop(0)
        if isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(element.value for element in target.elements)
        elif isinstance(target, cst.Name) and _is_upper_case(target.value):
            return target
    return None


def _is_upper_case(name: str) -> bool:
    """``MAX_RETRIES``, ``_LIMIT``, ``ÄB``: letters all upper case, at least one letter."""
    return name.upper() == name and any(character.isalpha() for character in name)


def _is_string_statement(statement: cst.BaseStatement | None) -> bool:
    """A bare string literal statement: the conventional "docstring" of a constant."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    first = statement.body[0]
    return isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString))
