"""Phase 1 for one file: decode, parse once, walk once with every rule, suppress, fingerprint.

``scan_file`` is pure (bytes and settings in, findings and facts out) so that files can be
scanned in worker processes and cached; ``reviewbot.session`` does the reading.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from reviewbot.lazy import libcst as cst

from reviewbot.checks import RULES
from reviewbot.checks.architecture import direct_calls, is_route
from reviewbot.checks.base import Analysis, FileContext, ProjectRule, Rule, RuleSettings, Scope, is_public_name, make_finding
from reviewbot.checks.meta import INTERNAL_ERROR, UNPARSABLE, UNREADABLE, UNUSED_SUPPRESSION
from reviewbot.imports import dotted_name
from reviewbot.model import Facts, FileResult, Finding, Fix
from reviewbot.scopes import Binding, bindings_of, function_locals, target_names
from reviewbot.source import (
    Unreadable,
    cpython_syntax_error,
    decode,
    is_generated,
    split_lines,
    syntax_error_position,
    too_deep_to_parse,
)
from reviewbot.suppress import Noqa, Suppressions
from reviewbot.walk import Callback, Span, concrete_types, new_walk, node_type, parse

# ``__all__.extend(...)`` and the like: ``__all__`` changed by a method call.
MUTATED_ALL = re.compile(r"__all__\s*\.\s*(?:append|extend|insert|remove)\b")
# Blocks at module level whose imports are known before the walk (see ``_prefill_imports``).
PREFILLED_BLOCKS = (
    cst.If, cst.Else, cst.Try, cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally,
    cst.With, cst.For, cst.While,
)
# Comments that talk to tools rather than readers: they document nothing (RB402-RB404).
TOOL_DIRECTIVE = re.compile(r"#\s*(?:noqa\b|reviewbot:|type:|pragma:|fmt:|pylint:|mypy:|isort:|ruff:)", re.IGNORECASE)
# How many lines of a finding feed its fingerprint (a whole class would make it fragile).
FINGERPRINT_LINES = 5


# Rule or analysis class -> its callbacks, found once per class rather than once per file.
_HANDLERS: dict[type, tuple[tuple[str, type[cst.CSTNode], str], ...]] = {}


def handler_names(walker: type) -> tuple[tuple[str, type[cst.CSTNode], str], ...]:
    """``("visit"|"leave", node class, method name)`` for each callback a rule or analysis defines.

    A ``visit_X``/``leave_X`` method whose ``X`` is no LibCST node class is a mistake (a typo, or
    a class this LibCST lacks) that would otherwise never be called: it raises ``TypeError``.
    """
    if walker not in _HANDLERS:
        found = []
        for name in dir(walker):
            kind, _, node_name = name.partition("_")
            if kind in ("visit", "leave"):
                target = node_type(node_name)
                if target is None:
                    raise TypeError(f"{walker.__name__}.{name}: LibCST has no node class {node_name!r}")
                found.append((kind, target, name))
        _HANDLERS[walker] = tuple(found)
    return _HANDLERS[walker]


def walks(rule: type[Rule]) -> bool:
    """Whether a rule looks at the tree itself (the engine reports RB000-RB003 on its own)."""
    return bool(handler_names(rule)) or rule.finish is not Rule.finish


def exported_names(bindings: dict[str, list[Binding]], text: str) -> frozenset[str] | None:
    """The names ``__all__`` lists, when the module (``bindings``) binds it once, to a list or tuple of strings."""
    values = [binding.value for binding in bindings.get("__all__", [])]
    # Bound twice, extended (``+=``, ``.extend``) or computed: the names are known only at run time.
    if len(values) != 1 or MUTATED_ALL.search(text):
        return None
    value = values[0]
    if not isinstance(value, (cst.List, cst.Tuple)) or not all(isinstance(e.value, cst.SimpleString) for e in value.elements):
        return None
    names = [element.value.evaluated_value for element in value.elements if isinstance(element.value, cst.SimpleString)]
    return frozenset(name for name in names if isinstance(name, str))


class EngineSettings(RuleSettings, Protocol):
    """What phase 1 reads of the run's settings beyond the rules' view (``reviewbot.config.Settings``
    is one): which rules apply to a file, which files are tests, what facts to gather."""

    @property
    def max_file_bytes(self) -> int:
        """Files larger than this are RB001, never parsed."""

    @property
    def facts_wanted(self) -> frozenset[str]:
        """The ``Facts`` fields the selected project rules read."""

    @property
    def selected(self) -> frozenset[str]:
        """The rules this run checks, wherever they apply."""

    @property
    def bare_noqa(self) -> bool:
        """Whether a bare ``# noqa`` silences every rule on its line (config ``noqa``)."""

    def is_test(self, path: str) -> bool:
        """Whether ``path`` is a test file."""

    def rules_for(self, path: str) -> frozenset[str]:
        """The rules that apply to ``path``."""


