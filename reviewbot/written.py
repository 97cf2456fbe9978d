"""Checks a team writes in its config (``checks:``): a prohibition of its agent files, made a rule.

An agent file says "never call ``session.commit()`` in service code"; the agent reads it and, now
and then, does not follow it. A ``checks:`` entry turns that sentence into a deterministic check:
one of four kinds (``forbid-call``, ``forbid-import``, ``only-in``, ``forbid-expression``), the
message its findings say, the files it looks at, the statement it enforces (``enforces:
AGENTS.md:42``, quoted in every finding, as under ``packs: [auto]``) and examples it must and must
not flag. docs/checks.md is the user's reference.

Each check becomes a rule like any other: ``rule_class`` makes a ``Rule`` subclass per check, which
declares the check's id, message and examples and reacts to nodes of the one shared walk (calls,
imports, or the class of node the expression pattern is). Names resolve through the file's import
table (``reviewbot.imports``), never LibCST's metadata providers. ``register`` puts them in the
registry, ``checks.RULES``, where selection, suppression comments, changed-lines mode, baselines
and reports find every rule, replacing the checks of a config read before in the same process.

The rules are made at run time, so no module defines them by name: their metaclass tells pickle to
rebuild one from its check, which is what a spawned worker receiving the settings needs (the
worker then registers them, as it installs plugins). The checks are part of the settings' digest,
so editing one re-scans.
"""

from __future__ import annotations

import copyreg
import functools
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from reviewbot.lazy import libcst as cst

from reviewbot.checks import RULES
from reviewbot.checks.base import FileContext, Rule
from reviewbot.checks.meta import INTERNAL_ERROR, UNPARSABLE
from reviewbot.errors import ConfigError
from reviewbot.files import read_text_file
from reviewbot.globs import Globs
from reviewbot.matching import CALL_PATTERN, MODULE, WILDCARD, CallPattern, callee, imported, in_code, same, within
from reviewbot.model import Example, Project, Severity, Source
from reviewbot.packs import DEFAULT_MAX_FILE_BYTES, RuleSpec
from reviewbot.suppress import CHECK_ID
from reviewbot.validate import did_you_mean, expect

# Each kind and the keys it takes besides the common ones; the first is the one it cannot do without.
KINDS: dict[str, tuple[str, ...]] = {
    "forbid-call": ("calls",),
    "forbid-import": ("modules",),
    "only-in": ("allowed", "calls", "modules"),
    "forbid-expression": ("pattern",),
}
COMMON_KEYS = ("id", "kind", "message", "enforces", "severity", "paths", "exclude", "examples")
KEYS = (*COMMON_KEYS, "calls", "modules", "allowed", "pattern")
# ``AGENTS.md:42``.
PLACE = re.compile(r"(?P<path>.+):(?P<line>[0-9]+)")
# Where examples are scanned (any path: examples test what a check matches, not where it looks).
EXAMPLE_PATH = Example("").path


@dataclass(frozen=True)
class Check:
    """One ``checks:`` entry, validated; ``index`` is its place in the list (``checks[0]``)."""

    index: int
    id: str
    kind: str
    message: str
    severity: Severity
    calls: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    pattern: str = ""
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # The agent-file statement it enforces, (path, line), and that statement's text.
    enforces: tuple[str, int] | None = None
    quote: str | None = None
    bad: tuple[str, ...] = ()
    good: tuple[str, ...] = ()

    def applies_to(self, path: str) -> bool:
        """Whether the check looks at ``path``: in ``paths`` (default every file), not in ``exclude``
        and, for ``only-in``, not in the ``allowed`` files."""
        return (not self.paths or _globs(self.paths).match(path)) and not _globs(self.exclude).match(path) and not _globs(self.allowed).match(path)

    def spec(self) -> RuleSpec:
        """The check as a configured rule: its own severity, in test files too, selected by default."""
        return RuleSpec(rule_class(self), self.severity, None, True)

    def record(self) -> dict[str, Any]:
        """Every field as JSON values, for the settings' digest."""
        return {**asdict(self), "severity": self.severity.label}


@functools.lru_cache(maxsize=256)
def _globs(patterns: tuple[str, ...]) -> Globs:
    return Globs(patterns)


