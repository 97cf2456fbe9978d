"""Configuration: `.reviewbot.yml` or `[tool.reviewbot]` in `pyproject.toml`, over the rule packs."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from reviewbot.checks import BUILT_IN, OPTIONS, RULES, install
from reviewbot.errors import ConfigError
from reviewbot.escape import printable
from reviewbot.files import read_text_file
from reviewbot.globs import Globs
from reviewbot.memory import DEFAULT_MAX_MEMORY, parse_size
from reviewbot.model import Finding, Project, Severity, Source
from reviewbot.packs import DEFAULT_PACK, Pack, RuleSpec, available_packs, load_pack
from reviewbot.validate import did_you_mean, expand, expect, options, rule_ids
from reviewbot.written import Check, enforced, load_checks

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# The config file at the repository root; `[tool.reviewbot]` in pyproject.toml is the fallback.
CONFIG_FILE = ".reviewbot.yml"
# The most a config file may hold: real ones are a few hundred bytes.
MAX_CONFIG_BYTES = 1 << 20
# Option families (`imports`, `errors`, `comments`): sections of the config.
FAMILIES = sorted({key.partition(".")[0] for key in OPTIONS})
# Every key allowed at the top of a config.
TOP_LEVEL_KEYS = sorted(
    {
        "packs", "select", "extend-select", "ignore", "severity", "exclude", "extend-exclude", "per-file-ignores", "test-paths", "scope-defaults", "fail-on",
        "max-file-bytes", "baseline", "noqa", "conventions",
        "cache-dir", "max-memory", "agents", "plugins", "checks", "hooks", *FAMILIES,
    }
)
log = logging.getLogger(__name__)

# ``packs: [auto]``: the rules the repository's own agent files ask for.
AUTO = "auto"
# The keys of the ``agents`` table.
AGENTS_KEYS = ("waive", "prefer")
# What the coding agents' hooks tell by default besides findings at or above ``fail-on``: the
# security rules, cheapest to fix while the code is being written.
TELL_ALSO = ("RB7",)
# Code that is not the product, wherever it lies: rules marked "not in tests" skip it (RB000 and the
# rules that apply to tests still run). ``scope-defaults: false`` drops these; ``test-paths`` adds.
SCOPE_DEFAULTS: dict[str, tuple[str, ...]] = {
    "tests": ("**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/testing/**", "**/fixtures/**"),
    "migrations": ("**/migrations/*.py", "**/migrations/versions/*.py", "**/alembic/versions/**"),
    "lint fixtures": (".semgrep/**", "**/testdata/**"),
}
# Values of `fail-on` / `--fail-on`.
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Settings:
    """Everything a scan needs to know, resolved from packs, config file and command line."""

    specs: dict[str, RuleSpec]
    selected: frozenset[str]
    options: dict[str, Any]
    # Tests and other code that is not the product (``SCOPE_DEFAULTS``, packs, config, alembic.ini).
    test_paths: Globs
    exclude: Globs
    per_file_ignores: tuple[tuple[Globs, frozenset[str]], ...]
    fail_on: Severity | None
    max_file_bytes: int
    source: str = "built-in defaults"
    project: Project = field(default_factory=Project)
    # A baseline file (repo-relative): only findings not recorded in it are reported.
    baseline: str | None = None
    # Where the phase-1 cache lives (repo-relative); ``None``: ``.reviewbot_cache``.
    cache_dir: str | None = None
    # ``packs: [auto]``: the agent-file statements for and against each rule, and where they apply.
    sources: dict[str, tuple[Source, ...]] = field(default_factory=dict)
    # ``agents.waive``: (statement text or regex, why nothing enforces it) for ``reviewbot agents --check``.
    waive: tuple[tuple[str, str], ...] = ()
    # ``agents.prefer``: globs of agent files whose word counts most under ``packs: [auto]``.
    prefer: tuple[str, ...] = ()
    # ``max-memory``: bytes one file's scan may take (``None``: no cap). Not in the digest: a file
    # over the cap is lost, never cached.
    max_memory: int | None = DEFAULT_MAX_MEMORY
    # Where ``test_paths`` came from, by origin (``scan --show-settings`` prints it), and whether
    # the built-in places count (config ``scope-defaults``).
    scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scope_defaults: bool = True
    # Config ``noqa``: ``all`` (a bare ``# noqa`` silences every rule on its line) or ``codes-only``.
    bare_noqa: bool = True
    # Config ``conventions``: the repository's Ruff configuration, typing and import style decide
    # where rules apply (``reviewbot.conventions``); ``false`` applies the packs as written.
    conventions: bool = True
    # ``plugins``: the installed distributions whose rules run, with their identity (version, code).
    plugins: dict[str, str] = field(default_factory=dict)
    # ``checks``: the team's own checks (``reviewbot.written``), each a rule of its own.
    checks: tuple[Check, ...] = ()
    # ``hooks.tell``: what an agent's hook tells it: findings at or above ``min-severity`` (``None``:
    # ``fail-on``), and those of the ``also`` rules at any severity.
    tell_severity: Severity | None = None
    tell_also: frozenset[str] = field(default_factory=lambda: expand(TELL_ALSO))

    @functools.cached_property
    def digest(self) -> str:
        """What a file's findings depend on besides its path and bytes: the cache key's settings part.

        Where and how findings are reported (``exclude``, ``fail-on``, ``baseline``) is left out:
        changing it does not make a file's findings different.
        """
        state = {
            "specs": {rule: [spec.severity.label, spec.quote, spec.in_tests] for rule, spec in self.specs.items()},
            "selected": sorted(self.selected),
            "options": self.options,
            "test-paths": self.test_paths.patterns,
            "per-file-ignores": [[globs.patterns, sorted(ids)] for globs, ids in self.per_file_ignores],
            "max-file-bytes": self.max_file_bytes,
            "project": [self.project.roots, self.project.inner],
            "sources": {rule: [[s.path, s.line, s.text, s.scope, s.depth, s.rank, s.against, s.loose] for s in sources] for rule, sources in self.sources.items()},
            "plugins": self.plugins,
            "checks": [check.record() for check in self.checks],
            "bare-noqa": self.bare_noqa,
        }
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()

    @functools.cached_property
    def facts_wanted(self) -> frozenset[str]:
        """The ``Facts`` fields the selected project rules read beyond whether a file is a test
        (``Rule.facts``): phase 1 gathers them, even from files no rule of their own applies to."""
        return frozenset(fact for rule in self.selected for fact in self.specs[rule].rule.facts)

    def is_test(self, path: str) -> bool:
        """Whether ``path`` is a test file (rules marked ``tests: false`` skip it)."""
        return self.test_paths.match(path)

    def fails(self, finding: Finding) -> bool:
        """Whether ``finding`` is at or above ``fail-on``: the merge gate's question."""
        return self.fail_on is not None and finding.severity >= self.fail_on

    def tells(self, finding: Finding, flag: str | None = None) -> bool:
        """Whether an agent's hook tells the agent about ``finding``: one of ``hooks.tell.also``, or
        at or above the hook's ``--fail-on`` (``flag``), else ``hooks.tell.min-severity``, else ``fail-on``."""
        if flag is not None:
            level = None if flag == "never" else Severity.parse(flag)
        else:
            level = self.tell_severity or self.fail_on
        return (level is not None and finding.severity >= level) or finding.rule in self.tell_also

    def rules_for(self, path: str) -> frozenset[str]:
        """The rule ids that apply to ``path``."""
        rules = self.selected
        for globs, ignored in self.per_file_ignores:
            if globs.match(path):
                rules = rules - ignored
        if self.is_test(path):
            rules = frozenset(rule for rule in rules if self.specs[rule].in_tests)
        if self.sources:
            rules = frozenset(rule for rule in rules if rule not in self.sources or self.source_for(rule, path) is not None)
        return rules

    def source_for(self, rule: str, path: str) -> Source | None:
        """The agent-file statement that makes ``rule`` apply to ``path``, or ``None`` when none
        does or one asking the opposite wins. Of the statements whose scope covers the file, the
        one of the highest-ranked file wins (``reviewbot.agents.rank``: an instruction file over a subagent),
        then the most specific (a nested ``AGENTS.md`` over the root's), then one asking the
        opposite in the rule's own words, then one asking for it, then one against it in general
        words (``Source.weight``), then the first by file and line."""
        covering = [s for s in self.sources.get(rule, ()) if s.scope is None or self._globs(s.scope).match(path)]
        best = min(covering, key=lambda s: (*s.weight(), s.path, s.line), default=None)
        return None if best is None or best.against else best

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def _globs(patterns: tuple[str, ...]) -> Globs:
        return Globs(patterns)