def noqa_of(settings: EngineSettings) -> Noqa:
    """How ``# noqa`` comments read in this run: the rules' equivalent codes of other tools."""
    return Noqa(tuple((code, (rule.id,)) for rule in RULES.values() for code in rule.noqa), settings.bare_noqa)


class FileScan:
    """The state of scanning one parsed file."""

    def __init__(self, path: str, text: str, module: cst.Module, settings: EngineSettings, enabled: frozenset[str]) -> None:
        """Set up the walk, the analyses, and the rules enabled for this file."""
        self.path = path
        self.settings = settings
        self.enabled = enabled
        self.lines = split_lines(text)
        self.generated = is_generated(text)
        self.enter: dict[type, list[Callback]] = {}
        self.leave: dict[type, list[Callback]] = {}
        self.walk = new_walk(module, self.enter, self.leave, self._failed)
        self.ctx = FileContext(path, module, self.lines, settings, self.walk)
        # One pass over the module's statements, for every rule that asks what it binds.
        self.ctx.module_bindings = bindings_of(module.body, None)[0]
        # Each failed rule or analysis, the error, and the node it failed on (None: in ``finish``).
        self.failures: list[tuple[Rule | Analysis, Exception, cst.CSTNode | None]] = []
        # Each rule as this run configures it: a config's checks (``reviewbot.written``) are its own.
        chosen = [rule for rule in (settings.specs[rule_id].rule for rule_id in sorted(enabled)) if walks(rule)]
        # One of each analysis the chosen rules need, shared by them; and those that gather the
        # facts of the selected project rules (RB201's call graph), from every file but tests: a
        # file a rule's findings may not lie in (``per-file-ignores``) may still call, or own, them.
        self.analyses: dict[type, Analysis] = {}
        selected = sorted(settings.selected) if not settings.is_test(path) else []
        gathering = [rule for rule in (settings.specs[rule_id].rule for rule_id in selected) if issubclass(rule, ProjectRule)]
        for rule_class in [*chosen, *gathering]:
            for kind in rule_class.needs:
                self._analysis(kind)
        self.rules = [rule_class(self.ctx, dict(self.analyses)) for rule_class in chosen]
        # The file's facts for the project phase, gathered on the same walk.
        self.imports: list[tuple[str, int]] = []
        self.definitions: list[tuple[str, str, int, int, int]] = []
        # Identifiers of a test file (``Facts.names``).
        self.names: set[str] = set()
        # Direct calls of HTTP and database libraries (``Facts.calls``), for RB501/RB504.
        self.calls: list[tuple[str, int]] = []
        self.direct = direct_calls(settings) if "calls" in settings.facts_wanted else None
        self._prefill_imports(module.body)
        self.exported = exported_names(self.ctx.module_bindings, text)
        self._register()

    def _analysis(self, kind: type[Analysis]) -> None:
        """Make the file's ``kind`` analysis, after the analyses it reads (``Analysis.needs``)."""
        if kind in self.analyses:
            return
        for needed in kind.needs:
            self._analysis(needed)
        self.analyses[kind] = kind(self.ctx, dict(self.analyses)) if kind.needs else kind(self.ctx)

    def _register(self) -> None:
        """Fill the walk's dispatch tables, outermost first on the way in and last on the way out.

        The engine's own bookkeeping (scopes, comments, imports) wraps the analyses, which wrap
        the rules: a rule entering a node sees the state inside it, and still does when leaving.
        """
        self.enter[cst.FunctionDef] = [self._enter_scope]
        self.enter[cst.ClassDef] = [self._enter_scope]
        self.enter[cst.Comment] = [self._comment]
        self.enter[cst.Import] = [self.ctx.imports.add]
        self.enter[cst.ImportFrom] = [self.ctx.imports.add]
        if "names" in self.settings.facts_wanted and self.settings.is_test(self.path):
            self.enter[cst.Name] = [self._name]
        if self.direct is not None:
            self.leave[cst.Call] = [self._call_fact]
        for block in (cst.IndentedBlock, cst.SimpleStatementSuite):
            self.enter[block] = [self._enter_body]
        walkers: list[Rule | Analysis] = [*self.analyses.values(), *self.rules]
        for walker in walkers:
            self._add(walker, "visit", self.enter)
        for walker in reversed(walkers):
            self._add(walker, "leave", self.leave)
        self.leave.setdefault(cst.Import, []).append(self._import_fact)
        self.leave.setdefault(cst.ImportFrom, []).append(self._import_fact)
        for assignment in (cst.Assign, cst.AnnAssign):
            self.leave.setdefault(assignment, []).append(self._rebind)
        for block in (cst.IndentedBlock, cst.SimpleStatementSuite):
            self.leave.setdefault(block, []).append(self._leave_body)
        for scope_type in (cst.FunctionDef, cst.ClassDef):
            self.leave.setdefault(scope_type, []).extend((self._definition_fact, self._leave_scope))

    @staticmethod
    def _add(walker: Rule | Analysis, kind: str, table: dict[type, list[Callback]]) -> None:
        """Register ``walker``'s callbacks of one kind; one for a base class runs for each subclass."""
        for callback_kind, target, name in handler_names(type(walker)):
            if callback_kind == kind:
                for concrete in concrete_types(target):
                    table.setdefault(concrete, []).append(getattr(walker, name))

    def _prefill_imports(self, body: Iterable[cst.CSTNode]) -> None:
        """Module-level imports, so a function can use a name imported further down the file.

        Imports inside module-level ``if``/``try``/``with``/loops count (``try: import ujson as
        json except ImportError: import json``); functions and classes are left to the walk.
        """
        for statement in body:
            if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                for small in statement.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        self.ctx.imports.add(small)
            elif isinstance(statement, PREFILLED_BLOCKS):
                suite = statement.body
                self._prefill_imports(suite.body if isinstance(suite, cst.IndentedBlock) else [suite])
                branches = [getattr(statement, "orelse", None), getattr(statement, "finalbody", None)]
                self._prefill_imports([b for b in (*branches, *getattr(statement, "handlers", ())) if b is not None])

    def _enter_scope(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """Push a scope; public only if its name and every enclosing scope's name are.

        A function's locals shadow the imports of the same name while the walk is inside its body
        (``_enter_body``): its decorators, defaults and annotations belong to the enclosing scope.
        """
        parent = self.ctx.scope
        name = node.name.value
        if parent is None:
            # A module that lists ``__all__`` says which of its names are public.
            public = not self.ctx.private_module and (name in self.exported if self.exported is not None else is_public_name(name))
        else:
            public = parent.public and is_public_name(name)
        in_function = parent is not None and (parent.in_function or isinstance(parent.node, cst.FunctionDef))
        names = None
        if isinstance(node, cst.FunctionDef):
            owner = parent.node if parent is not None and isinstance(parent.node, cst.ClassDef) else None
            names = function_locals(node, self.ctx.imports.scope, owner)
        self.ctx.scopes.append(Scope(node, public, in_function, parent, names))

    def _leave_scope(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """Pop the scope pushed by ``_enter_scope``; a module-level ``def`` rebinds its name."""
        self.ctx.scopes.pop()
        if not self.ctx.scopes:
            # ``from subprocess import run`` then ``def run(...)``: ``run`` is the function now.
            self.ctx.imports.forget(node.name.value)

    def _enter_body(self, node: cst.BaseSuite) -> None:
        """Entering a function's body: its locals now shadow imports of the same name."""
        scope = self.ctx.scope
        if scope is not None and scope.locals is not None and scope.node.body is node:
            self.ctx.imports.scope = scope.locals

    def _leave_body(self, node: cst.BaseSuite) -> None:
        """Leaving a function's body: back to the enclosing function's locals."""
        scope = self.ctx.scope
        if scope is not None and scope.locals is not None and scope.node.body is node:
            self.ctx.imports.scope = scope.locals.parent

    def _rebind(self, node: cst.Assign | cst.AnnAssign) -> None:
        """``run = print`` at module level: ``run`` no longer stands for an import from here on.

        Only a statement directly in the module body counts: the ``except ImportError: json =
        None`` fallback of an optional import leaves the import in place.
        """
        if self.ctx.scopes or not isinstance(self.walk.stack[-3] if len(self.walk.stack) > 2 else None, cst.Module):
            return
        targets = [target.target for target in node.targets] if isinstance(node, cst.Assign) else [node.target]
        if isinstance(node, cst.AnnAssign) and node.value is None:
            return  # ``x: int`` binds nothing
        for target in targets:
            for name in target_names(target):
                self.ctx.imports.forget(name.value)

    def _import_fact(self, node: cst.Import | cst.ImportFrom) -> None:
        """Record the modules an import statement names, at its line."""
        line = self.walk.spans[id(node)][0]
        if isinstance(node, cst.Import):
            self.imports.extend((dotted_name(alias.name) or "", line) for alias in node.names)
            return
        module = self.ctx.imports.absolute_module(node)
        if module is None:
            return  # a relative import whose package is unknown
        if isinstance(node.names, cst.ImportStar):
            self.imports.append((module, line))
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            self.imports.append((f"{module}.{name}" if module else name, line))

    def _definition_fact(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """Record a function or class that is not inside a function, with its lines."""
        scope = self.ctx.scope
        # Functions inside functions are implementation details: only reachable code is a fact.
        if scope is None or scope.in_function:
            return
        # ``Order.total``: the names of the enclosing classes, outermost first.
        names = []
        while scope is not None:
            names.append(scope.node.name.value)
            scope = scope.parent
        first = self.walk.spans[id(node.decorators[0] if node.decorators else node)][0]
        kind = "class" if isinstance(node, cst.ClassDef) else "route" if is_route(node) else "function"
        self.definitions.append((".".join(reversed(names)), kind, first, self.walk.spans[id(node)][2], self.walk.spans[id(node)][0]))

    def facts(self) -> Facts:
        """What the walk learnt for the project phase, and what the analyses gathered for it."""
        facts = Facts(
            self.path,
            self.settings.is_test(self.path),
            tuple(self.imports),
            tuple(self.definitions),
            tuple(sorted(self.names)),
            tuple(self.ctx.suppressions),
            tuple(self.calls),
            self.generated,
        )
        gathered = {name: value for analysis in self.analyses.values() for name, value in analysis.facts().items()}
        return replace(facts, **gathered) if gathered else facts

    def _call_fact(self, node: cst.Call) -> None:
        """Record a direct call of an HTTP or database library."""
        name = self.ctx.imports.resolve(node.func)
        if name is not None and self.direct is not None and self.direct(name):
            self.calls.append((name, self.walk.spans[id(node)][0]))

    def _name(self, node: cst.Name) -> None:
        """An identifier a test file uses: a name, an attribute, an imported name."""
        self.names.add(node.value)

    def _comment(self, node: cst.Comment) -> None:
        """Record the comment's line; keep its text if it may be a suppression."""
        # A comment node holds no line break, so the walk's current line is its line.
        line = self.walk.line
        value = node.value
        if not TOOL_DIRECTIVE.match(value):
            self.ctx.comment_lines.append(line)
        if "noqa" in value or "reviewbot" in value:
            self.ctx.suppressions.append((line, value))

    def _failed(self, callback: Callback, node: cst.CSTNode, error: Exception) -> None:
        """A callback raised: record RB002 and stop calling what failed, and what depends on it.

        A failing rule is dropped for the rest of the file; a failing analysis takes the rules
        that read it along. The other rules go on.
        """
        owner = getattr(callback, "__self__", None)
        if not isinstance(owner, (Rule, Analysis)):
            raise error  # the engine's own bookkeeping failed: the whole file is RB002
        if owner not in self.rules and owner not in self.analyses.values():
            return  # already reported; its remaining callbacks for this node are ignored
        self.failures.append((owner, error, node))
        dropped: set[int] = {id(owner)}
        if isinstance(owner, Analysis):
            # The analyses built on it go too (RB201's call graph on the error flow), and the rules reading any of them.
            lost = readers_of(type(owner), list(self.analyses))
            for kind in lost:
                dropped.add(id(self.analyses.pop(kind)))
            dropped |= {id(rule) for rule in self.rules if lost & set(rule.needs)}
        self.rules = [rule for rule in self.rules if id(rule) not in dropped]
        for table in (self.enter, self.leave):
            for node_type_, callbacks in table.items():
                table[node_type_] = [c for c in callbacks if id(getattr(c, "__self__", None)) not in dropped]

    def run(self) -> list[Finding]:
        """Walk, finish the checks, and turn raw findings into positioned, suppressed findings.

        A finding is suppressed by a comment on its first line or on the first line of the
        statement that contains it (so one comment covers a multi-line call).
        """
        self.walk.run()
        self.walk.release()
        for rule in self.rules:
            try:
                rule.finish()
            except Exception as error:  # noqa: BLE001 - reported as RB002
                self.failures.append((rule, error, None))
        suppressions = Suppressions(self.ctx.suppressions, noqa_of(self.settings))
        findings = []
        spans = self.walk.spans
        # Only the rules enabled for this file ran, so every raw finding is one to report.
        for raw in self.ctx.findings:
            span = raw.span if raw.span is not None else spans[id(raw.node)]
            statement_line = spans[id(raw.statement)][0] if raw.statement is not None else span[0]
            if not suppressions.suppressed(raw.rule, (span[0], statement_line)):
                finding = self.finding(raw.rule, span, raw.message, raw.fix)
                if raw.scope is not None:
                    # A function's decorators are part of it: changing one changes the function.
                    decorators = getattr(raw.scope, "decorators", ())
                    first = spans[id(decorators[0] if decorators else raw.scope)][0]
                    finding = finding.but(scope=(first, spans[id(raw.scope)][2]))
                findings.append(finding)
        for owner, failure, node in self.failures:
            where = f"at line {spans[id(node)][0]}" if node is not None and id(node) in spans else "after the walk"
            if isinstance(owner, Rule):
                what = f"rule {owner.id} ({owner.name})"
            else:
                lost = readers_of(type(owner), [kind for rule in RULES.values() for kind in rule.needs])
                readers = ", ".join(rule.id for rule in RULES.values() if lost & set(rule.needs) and rule.id in self.enabled)
                what = f"analysis {type(owner).__name__} (for {readers})"
            message = f"{what} failed {where}: {type(failure).__name__}: {failure}"
            findings.append(self.finding(INTERNAL_ERROR, (1, 0, 1, 0), message))
        # Only a file-level comment can silence RB003: a line comment would silence itself.
        if UNUSED_SUPPRESSION in self.enabled and not any(s.covers(UNUSED_SUPPRESSION) for s in suppressions.file_level):
            # Project rules judge their suppressions in the project phase, from the facts (which
            # takes back an "ignore" without codes reported here that one of them needed).
            judged = frozenset(rule for rule in self.enabled if not issubclass(RULES[rule], ProjectRule))
            for line, message in suppressions.unused(judged, frozenset(RULES)):
                findings.append(self.finding(UNUSED_SUPPRESSION, (line, 0, line, len(self.lines[line - 1])), message))
        return finalize(findings, self.lines)

    def finding(self, rule: str, span: Span, message: str, fix: Fix | None = None) -> Finding:
        """A ``Finding`` for this file; spans are 0-based in columns, findings 1-based."""
        return make_finding(self.settings, rule, self.path, span, message, fix)


def readers_of(kind: type, analyses: list[type]) -> set[type]:
    """``kind`` and the analyses of ``analyses`` that read it, directly or through one another."""
    lost = {kind}
    grown = True
    while grown:
        grown = False
        for other in analyses:
            if other not in lost and lost & set(getattr(other, "needs", ())):
                lost.add(other)
                grown = True
    return lost


def finalize(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """Sort findings and give each a fingerprint that survives edits elsewhere in the file.

    The fingerprint hashes the rule, the path and the whitespace-normalised text of the flagged
    lines (at most ``FINGERPRINT_LINES``), plus how many identical (rule, text) pairs came before
    it in the file: moving code up or down keeps it, editing the flagged line changes it. A finding
    that arrives with a ``group`` (a project rule's, which sees no text) is hashed with that instead.
    """
    findings.sort(key=lambda finding: finding.sort_key)
    seen: Counter[tuple[str, str]] = Counter()
    result = []
    for finding in findings:
        last = min(finding.end_line, finding.line + FINGERPRINT_LINES - 1, len(lines))
        text = "\n".join(" ".join(lines[index - 1].split()) for index in range(finding.line, last + 1))
        if finding.group:
            # A project rule, which has no text of the file, names what its finding is about itself.
            text = finding.group
        elif (finding.line, finding.column) == (finding.end_line, finding.end_column):
            # An empty span marks a finding about the whole file (a module docstring, say): the
            # text of line 1 is not what it is about.
            text = ""
        occurrence = seen[(finding.rule, text)]
        seen[(finding.rule, text)] += 1
        key = f"{finding.rule}\0{finding.path}\0{text}".encode("utf-8", "surrogateescape")
        group = hashlib.sha256(key).hexdigest()[:20]
        digest = hashlib.sha256(f"{group}\0{occurrence}".encode()).hexdigest()[:20]
        result.append(finding.but(fingerprint=digest, group=group))
    return result


def scan_source(path: str, data: bytes, settings: EngineSettings) -> list[Finding]:
    """All findings for one file given its repo-relative ``path`` and raw bytes (see ``scan_file``)."""
    return list(scan_file(path, data, settings).findings)


def scan_file(path: str, data: bytes, settings: EngineSettings) -> FileResult:
    """Phase 1 for one file: its findings and its facts, given its repo-relative ``path`` and bytes.

    Never raises for bad input: an unreadable file is RB001, an unparsable one RB000, and a
    failure of reviewbot itself on this file RB002, so one file never stops a scan. Such a file
    has no facts beyond whether it is a test.
    """
    enabled = settings.rules_for(path)
    bare = Facts(path, settings.is_test(path))
    # A file no rule applies to is still read for its facts when project rules need them (a test
    # file names the functions it tests; a layer module establishes the layer).
    if not enabled and not settings.facts_wanted:
        return FileResult((), bare)

    # The file's only finding, when it could not be read, parsed or walked.
    def only(rule: str, line: int, message: str, column: int = 0) -> FileResult:
        if rule not in enabled:
            return FileResult((), bare)
        return FileResult(tuple(finalize([make_finding(settings, rule, path, (line, column, line, column), message)], [])), bare)

    try:
        text = decode(data, settings.max_file_bytes)
    except Unreadable as error:
        return only(UNREADABLE, error.line, str(error))
    if too_deep_to_parse(text):
        refused = cpython_syntax_error(text)
        if refused is not None:
            line, column, message = refused
            return only(UNPARSABLE, line, f"syntax error: {message}", column)
    try:
        module = parse(text)
    except cst.ParserSyntaxError as error:
        line, column, message = syntax_error_position(error, text)
        return only(UNPARSABLE, line, f"syntax error: {message}", column)
    except RecursionError:
        return only(UNPARSABLE, 1, "syntax error: the file is nested too deeply to parse")
    try:
        scan = FileScan(path, text, module, settings, enabled)
        return FileResult(tuple(scan.run()), scan.facts())
    except RecursionError:
        return only(INTERNAL_ERROR, 1, "internal error: the file is nested too deeply to walk (RecursionError)")
    except MemoryError:
        raise  # the scan's to report (``max-memory``): the file is lost, not cached
    except Exception as error:  # noqa: BLE001 - one file's failure must not stop the scan
        return only(INTERNAL_ERROR, 1, f"internal error: {type(error).__name__}: {error}")


def lost_file(settings: EngineSettings, path: str, message: str, rule: str = INTERNAL_ERROR) -> FileResult:
    """The result of a file whose scan was lost or which could not be read: one finding, if that rule applies."""
    findings = finalize([make_finding(settings, rule, path, (1, 0, 1, 0), message)], []) if rule in settings.rules_for(path) else []
    return FileResult(tuple(findings), Facts(path, settings.is_test(path)))