class WrittenRule(Rule):
    """The rule of one check; ``rule_class`` makes a subclass per check, declaring it."""

    check: ClassVar[Check]

    def __init__(self, ctx: FileContext, analyses: dict[type, object]) -> None:
        super().__init__(ctx, analyses)
        # The walk calls every rule; a check reports only in its own files.
        self.active = self.check.applies_to(ctx.path)


class CallCheck(WrittenRule):
    """``forbid-call``: a call whose callee one of the ``calls`` patterns matches."""

    calls: ClassVar[tuple[CallPattern, ...]] = ()

    def visit_Call(self, node: cst.Call) -> None:
        """Report a call of a forbidden function or method."""
        if self.active and self.calls:
            names, receiver = callee(self.ctx.imports, node.func)
            if any(pattern.matches(names, receiver) for pattern in self.calls):
                self.report(node, self.check.message)


class ImportCheck(WrittenRule):
    """``forbid-import``: an import of one of the ``modules`` or of a module inside one."""

    def visit_Import(self, node: cst.Import) -> None:
        """Report ``import x.y`` of a forbidden module."""
        self._imports(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        """Report ``from x import y`` of a forbidden module."""
        self._imports(node)

    def _imports(self, node: cst.Import | cst.ImportFrom) -> None:
        modules = self.check.modules
        if self.active and modules and any(within(name, modules) for name in imported(self.ctx.imports, node)):
            self.report(node, self.check.message)


class OnlyInCheck(CallCheck, ImportCheck):
    """``only-in``: the ``calls`` and ``modules`` anywhere but in the ``allowed`` files."""


class ExpressionCheck(WrittenRule):
    """``forbid-expression``: an expression the ``pattern`` matches. ``rule_class`` registers
    ``_visit`` for the pattern's own class of node, so the walk calls it for those only."""

    expression: ClassVar[cst.BaseExpression]

    def _visit(self, node: cst.BaseExpression) -> None:
        if self.active and same(self.expression, node) and in_code(self.ctx.walk.stack):
            self.report(node, self.check.message)


BASES: dict[str, type[WrittenRule]] = {"forbid-call": CallCheck, "forbid-import": ImportCheck, "only-in": OnlyInCheck, "forbid-expression": ExpressionCheck}


class _Made(type):
    """The metaclass of the rules ``rule_class`` makes: pickle rebuilds one from its check."""


def _rebuild(made: _Made) -> tuple[Callable[[Check], _Made], tuple[Check]]:
    """Pickle's recipe for a made rule: ``rule_class`` of its check."""
    return cast("Callable[[Check], _Made]", rule_class), (cast("type[WrittenRule]", made).check,)


copyreg.pickle(_Made, _rebuild)


@functools.cache
def rule_class(check: Check) -> type[WrittenRule]:
    """The rule of ``check`` (the same class for the same check, in one process)."""
    name = "Check_" + check.id.replace("-", "_")
    namespace: dict[str, object] = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": check.message,
        "id": check.id,
        "name": check.id,
        "summary": check.message,
        "why": why(check),
        "check": check,
        "bad": tuple(Example(code) for code in check.bad),
        "good": tuple(Example(code) for code in check.good),
        "calls": tuple(CallPattern.parse(pattern) for pattern in check.calls),
    }
    if check.kind == "forbid-expression":
        expression = cst.parse_expression(check.pattern)
        namespace["expression"] = expression
        namespace[f"visit_{type(expression).__name__}"] = ExpressionCheck._visit
    return cast("type[WrittenRule]", _Made(name, (BASES[check.kind],), namespace))


def why(check: Check) -> str:
    """What ``reviewbot explain`` and reports say of the check's reason."""
    said = f"The team's own check (config `checks[{check.index}]`, {_a(check.kind)} check)"
    if check.enforces is None:
        return said + "."
    return f"{said}, enforcing the statement at {check.enforces[0]}:{check.enforces[1]} of its agent files."


def register(checks: tuple[Check, ...]) -> None:
    """Make ``checks`` the registry's checks, in place of those of a config read before."""
    for rule_id in [rule_id for rule_id, rule in RULES.items() if issubclass(rule, WrittenRule)]:
        del RULES[rule_id]
    RULES.update((check.id, rule_class(check)) for check in checks)


