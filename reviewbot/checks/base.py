"""The rule API: ``Rule``, the per-file context the engine hands every rule, the project view of
project rules, and the base of shared analyses.

A rule (one class per rule, grouped by family in the modules of ``reviewbot/checks/``) reacts to
nodes through ``visit_<Node>`` / ``leave_<Node>`` methods, like a LibCST visitor, but all rules
share one walk of the file (see ``reviewbot.walk``). Rules never touch the file system, git or the
network: everything they need is in the ``FileContext`` or the ``ProjectView``, and of the run's
settings they see only ``RuleSettings``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from reviewbot.lazy import libcst as cst

from reviewbot.change import Change
from reviewbot.imports import ImportTable
from reviewbot.model import Example, Facts, Finding, Fix, Option, Project, Severity, Source
from reviewbot.scopes import Binding, Locals

if TYPE_CHECKING:
    from reviewbot.walk import Span, TreeWalk

# Any analysis class (``Rule.analysis``).
A = TypeVar("A")

# What a change must have done to a finding's code for changed-lines mode to report it:
ANCHORS = {
    "line": "one of the finding's own lines is added",
    "definition": "the function or class is the change's: new, or at least half of its lines added",
    "changed-definition": "a line of the function or class is added, or lines inside it removed",
    "path": "the call, or a function on the failure's path to its boundary, changed (a line added, or lines inside it removed)",
    "file": "the file changed",
    "change": "always: it judges the change as a whole",
}
# A rule's anchor when it declares none, by its scope.
SCOPE_ANCHORS = {"node": "line", "function": "changed-definition", "file": "file", "project": "change"}


class Rule:
    """One rule: its declaration (these class attributes) and, in a subclass, what it looks for.

    A subclass reacts to nodes with ``visit_<Node>`` / ``leave_<Node>`` methods, like a LibCST
    visitor (a method for a base class such as ``BaseSmallStatement`` sees every kind of it), and
    may report file-level findings in ``finish``. Every enabled rule shares one walk of the file
    (``reviewbot.walk``); state several rules need (the error-handling flow, say) is an analysis
    they name in ``needs``, made once per file. ``reviewbot explain``, the docs and the tests come
    from the declaration. Severity, agent quote and test-path policy are not here: packs give them
    (``rules/*.yml``), so teams and packs can differ without code changes.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    # Snippets the rule flags and does not flag: documentation, tests and fix round-trips.
    bad: ClassVar[tuple[Example, ...]] = ()
    good: ClassVar[tuple[Example, ...]] = ()
    # The config the examples are scanned with (the layers RB502's examples obey, say).
    example_config: ClassVar[dict[str, Any]] = {}
    fixable: ClassVar[bool] = False
    # ``stable``; ``preview`` (runs only when selected by its exact id); ``deprecated`` (still runs
    # as configured, and a config that names it hears so). See ``reviewbot.checks``.
    status: ClassVar[str] = "stable"
    # The rule's options, with their defaults.
    options: ClassVar[tuple[Option, ...]] = ()
    # Closest rules of other tools, for users migrating from them.
    peers: ClassVar[str] = ""
    # Codes of Ruff and flake8 for the same thing: a ``# noqa`` naming one, written for that tool,
    # silences this rule too (``T201`` -> RB601), and a Ruff configuration that ignores them all
    # turns the rule off (``reviewbot.conventions``).
    noqa: ClassVar[tuple[str, ...]] = ()
    # What a finding is about: a ``node`` (its lines), a whole ``function`` or class, the ``file``,
    # or the ``project``.
    scope: ClassVar[str] = "node"
    # What a change must have done for changed-lines mode to report a finding (``ANCHORS``); by
    # default the scope's: ``line`` for a node, ``changed-definition`` for a function, ``file``,
    # ``change`` for the project.
    anchor: ClassVar[str] = ""
    # Per-file analyses the rule reads (``reviewbot.checks.base.Analysis`` subclasses).
    needs: ClassVar[tuple[type, ...]] = ()
    # The ``Facts`` fields a project rule reads (``"imports"``, ``"calls"``, ``"names"``...):
    # phase 1 gathers the optional ones, and reads files no other rule needs, only when a selected
    # rule asks for them.
    facts: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "anchor" not in vars(cls):
            cls.anchor = SCOPE_ANCHORS[cls.scope]

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        self.ctx = ctx
        # The analyses of this file, by class (``needs`` says which exist).
        self.analyses = analyses

    def analysis(self, kind: type[A]) -> A:
        """The file's ``kind`` analysis (named in ``needs``)."""
        found = self.analyses[kind]
        assert isinstance(found, kind)
        return found

    def report(
        self,
        node: cst.CSTNode | None,
        message: str,
        *,
        span: Span | None = None,
        fix: Fix | None = None,
        statement: cst.CSTNode | None = None,
        scope: cst.CSTNode | None = None,
    ) -> None:
        """Record a finding of this rule at ``node`` (see ``FileContext.report``)."""
        self.ctx.report(self.id, node, message, span=span, fix=fix, statement=statement, scope=scope)

    def finish(self) -> None:
        """Called once after the walk; report file-level findings here."""


class SpecView(Protocol):
    """A rule as the run configures it (``reviewbot.packs.RuleSpec`` is one)."""

    @property
    def rule(self) -> type[Rule]:
        """The rule's class."""

    @property
    def severity(self) -> Severity:
        """Its severity in this run."""

    @property
    def quote(self) -> str | None:
        """The agent sentence it enforces."""


class RuleSettings(Protocol):
    """What rules see of the run's settings (``reviewbot.config.Settings`` is one)."""

    @property
    def options(self) -> dict[str, Any]:
        """Rule options by config key (``comments.min-lines``)."""

    @property
    def project(self) -> Project:
        """The repository's root packages."""

    @property
    def digest(self) -> str:
        """A digest of everything that decides the findings (a cache key for derived state)."""

    @property
    def specs(self) -> Mapping[str, SpecView]:
        """Every configured rule by id."""

    @property
    def sources(self) -> Mapping[str, tuple[Source, ...]]:
        """The agent-file bullets that enable rules, by rule id."""

    def source_for(self, rule: str, path: str) -> Source | None:
        """The bullet that enables ``rule`` for ``path``, if one does."""


def make_finding(settings: RuleSettings, rule: str, path: str, span: Span, message: str, fix: Fix | None = None) -> Finding:
    """A finding with its name, severity and agent quote from the settings.

    ``span`` is LibCST's (1-based lines, 0-based columns, exclusive end); findings are 1-based in
    both, the end column still exclusive, as SARIF and editors expect. The fingerprint is added
    by ``engine.finalize``.
    """
    spec = settings.specs[rule]
    line, column, end_line, end_column = span
    # Enabled by the repository's own agent file: that bullet is the quote, and its place the source.
    source = settings.source_for(rule, path) if settings.sources else None
    return Finding(
        rule=rule,
        name=spec.rule.name,
        severity=spec.severity,
        path=path,
        line=line,
        column=column + 1,
        end_line=end_line,
        end_column=end_column + 1,
        message=message,
        quote=source.text if source is not None else spec.quote,
        fix=fix,
        source=(source.path, source.line) if source is not None else None,
    )


@dataclass
class RawFinding:
    """A finding before positions, severity and suppressions are applied."""

    rule: str
    node: cst.CSTNode | None
    message: str
    span: Span | None
    fix: Fix | None
    statement: cst.CSTNode | None
    # The function or class a whole-scope finding is about.
    scope: cst.CSTNode | None = None


@dataclass
class Scope:
    """A function or class the walk is inside; ``public`` covers the enclosing scopes too."""

    node: cst.FunctionDef | cst.ClassDef
    public: bool
    # True for anything defined (at any depth) inside a function body.
    in_function: bool
    # The scope directly enclosing this one, ``None`` at module level.
    parent: Scope | None
    # What a function binds (``None`` for a class), and so which imports it shadows.
    locals: Locals | None = None


def is_public_name(name: str) -> bool:
    """No leading underscore, or a dunder name (``__init__`` is part of the public API)."""
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


# A docstring saying its function ignores failures on purpose ("Best effort: never raises.",
# "Errors are logged and ignored."), which justifies its handlers that do (RB203, RB204): ignoring,
# suppressing or swallowing errors, exceptions or failures, best effort, never raising, failing
# silently. Words about anything else that is ignored ("Ignores blank lines") do not count.
IGNORES_ERRORS = re.compile(
    r"\b(?:best[- ]effort"
    r"|never (?:raises?|throws?|fails?)"
    r"|(?:does not|doesn't|will not|won't|must not|should not) (?:raise|throw|fail)"
    r"|without raising"
    r"|fail(?:s|ing)? silently|silently (?:fail|ignor|swallow|skip|discard)\w*"
    r"|(?:ignor|suppress|swallow|discard)\w* (?:\w+ ){0,3}(?:errors?|exceptions?|failures?)"
    r"|(?:errors?|exceptions?|failures?) (?:\w+ ){0,5}(?:ignored|suppressed|swallowed|discarded))\b",
    re.IGNORECASE,
)


class FileContext:
    """Everything a check may know about the file being scanned."""

    def __init__(
        self,
        path: str,
        module: cst.Module,
        lines: list[str],
        settings: RuleSettings,
        walk: TreeWalk,
    ) -> None:
        self.path = path
        self.module = module
        self.lines = lines
        # Rule options by config key (``comments.min-lines``), from the packs and the config.
        self.options = settings.options
        self.project: Project = settings.project
        # The file's dotted module name when it lies inside a root package (relative imports).
        self.module_name = self.project.module_name(path)
        self.walk = walk
        package = None
        if self.module_name is not None:
            is_package = path.endswith("/__init__.py") or path == "__init__.py"
            package = self.module_name if is_package else self.module_name.rpartition(".")[0]
        self.imports = ImportTable(package)
        # ``pkg/_internal.py``, ``pkg/_compat/x.py``: nothing in a private module is public API.
        self.private_module = any(part.startswith("_") and part not in ("__init__.py", "__main__.py") for part in path.split("/"))
        # Every name the module binds, with what (``scopes.bindings_of``); the engine fills it.
        self.module_bindings: dict[str, list[Binding]] = {}
        self.scopes: list[Scope] = []
        # Line of every comment written for readers (not ``# noqa``, ``# type: ignore``...), in
        # source order; a line holds at most one comment.
        self.comment_lines: list[int] = []
        # (line, text) of comments that may be suppressions.
        self.suppressions: list[tuple[int, str]] = []
        self.findings: list[RawFinding] = []

    @property
    def scope(self) -> Scope | None:
        """The innermost function or class, ``None`` at module level."""
        return self.scopes[-1] if self.scopes else None

    def parent(self, depth: int = 1) -> cst.CSTNode | None:
        """The ancestor ``depth`` levels above the node being entered or left."""
        stack = self.walk.stack
        return stack[-1 - depth] if len(stack) > depth else None

    def span(self, node: cst.CSTNode) -> Span:
        """The node's syntactic span; valid once the walk has left the node."""
        return self.walk.spans[id(node)]

    def header_span(self, node: cst.FunctionDef | cst.ClassDef | cst.ExceptHandler | cst.ExceptStarHandler) -> Span:
        """From the keyword to the colon: ``def f(a, b) -> int:`` without the body."""
        start = self.walk.spans[id(node)]
        colon = self.walk.spans[id(node.whitespace_before_colon)]
        return (start[0], start[1], colon[2], colon[3] + 1)

    def report(
        self,
        rule: str,
        node: cst.CSTNode | None,
        message: str,
        *,
        span: Span | None = None,
        fix: Fix | None = None,
        statement: cst.CSTNode | None = None,
        scope: cst.CSTNode | None = None,
    ) -> None:
        """Record a finding at ``node`` (or at an explicit ``span``).

        ``scope`` names the function or class the finding is about as a whole (a missing
        docstring, say), so that changed-lines mode can keep it when any line of it changed.
        """
        if statement is None:
            statement = self.statement()
        self.findings.append(RawFinding(rule, node, message, span, fix, statement, scope))

    def explained(self, handler: cst.ExceptHandler | cst.ExceptStarHandler, *, body: bool = True, try_body: bool = True) -> bool:
        """Whether the author wrote down why a handler ignores the error: a handler that says so is
        a decision, not an oversight. Called when the walk leaves the handler.

        The reason may be a comment on the ``except`` line or in the handler's body, a comment in
        the body of its ``try`` (from the ``try:`` line to the first ``except``), or the docstring
        of the function around it when that says errors are ignored on purpose
        (``IGNORES_ERRORS``). ``body=False`` leaves out the comments of the handler's body, which
        may explain the case it handles rather than the ones it lets through (RB206);
        ``try_body=False`` those of the ``try`` body, which explain what the code tries (RB207).
        """
        first, _, last, _ = self.walk.spans[id(handler)]
        if not body:
            last = self.walk.spans[id(handler.whitespace_before_colon)][2]
        if self.has_comment(first, last):
            return True
        for ancestor in reversed(self.walk.stack) if try_body else ():
            if isinstance(ancestor, (cst.Try, cst.TryStar)) and any(item is handler for item in ancestor.handlers):
                # From the ``try:`` line (the ``try`` itself has no span until the walk leaves it).
                start = self.walk.spans[id(ancestor.whitespace_before_colon)][0]
                if self.has_comment(start, self.walk.spans[id(ancestor.handlers[0])][0] - 1):
                    return True
                break
        scope = self.scope
        if scope is None or not isinstance(scope.node, cst.FunctionDef):
            return False
        docstring = scope.node.get_docstring()
        return docstring is not None and IGNORES_ERRORS.search(docstring) is not None

    def has_comment(self, first: int, last: int) -> bool:
        """Whether a comment written for readers lies on lines ``first`` to ``last`` (inclusive)."""
        lines = self.comment_lines
        return bisect_right(lines, last) > bisect_left(lines, first)

    def statement(self) -> cst.CSTNode | None:
        """The innermost statement around the node being walked (its first line takes suppressions
        for findings anywhere inside it)."""
        statements = (cst.SimpleStatementLine, cst.BaseCompoundStatement, cst.ExceptHandler, cst.ExceptStarHandler)
        for ancestor in reversed(self.walk.stack):
            if isinstance(ancestor, statements):
                return ancestor
        return None


class Analysis:
    """Per-file state several rules read, kept up to date by ``visit_``/``leave_`` methods.

    The engine makes one per file for the rules that name it in ``needs``. Its ``visit_``
    callbacks run before the rules' and its ``leave_`` callbacks after them, so on entering a node
    the rules see the state inside it, and on leaving one they still do.
    """

    # Analyses this one reads: the engine makes them first and passes them, by class, to ``__init__``.
    needs: ClassVar[tuple[type[Analysis], ...]] = ()

    def __init__(self, ctx: FileContext, analyses: dict[type, object] | None = None) -> None:
        self.ctx = ctx

    def facts(self) -> dict[str, Any]:
        """``Facts`` fields this analysis fills for the project phase (by field name)."""
        return {}


class History(Protocol):
    """The revisions around a change, for the project rules that compare with them.

    Only files that mention one of ``words`` (as a word, ``git grep -w``) are read, through phase 1
    and its cache, so a question about three modules never parses the whole repository.
    """

    def base(self, words: Iterable[str], wanted: Callable[[str], bool]) -> dict[str, Facts] | None:
        """Facts of the base revision's Python files for which ``wanted(path)`` holds and which
        mention a word; ``None`` when the base revision is not in this clone."""

    def head_tests(self, words: Iterable[str]) -> dict[str, Facts]:
        """Facts of the new side's test files that mention a word."""

    def mentions(self, *words: str) -> list[str]:
        """The new side's Python files that mention one of ``words``."""

    def head(self, paths: Iterable[str]) -> dict[str, Facts]:
        """Facts of those of ``paths`` that exist on the new side."""

    def read_on_head(self) -> dict[str, Facts]:
        """Every new-side file's facts read so far (their suppressions count for the findings in them)."""


@dataclass(frozen=True)
class ProjectView:
    """What the project phase knows: every scanned file's facts, the change (``None`` outside
    changed-lines mode), the settings and, in changed-lines mode, the revisions around the change.
    Never a tree: project rules cost no parse of the files they were given."""

    files: dict[str, Facts]
    change: Change | None
    settings: RuleSettings
    history: History | None = None


class ProjectRule(Rule):
    """A rule over the whole project or change (phase 2), run once per scan after every file's phase 1.

    Subclasses implement ``check`` and report with ``report_at``. Findings go through the same
    change filter, baseline and report as the others; ``# noqa`` comments do not reach them
    (the project phase reads facts, not comments).
    """

    scope = "project"

    def __init__(self, project: ProjectView) -> None:
        self.project = project
        self.found: list[Finding] = []

    def check(self) -> None:
        """Look at the facts and the change; call ``report_at`` for each finding."""
        raise NotImplementedError

    @classmethod
    def silence(cls, settings: RuleSettings, scan: Callable[[Callable[[str], bool]], dict[str, Facts]]) -> str | None:
        """Why the rule cannot report anything in this repository (``reviewbot agents`` shows it),
        or ``None``. ``scan(wanted)`` gives the facts of the repository's files ``wanted`` accepts."""
        return None

    def report_at(self, path: str, line: int, message: str, scope: tuple[int, int] | None = None) -> None:
        """A finding of this rule at the start of ``line`` of ``path``; ``scope``: the first and
        last line of the function it is about (see ``Finding.scope``)."""
        self.found.append(replace(make_finding(self.project.settings, self.id, path, (line, 0, line, 0), message), scope=scope))

    def added(self, path: str, line: int) -> bool:
        """Whether ``line`` of ``path`` is new in the change (always, outside changed-lines mode)."""
        change = self.project.change
        return change is None or (path in change.files and line in change.files[path].added)


def is_builtin(ctx: FileContext, node: cst.BaseExpression, names: frozenset[str]) -> str | None:
    """The builtin ``node`` names (one of ``names``), unless the file imports or binds that name."""
    if not isinstance(node, cst.Name) or node.value not in names:
        return None
    name = node.value
    scope = ctx.imports.scope
    if name in ctx.imports.names or name in ctx.module_bindings or (scope is not None and scope.binds(name)):
        return None
    return name


def is_literal(node: cst.BaseExpression) -> bool:
    """A string (or list/tuple of strings) written out in full: nothing in it is computed at run time."""
    if isinstance(node, cst.SimpleString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_literal(node.left) and is_literal(node.right)
    if isinstance(node, cst.FormattedString):
        return all(isinstance(part, cst.FormattedStringText) for part in node.parts)
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(isinstance(element, cst.Element) and is_literal(element.value) for element in node.elements)
    return False


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    """The value of keyword argument ``name`` of ``call``, if it is passed."""
    return next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def argument(call: cst.Call, index: int, name: str) -> cst.BaseExpression | None:
    """Argument ``index`` (0-based) of ``call``, passed by position or as keyword ``name``."""
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index] if index < len(positional) else keyword(call, name)


def bindings_in_scope(ctx: FileContext, name: str) -> list[Binding]:
    """What ``name`` is bound to where the walk is: the innermost function binding it, else the module."""
    scope = ctx.imports.scope
    while scope is not None:
        if name in scope.bindings:
            return scope.bindings[name]
        scope = scope.parent
    return ctx.module_bindings.get(name, [])


def is_constant(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """A literal, or a name every binding of which is a literal (``CMD = "make all"``)."""
    if isinstance(node, cst.Name) and node.value not in ctx.imports.names:
        bindings = bindings_in_scope(ctx, node.value)
        return bool(bindings) and all(binding.value is not None and is_literal(binding.value) for binding in bindings)
    return is_literal(node)