def inside(root: Path, value: str, key: str) -> Path:
    """``root / value`` for a path the config names, which must stay inside the repository.

    A config comes with the code under review: ``baseline: ../victim.txt`` must not make reviewbot
    write elsewhere on the machine (links in the path are followed to decide).
    """
    path = root / value
    if not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"{key}: {printable(value)!r} is outside the repository; name a path inside it")
    return path


def read_config(root: Path, explicit: Path | None = None) -> tuple[dict[str, object], str]:
    """The raw config mapping and where it came from (a file name, or built-in defaults)."""
    # Without --config: .reviewbot.yml wins, then pyproject.toml if it has a [tool.reviewbot] table.
    candidates = [explicit] if explicit is not None else [root / CONFIG_FILE, root / "pyproject.toml"]
    for path in candidates:
        if explicit is None and not path.is_file():
            continue
        # Messages name the file as the user knows it: a bare name at the root, else as given.
        name = path.name if explicit is None else str(path)
        text = read_text_file(path, MAX_CONFIG_BYTES, name)
        if path.suffix != ".toml":
            return read_yaml_config(name, text), name
        section = read_pyproject_table(name, text)
        if section is not None:
            return section, f"{name} [tool.reviewbot]"
        if explicit is not None:
            raise ConfigError(f"{name}: no [tool.reviewbot] table")
    return {}, "built-in defaults"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: a few hundred bytes of nested ``*refs`` would expand
    to gigabytes once the data is walked or printed, and a config never needs them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Refuse an alias where PyYAML would compose the node it names."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"aliases (*{event.anchor}) are not allowed, line {event.start_mark.line + 1}")
        return super().compose_node(parent, index)