def load_checks(entries: object, where: str, root: Path | None) -> tuple[Check, ...]:
    """Config ``checks:``, validated (every error names ``checks[N].key``) and registered;
    ``root`` holds the agent files ``enforces`` names (the repository, or a trusted revision's copy)."""
    if not isinstance(entries, list):
        raise ConfigError(f"{where}checks: expected a list of checks, got {entries!r}")
    # A check's id must not be a rule's name either: ``reviewbot explain NAME`` finds rules by name.
    names = {rule.name: rule_id for rule_id, rule in RULES.items() if not issubclass(rule, WrittenRule)}
    found: dict[str, Check] = {}
    for index, entry in enumerate(entries):
        check = _check(f"{where}checks[{index}]", index, entry, root, names)
        if check.id in found:
            raise ConfigError(f"{where}checks[{index}].id: {check.id!r} is the id of checks[{found[check.id].index}] too; ids are unique")
        found[check.id] = check
    checks = tuple(found.values())
    register(checks)
    return checks


def _check(at: str, index: int, entry: object, root: Path | None, names: dict[str, str]) -> Check:
    """One entry of ``checks:``, validated."""
    entry = expect(at, entry, dict)
    check_id, kind = _identity(at, entry, names)
    message = expect(f"{at}.message", entry["message"], str).strip()
    if not message:
        raise ConfigError(f"{at}.message: empty; say what is wrong and what to do instead")
    try:
        severity = Severity.parse(expect(f"{at}.severity", entry.get("severity", "warning"), str))
    except ValueError as error:
        raise ConfigError(f"{at}.severity: {error}") from None
    calls = _words(f"{at}.calls", entry.get("calls", []), CALL_PATTERN, "a call pattern such as 'requests.get' or '*.session.commit'")
    if any(set(pattern.removeprefix("*.").split(".")) == {"*"} for pattern in calls):
        raise ConfigError(f"{at}.calls: a pattern of `*` alone would match every call; name the function")
    modules = _words(f"{at}.modules", entry.get("modules", []), MODULE, "a dotted module name such as 'requests' or 'app.db'")
    # What each kind cannot do without.
    wanted = KINDS[kind][0]
    if not entry.get(wanted):
        raise ConfigError(f"{at}.{wanted}: required by {_a(kind)} check")
    if kind == "only-in" and not calls and not modules:
        raise ConfigError(f"{at}.calls: an only-in check names calls or modules (or both) that only the allowed files may use")
    enforces, quote = _enforces(f"{at}.enforces", entry["enforces"], root) if "enforces" in entry else (None, None)
    bad, good = _examples(f"{at}.examples", entry.get("examples", {}))
    return Check(
        index=index,
        id=check_id,
        kind=kind,
        message=message,
        severity=severity,
        calls=calls,
        modules=modules,
        allowed=_paths(f"{at}.allowed", entry.get("allowed", [])),
        pattern=_pattern(f"{at}.pattern", entry["pattern"]) if "pattern" in entry else "",
        paths=_paths(f"{at}.paths", entry.get("paths", [])),
        exclude=_paths(f"{at}.exclude", entry.get("exclude", [])),
        enforces=enforces,
        quote=quote,
        bad=bad,
        good=good,
    )


def _identity(at: str, entry: dict[str, object], names: dict[str, str]) -> tuple[str, str]:
    """The entry's id and kind, once its keys are known to be those of its kind."""
    for key in entry:
        if key not in KEYS:
            raise ConfigError(f"{at}.{key}: unknown key{did_you_mean(str(key), KEYS)}")
    for key in ("id", "kind", "message"):
        if key not in entry:
            raise ConfigError(f"{at}.{key}: missing; every check has an id, a kind and a message")
    check_id = expect(f"{at}.id", entry["id"], str)
    if not CHECK_ID.fullmatch(check_id):
        raise ConfigError(f"{at}.id: {check_id!r} is not a check id: lower-case words joined by hyphens, such as 'no-session-commit'")
    if check_id in names:
        raise ConfigError(f"{at}.id: {check_id!r} is the name of {names[check_id]}; choose another id")
    kind = expect(f"{at}.kind", entry["kind"], str)
    if kind not in KINDS:
        raise ConfigError(f"{at}.kind: unknown kind {kind!r}{did_you_mean(kind, KINDS)} (kinds: {', '.join(KINDS)})")
    for key in entry:
        if key not in COMMON_KEYS and key not in KINDS[kind]:
            raise ConfigError(f"{at}.{key}: {_a(kind)} check takes no {key} (it takes {', '.join(KINDS[kind])})")
    return check_id, kind


