"""RB4xx: public code is documented, and long or complex functions explain themselves."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from itertools import accumulate

import libcst as cst

from reviewbot.checks.base import FileContext
from reviewbot.imports import dotted_name
from reviewbot.model import Example, Option, Rule

# The decorator of overload stubs.
OVERLOAD = frozenset({"typing.overload", "typing_extensions.overload", "overload"})
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
    summary = "A public module, class, function or method without a docstring."
    why = (
        "The agent was told to add detailed comments for all functions. A docstring is the comment "
        "readers, IDEs and `help()` see. Private names (leading underscore, also on an enclosing "
        "scope), nested functions, `@overload` stubs and dunder methods other than `__init__` are "
        "exempt; `__init__` may rely on the class docstring instead."
    )
    bad = (
        Example('"""Orders."""\n\ndef total(order: int) -> int:\n    return order\n', lines=(3,)),
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
    )
    peers = "Ruff D100-D107, pylint C0114-C0116, interrogate"

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """Public classes need a docstring."""
        scope = self.ctx.scope
        if scope is not None and scope.public and not scope.in_function and node.get_docstring() is None:
            self.report(node, f"public class `{node.name.value}` has no docstring", span=self.ctx.header_span(node), scope=node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Public functions and methods need a docstring."""
        if self._needs_docstring(node):
            message = f"public function `{node.name.value}` has no docstring"
            self.report(node, message, span=self.ctx.header_span(node), scope=node)

    def _needs_docstring(self, node: cst.FunctionDef) -> bool:
        """The exemptions: private or nested functions, dunders, ``@overload`` stubs."""
        scope = self.ctx.scope
        name = node.name.value
        if scope is None or not scope.public or scope.in_function or node.get_docstring() is not None:
            return False
        if DUNDER.match(name) and name != "__init__":
            return False
        # Overload stubs are documented once, on the implementation.
        if any((self.ctx.imports.resolve(d.decorator) or dotted_name(d.decorator)) in OVERLOAD for d in node.decorators):
            return False
        # A class docstring may describe the constructor instead.
        parent = scope.parent
        if name == "__init__" and parent is not None and isinstance(parent.node, cst.ClassDef):
            return parent.node.get_docstring() is None
        return True

    def finish(self) -> None:
        """The module's docstring."""
        ctx = self.ctx
        # ``_private.py`` is private; a package's ``__init__.py`` and ``__main__.py`` are not.
        basename = ctx.path.rpartition("/")[2]
        public = not basename.startswith("_") or basename in {"__init__.py", "__main__.py"}
        if ctx.module.body and public and ctx.module.get_docstring() is None:
            self.report(None, "public module has no docstring", span=(1, 0, 1, 0))