def load_yaml(name: str, text: str) -> object:
    """A YAML document from a repository file: no aliases, bounded nesting, a clear error otherwise."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigError(f"{name}: invalid YAML: {printable(str(error))}") from None
    except (RecursionError, ValueError):
        # Nested past Python's recursion limit, or an integer of thousands of digits.
        raise ConfigError(f"{name}: invalid YAML: nested too deeply or a number too large") from None


def read_yaml_config(name: str, text: str) -> dict[str, object]:
    """A YAML config file's mapping (an empty file is an empty config)."""
    data = load_yaml(name, text)
    return expect(name, data if data is not None else {}, dict)


def read_pyproject_table(name: str, text: str) -> dict[str, object] | None:
    """The ``[tool.reviewbot]`` table of a ``pyproject.toml``, ``None`` if it has none."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: invalid TOML: {error}") from None
    except (RecursionError, ValueError):
        # Nested past Python's recursion limit, or an integer of thousands of digits.
        raise ConfigError(f"{name}: invalid TOML: nested too deeply or a number too large") from None
    tool = document.get("tool")
    section = tool.get("reviewbot") if isinstance(tool, dict) else None
    return None if section is None else expect(f"{name}: [tool.reviewbot]", section, dict)


def build_settings(
    config: dict[str, object],
    source: str = "built-in defaults",
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
    agents_root: Path | None = None,
) -> Settings:
    """Validate ``config`` over the packs it names; command-line values win over the file.

    ``packs: [auto]`` reads the agent files under ``agents_root`` (the repository, or a trusted
    revision's copy of its agent files).
    """
    # Every error message starts with the file it is about.
    where = "" if source == "built-in defaults" else f"{source}: "
    # Installed rules first: packs, options and selections may name them.
    installed = install(tuple(expect(f"{where}plugins", config.get("plugins", []), list)), where)
    families = sorted({key.partition(".")[0] for key in OPTIONS})
    for key in config:
        if key not in TOP_LEVEL_KEYS and key not in families:
            raise ConfigError(f"{where}{key}: unknown key{did_you_mean(str(key), [*TOP_LEVEL_KEYS, *families])}")
    packs = config_packs(config, where)
    # Each rule's severity, quote and test policy come from the packs; severities may be changed.
    # Later packs override earlier ones; the config overrides them all. A built-in rule no pack
    # names runs only when selected; a named plugin's rules run, as warnings, unless a pack says more.
    specs: dict[str, RuleSpec] = {rule_id: RuleSpec(rule, Severity.WARNING, None, True, enabled=False) for rule_id, rule in RULES.items() if rule_id in BUILT_IN}
    specs.update((rule.id, RuleSpec(rule, Severity.WARNING, None, True)) for _, rules in installed.values() for rule in rules)
    # The config's own checks, at their own severities (``severity`` may change them, like any rule's).
    checks = load_checks(config.get("checks", []), where, agents_root)
    specs.update((check.id, check.spec()) for check in checks)
    # Options start from the defaults the rules declare; packs, then the config, change them.
    option_values: dict[str, Any] = {key: option.value() for key, option in OPTIONS.items()}
    for pack in packs:
        specs.update(pack.specs)
        option_values.update(pack.options)
    option_values.update(options(where, {family: config[family] for family in families if family in config}))
    _apply_severities(config, where, specs)
    sources: dict[str, tuple[Source, ...]] = {}
    if config.get("packs") == [AUTO]:
        if agents_root is None:
            raise ConfigError(f"{where}packs: `auto` reads the repository's agent files, and there is no repository here")
        from reviewbot.agents import auto_sources

        excluded = expect(f"{where}exclude", config.get("exclude", []), list) + expect(f"{where}extend-exclude", config.get("extend-exclude", []), list)
        found = auto_sources(agents_root, packs, _prefer(config, where), Globs(excluded))
        sources = {rule: tuple(statements) for rule, statements in found.items() if rule in specs}
        asked = {rule: [s for s in statements if not s.against] for rule, statements in sources.items()}
        asked = {rule: statements for rule, statements in asked.items() if statements}
        if not asked:
            log.warning("packs: [auto] found no rule in the agent files of %s; only the meta rules (RB0xx) run", agents_root)
        # The meta rules (no quote), and what the agent files ask for.
        specs = {rule: spec for rule, spec in specs.items() if spec.quote is None or rule in asked}
        sources = {rule: statements for rule, statements in sources.items() if rule in asked}
        # Summaries quote the repository's own words: its most general statement asking for the rule.
        for rule, statements in asked.items():
            specs[rule] = replace(specs[rule], quote=min(statements, key=lambda s: (s.depth, -s.rank, s.path, s.line)).text)

    # A check that names the statement it enforces quotes it, in its findings too.
    specs, sources = enforced(checks, specs, sources)

    # --select replaces the configured selection; --ignore adds to the configured ignores. Without
    # a selection, the rules the packs enable; ``extend-select`` adds to either.
    chosen = select if select is not None else rule_ids(f"{where}select", config["select"]) if "select" in config else None
    default = frozenset(r for r, spec in specs.items() if spec.enabled and spec.rule.status != "preview")
    selected = expand(chosen, selecting=True) & specs.keys() if chosen is not None else default
    selected |= expand(rule_ids(f"{where}extend-select", config.get("extend-select", [])), selecting=True) & specs.keys()
    selected -= expand(rule_ids(f"{where}ignore", config.get("ignore", [])) + (ignore or []))

    per_file = [
        (Globs([glob]), expand(rule_ids(f"{where}per-file-ignores.{glob}", codes)))
        for glob, codes in expect(f"{where}per-file-ignores", config.get("per-file-ignores", {}), dict).items()
    ]
    # The command line's --fail-on wins over the config's fail-on.
    level = fail_on if fail_on is not None else expect(f"{where}fail-on", config.get("fail-on", "error"), str)
    if level not in FAIL_ON:
        raise ConfigError(f"{where}fail-on: expected one of {', '.join(FAIL_ON)}, got {level!r}")
    # The built-in scope and the packs', unless the config drops them; the config's own paths add to them.
    scope_defaults = expect(f"{where}scope-defaults", config.get("scope-defaults", True), bool)
    scope = dict(SCOPE_DEFAULTS) if scope_defaults else {}
    if scope_defaults:
        scope.update((f"pack {pack.name}", pack.test_paths) for pack in packs if pack.test_paths)
    scope["config"] = tuple(expect(f"{where}test-paths", config.get("test-paths", []), list))
    exclude = expect(f"{where}exclude", config.get("exclude", []), list) + expect(f"{where}extend-exclude", config.get("extend-exclude", []), list)
    max_file_bytes = expect(f"{where}max-file-bytes", config.get("max-file-bytes", packs[-1].max_file_bytes), int)
    if max_file_bytes < 1:
        raise ConfigError(f"{where}max-file-bytes: must be at least 1, got {max_file_bytes}")
    return Settings(
        specs=specs,
        selected=frozenset(selected),
        options=option_values,
        test_paths=scope_globs(scope),
        exclude=Globs(exclude),
        per_file_ignores=tuple(per_file),
        fail_on=None if level == "never" else Severity.parse(level),
        max_file_bytes=max_file_bytes,
        source=source,
        baseline=expect(f"{where}baseline", config["baseline"], str) if "baseline" in config else None,
        cache_dir=expect(f"{where}cache-dir", config["cache-dir"], str) if "cache-dir" in config else None,
        sources=sources,
        waive=_waive(config, where),
        prefer=_prefer(config, where),
        max_memory=_max_memory(config, where),
        scope={origin: patterns for origin, patterns in scope.items() if patterns},
        scope_defaults=scope_defaults,
        bare_noqa=_bare_noqa(config, where),
        conventions=expect(f"{where}conventions", config.get("conventions", True), bool),
        plugins={name: identity for name, (identity, _) in installed.items()},
        checks=checks,
        **_tell(config, where),
    )


def _tell(config: dict[str, object], where: str) -> dict[str, Any]:
    """``hooks: {tell: {min-severity: error, also: [RB7]}}``: what the agents' hooks tell them."""
    hooks = expect(f"{where}hooks", config.get("hooks", {}), dict)
    for key in hooks:
        if key != "tell":
            raise ConfigError(f"{where}hooks.{key}: unknown key{did_you_mean(str(key), ['tell'])}")
    tell = expect(f"{where}hooks.tell", hooks.get("tell", {}), dict)
    for key in tell:
        if key not in ("min-severity", "also"):
            raise ConfigError(f"{where}hooks.tell.{key}: unknown key{did_you_mean(str(key), ['min-severity', 'also'])}")
    found: dict[str, Any] = {}
    if "min-severity" in tell:
        level = expect(f"{where}hooks.tell.min-severity", tell["min-severity"], str)
        if level not in ("error", "warning", "info"):
            raise ConfigError(f"{where}hooks.tell.min-severity: expected one of error, warning, info, got {level!r}")
        found["tell_severity"] = Severity.parse(level)
    if "also" in tell:
        found["tell_also"] = expand(rule_ids(f"{where}hooks.tell.also", tell["also"]))
    return found


def scope_globs(scope: dict[str, tuple[str, ...]]) -> Globs:
    """The globs of test code and other code that is not the product, from every origin of ``scope``."""
    return Globs([pattern for patterns in scope.values() for pattern in patterns])


def _bare_noqa(config: dict[str, object], where: str) -> bool:
    """``noqa``: ``all`` (the default, as Ruff and flake8 read a bare ``# noqa``) or ``codes-only``."""
    value = expect(f"{where}noqa", config.get("noqa", "all"), str)
    if value not in ("all", "codes-only"):
        raise ConfigError(f"{where}noqa: expected all or codes-only, got {value!r}")
    return value == "all"


def _max_memory(config: dict[str, object], where: str) -> int | None:
    """``max-memory``: a size (``4GiB``, ``512MiB``, bytes) or ``none``."""
    try:
        return parse_size(config.get("max-memory", DEFAULT_MAX_MEMORY))
    except ValueError as error:
        raise ConfigError(f"{where}max-memory: {error}") from None


def _agents(config: dict[str, object], where: str) -> dict[str, object]:
    """The ``agents`` table, its keys checked."""
    section = expect(f"{where}agents", config.get("agents", {}), dict)
    for key in section:
        if key not in AGENTS_KEYS:
            raise ConfigError(f"{where}agents.{key}: unknown key{did_you_mean(str(key), AGENTS_KEYS)}")
    return section


def _prefer(config: dict[str, object], where: str) -> tuple[str, ...]:
    """``agents: {prefer: ["docs/agents/*.md", ...]}``: agent files whose word counts most, first first."""
    values = expect(f"{where}agents.prefer", _agents(config, where).get("prefer", []), list)
    for index, value in enumerate(values):
        expect(f"{where}agents.prefer[{index}]", value, str)
    try:
        Globs(values)
    except ConfigError as error:
        raise ConfigError(f"{where}agents.prefer: {error}") from None
    return tuple(values)


def _waive(config: dict[str, object], where: str) -> tuple[tuple[str, str], ...]:
    """``agents: {waive: {"statement text or regex": "reason"}}``, checked."""
    waived = []
    for text, reason in expect(f"{where}agents.waive", _agents(config, where).get("waive", {}), dict).items():
        if not isinstance(text, str) or not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}agents.waive: expected \"statement text or regex\": \"why nothing enforces it\", got {text!r}: {reason!r}")
        try:
            re.compile(text)
        except re.error as error:
            raise ConfigError(f"{where}agents.waive: {text!r} is not a valid regular expression ({error})") from None
        waived.append((text, reason))
    return tuple(waived)