def _a(kind: str) -> str:
    """``a forbid-call``, ``an only-in``."""
    return f"an {kind}" if kind.startswith(("a", "e", "i", "o", "u")) else f"a {kind}"


def _words(at: str, value: object, form: re.Pattern[str], what: str) -> tuple[str, ...]:
    """A list of patterns or names of the given form."""
    words = expect(at, value, list)
    for index, word in enumerate(words):
        if not form.fullmatch(word):
            raise ConfigError(f"{at}[{index}]: {word!r} is not {what}")
    return tuple(words)


def _paths(at: str, value: object) -> tuple[str, ...]:
    """A list of globs."""
    patterns = tuple(expect(at, value, list))
    try:
        _globs(patterns)
    except ConfigError as error:
        raise ConfigError(f"{at}: {error}") from None
    return patterns


def _pattern(at: str, value: object) -> str:
    """A ``forbid-expression`` pattern: one Python expression, more than ``_`` alone."""
    text = expect(at, value, str).strip()
    try:
        expression = cst.parse_expression(text)
    except cst.ParserSyntaxError as error:
        raise ConfigError(f"{at}: {text!r} is not a Python expression ({error.message})") from None
    except (RecursionError, ValueError):
        raise ConfigError(f"{at}: {text!r} is not a Python expression LibCST can read") from None
    if isinstance(expression, cst.Name) and expression.value == WILDCARD:
        raise ConfigError(f"{at}: `_` alone would match every expression; write what surrounds it")
    return text


def _enforces(at: str, value: object, root: Path | None) -> tuple[tuple[str, int], str]:
    """``AGENTS.md:42``: the place of the statement the check enforces, and its text."""
    text = expect(at, value, str).strip()
    place = PLACE.fullmatch(text)
    if place is None or int(place["line"]) < 1:
        raise ConfigError(f"{at}: expected the statement's file and line, such as 'AGENTS.md:42', got {text!r}")
    path, line = place["path"], int(place["line"])
    if path.startswith("/") or ".." in path.split("/"):
        raise ConfigError(f"{at}: {path!r} is not a path inside the repository")
    if not path.endswith((".md", ".mdc")):
        raise ConfigError(f"{at}: {path} is not an agent file (Markdown: .md or .mdc)")
    if root is None:
        raise ConfigError(f"{at}: names a statement of the repository's agent files, and there is no repository here")
    if not (root / path).is_file():
        raise ConfigError(f"{at}: {path}: no such file")
    # Read only here: a scan without ``enforces`` never loads the Markdown reader.
    from reviewbot.agents import MAX_AGENT_BYTES, line_count, statement_at

    try:
        markdown = read_text_file(root / path, MAX_AGENT_BYTES, path, "agent file")
    except ConfigError as error:
        raise ConfigError(f"{at}: {error}") from None
    count = line_count(markdown)
    if line > count:
        raise ConfigError(f"{at}: {path} has {count} lines; there is no line {line}")
    quote = statement_at(markdown, path, line)
    if quote is None:
        raise ConfigError(f"{at}: no statement of {path} covers line {line} (a list item, or a paragraph that states a rule)")
    return (path, line), quote