class LowCommentDensity(Rule):
    """RB402: (comment + docstring lines) / code lines of a long function."""

    id = "RB402"
    name = "low-comment-density"
    scope = "function"
    summary = "A long function with too few comment and docstring lines for its code lines."
    why = (
        "Long functions without comments make reviewers reverse-engineer intent. The density is "
        "(comment lines + docstring lines) / code lines of the body; a line with code and a trailing "
        "comment counts as a comment line."
    )
    bad = (
        Example("def busy() -> int:\n" + "".join(f"    v{i} = {i}\n" for i in range(10)) + "    return v9\n", lines=(1,)),
    )
    good = (
        Example(
            'def busy() -> int:\n    """Add things up."""\n    # Seed values, one per slot.\n'
            + "".join(f"    v{i} = {i}\n" for i in range(9))
            + "    return v8\n"
        ),
        Example("def short() -> int:\n    a = 1\n    return a\n"),
    )
    options = (
        Option("comments.min-lines", int, "RB402 applies to functions with at least this many code lines.", 10, minimum=1),
        Option("comments.min-density", float, "RB402: minimum (comment + docstring lines) / code lines.", 0.15, minimum=0),
    )
    peers = "none (radon reports raw ratios)"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.min_lines = int(ctx.options["comments.min-lines"])
        self.min_density = float(ctx.options["comments.min-density"])
        # Lines of the docstrings of every function and class left so far, sorted.
        self.docstrings: list[int] = []
        # Prefix sums of non-blank lines, built on first use.
        self._nonblank: list[int] | None = None

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        """A nested class's docstring counts for the function around it."""
        self._record_docstring(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Judge the density of the function just walked.

        Density = (comment lines + docstring lines) / code lines, where a line holding code and a
        trailing comment is a comment line, not a code line.
        """
        ctx = self.ctx
        first, last = body_lines(ctx, node)
        comments = comment_lines_between(ctx, first, last)
        self._record_docstring(node)
        # Nested functions' and classes' docstrings count as docstring lines too.
        docstring = bisect_right(self.docstrings, last) - bisect_left(self.docstrings, first)
        code = self._nonblank_lines(first, last) - comments - docstring
        if code >= self.min_lines and code > 0 and (comments + docstring) / code < self.min_density:
            density = (comments + docstring) / code
            message = (
                f"function `{node.name.value}` has {comments + docstring} comment/docstring lines for {code} code lines "
                f"(density {density:.2f} < {self.min_density:g})"
            )
            self.report(node, message, span=ctx.header_span(node), scope=node)

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


class UncommentedComplexLogic(Rule):
    """RB403: a function of high cyclomatic complexity without a comment line."""

    id = "RB403"
    name = "uncommented-complex-logic"
    scope = "function"
    summary = "A function of high cyclomatic complexity without a single comment line."
    why = (
        "Complex logic was to be commented. Complexity = 1 + each if/elif, for, while, except, case, "
        "conditional expression and comprehension for/if; boolean operators and nested functions "
        "are not counted."
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
        """Complex and silent: no comment line anywhere in the body."""
        complexity = self.complexity.pop()
        first, last = body_lines(self.ctx, node)
        if complexity >= self.max_silent and comment_lines_between(self.ctx, first, last) == 0:
            message = f"function `{node.name.value}` has complexity {complexity} and no comment"
            self.report(node, message, span=self.ctx.header_span(node), scope=node)


class UndocumentedConstant(Rule):
    """RB404: a module-level UPPER_CASE constant nobody explained."""

    id = "RB404"
    name = "undocumented-constant"
    summary = "A module-level UPPER_CASE constant with no comment beside or above it and no docstring below."
    why = "Constants are configuration in disguise: say what the value means and why it is what it is."
    bad = (Example('"""Limits."""\n\nMAX_RETRIES = 3\n', lines=(3,)),)
    good = (
        Example('"""Limits."""\n\n# Upstream allows three attempts per minute.\nMAX_RETRIES = 3\n'),
        Example('"""Limits."""\n\nMAX_RETRIES = 3  # upstream limit\nTIMEOUT = 5\n"""Seconds per request."""\n'),
    )
    peers = "none"

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        self.constants: list[tuple[cst.SimpleStatementLine, cst.Name]] = []

    def visit_Module(self, node: cst.Module) -> None:
        """Find UPPER_CASE assignments not followed by a string literal statement.

        Only the module's own body counts; comments are judged in ``finish``, when all are known.
        """
        body = node.body
        for index, statement in enumerate(body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            name = _constant_name(statement)
            if name is None:
                continue
            following = body[index + 1] if index + 1 < len(body) else None
            if not _is_string_statement(following):
                self.constants.append((statement, name))

    def finish(self) -> None:
        """A comment on any line of the statement, or on the line just above it, documents it."""
        comment_lines = set(self.ctx.comment_lines)
        for statement, name in self.constants:
            first, _, last, _ = self.ctx.span(statement)
            if not comment_lines.intersection(range(first - 1, last + 1)):
                self.report(name, f"constant `{name.value}` has no comment saying what it is", statement=statement)


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