def config_packs(config: dict[str, object], where: str = "") -> list[Pack]:
    """The packs a config names (``packs``, default the built-in one), loaded and validated."""
    names = expect(f"{where}packs", config.get("packs", [DEFAULT_PACK]), list)
    if not names:
        raise ConfigError(f"{where}packs: name at least one pack (the default is [{DEFAULT_PACK}])")
    available = available_packs()
    if AUTO in names:
        if names != [AUTO]:
            raise ConfigError(f"{where}packs: `auto` chooses from every pack by the repository's agent files; name it alone")
        return [load_pack(name) for name in available]
    for index, name in enumerate(names):
        if name not in available:
            known = ", ".join(available)
            raise ConfigError(f"{where}packs[{index}]: unknown pack {name!r}{did_you_mean(name, available)} (available: {known})")
    return [load_pack(name) for name in names]


def _apply_severities(config: dict[str, object], where: str, specs: dict[str, RuleSpec]) -> None:
    for rule_id, level in expect(f"{where}severity", config.get("severity", {}), dict).items():
        if rule_id not in specs:
            raise ConfigError(f"{where}severity.{rule_id}: unknown rule{did_you_mean(str(rule_id), specs)}")
        try:
            severity = Severity.parse(expect(f"{where}severity.{rule_id}", level, str))
        except ValueError as error:
            raise ConfigError(f"{where}severity.{rule_id}: {error}") from None
        specs[rule_id] = replace(specs[rule_id], severity=severity)