def _examples(at: str, value: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``examples: {bad: [...], good: [...]}``: snippets the check must flag, and must not."""
    section = expect(at, value, dict)
    for key in section:
        if key not in ("bad", "good"):
            raise ConfigError(f"{at}.{key}: unknown key{did_you_mean(str(key), ['bad', 'good'])}")
    bad, good = (tuple(textwrap.dedent(code) for code in expect(f"{at}.{key}", section.get(key, []), list)) for key in ("bad", "good"))
    return bad, good


def enforced(checks: tuple[Check, ...], specs: dict[str, RuleSpec], sources: dict[str, tuple[Source, ...]]) -> tuple[dict[str, RuleSpec], dict[str, tuple[Source, ...]]]:
    """``specs`` and ``sources`` with the statement each check enforces: the quote of the rule, and
    the source of its findings (``Finding.source``), as for a rule an agent file enables."""
    specs, sources = dict(specs), dict(sources)
    for check in checks:
        if check.enforces is not None and check.quote is not None and check.id in specs:
            specs[check.id] = replace(specs[check.id], quote=check.quote)
            sources[check.id] = (Source(check.enforces[0], check.enforces[1], check.quote),)
    return specs, sources


def describe(check: Check) -> list[str]:
    """The check as ``reviewbot explain`` shows it: kind, patterns, files, statement, examples."""
    rows = [("kind", check.kind), ("calls", ", ".join(check.calls)), ("modules", ", ".join(check.modules)), ("pattern", check.pattern)]
    rows += [("paths", ", ".join(check.paths) or "every file"), ("exclude", ", ".join(check.exclude)), ("allowed in", ", ".join(check.allowed))]
    if check.enforces is not None:
        rows.append(("enforces", f"{check.enforces[0]}:{check.enforces[1]}"))
    lines = [f"  {key:<10}  {value}" for key, value in rows if value]
    for title, examples in (("Examples it flags", check.bad), ("Examples it does not flag", check.good)):
        if examples:
            shown = "\n\n".join(textwrap.indent(code.rstrip("\n") or "(an empty file)", "    ") for code in examples)
            lines += ["", title, *shown.splitlines()]
    return lines


class WithChecks(Protocol):
    """What ``run_examples`` reads of the settings (``reviewbot.config.Settings`` is one)."""

    @property
    def checks(self) -> tuple[Check, ...]:
        """The config's checks."""

    @property
    def options(self) -> dict[str, Any]:
        """Rule options by config key."""

    @property
    def project(self) -> Project:
        """The repository's root packages."""


@dataclass(frozen=True)
class _Alone:
    """Settings that run one check everywhere (the engine's ``EngineSettings``), and the meta
    rules that say an example does not parse."""

    specs: Mapping[str, RuleSpec]
    options: dict[str, Any]
    project: Project
    digest: str = ""
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    facts_wanted: frozenset[str] = frozenset()
    bare_noqa: bool = False

    def source_for(self, rule: str, path: str) -> Source | None:
        """No agent file enables anything here."""
        return None

    def is_test(self, path: str) -> bool:
        """No example is a test."""
        return False

    def rules_for(self, path: str) -> frozenset[str]:
        """The check and the meta rules, whatever the path."""
        return frozenset(self.specs)

    @property
    def selected(self) -> frozenset[str]:
        """The check and the meta rules."""
        return frozenset(self.specs)


def run_examples(settings: WithChecks) -> list[str]:
    """Each example that the check does not treat as it says (``checks[0].examples.bad[1]: not
    flagged``, ``checks[0].examples.good[0]: flagged``, or why it does not parse); empty when all hold.

    Examples say what a check matches, so they are scanned as if in the check's files, whatever
    its ``paths``, ``exclude`` and ``allowed``.
    """
    from reviewbot.engine import scan_source

    problems = []
    for check in settings.checks:
        everywhere = replace(check, paths=(), exclude=(), allowed=())
        meta = {rule: RuleSpec(RULES[rule], Severity.ERROR, None, True) for rule in (UNPARSABLE, INTERNAL_ERROR)}
        alone = _Alone({check.id: RuleSpec(rule_class(everywhere), check.severity, None, True), **meta}, settings.options, settings.project)
        for kind, examples, wanted in (("bad", check.bad, True), ("good", check.good, False)):
            for number, code in enumerate(examples):
                at = f"checks[{check.index}].examples.{kind}[{number}]"
                found = scan_source(EXAMPLE_PATH, code.encode(), alone)
                broken = [finding.message for finding in found if finding.rule in meta]
                if broken:
                    problems.append(f"{at}: {broken[0]}")
                elif any(finding.rule == check.id for finding in found) != wanted:
                    problems.append(f"{at}: {'not flagged' if wanted else 'flagged'}")
    return problems
