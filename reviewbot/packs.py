"""Rule packs: YAML files that tie an agent's written rules to reviewbot rules.

A pack gives each rule its default severity, the agent sentence it enforces and whether it applies
to test files, plus the default rule options. In a source checkout packs are read from ``rules/``;
an installed wheel carries the same files as ``reviewbot/rules/``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from reviewbot.checks import RULES
from reviewbot.checks.base import Rule
from reviewbot.errors import ConfigError
from reviewbot.model import Severity
from reviewbot.validate import did_you_mean, expect, options

# The pack applied when the config names none.
DEFAULT_PACK = "backend-engineer"
# Files larger than this are RB001 unless a pack or the config says otherwise.
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RuleSpec:
    """A rule as configured for this run: its declaration plus pack and config settings."""

    rule: type[Rule]
    severity: Severity
    quote: str | None
    in_tests: bool
    # False: the rule runs only when the config selects it (``select`` or ``extend-select``).
    enabled: bool = True


@dataclass(frozen=True)
class Bullet:
    """One sentence of an agent definition and the rules that enforce it."""

    quote: str
    section: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Phrases:
    """A rule's ``recognise`` entry: the phrases that name what it wants, forbids, or is about."""

    wants: tuple[re.Pattern[str], ...] = ()
    forbids: tuple[re.Pattern[str], ...] = ()
    about: tuple[re.Pattern[str], ...] = ()
    # Phrases that ask for the rule when a statement forbids them ("NOT ALLOWED TO DEPEND ON
    # DJANGO") and say nothing otherwise ("import from `dojo.models`").
    denied: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Pack:
    """A loaded, validated rule pack."""

    name: str
    agent: str
    source: str
    specs: dict[str, RuleSpec]
    bullets: tuple[Bullet, ...]
    # The ``recognise`` table as written: by rule, each kind's regular expressions (``recognise``).
    phrases: dict[str, dict[str, tuple[str, ...]]]
    # Sentences no rule can check by reading code: (patterns, reason), for ``reviewbot agents``.
    unchecked: tuple[tuple[tuple[str, ...], str], ...]
    options: dict[str, Any]
    test_paths: tuple[str, ...]
    max_file_bytes: int

    @functools.cached_property
    def recognise(self) -> dict[str, Phrases]:
        """How other agent files say what a rule enforces: by rule, the phrases naming what it
        wants ("absolute imports"), what it forbids ("relative imports"), what it is about (asking
        for less of it is against the rule: "no comments") and what only a prohibition of it asks
        for (``denied``), case-insensitive. Compiled when agent files are first read: a scan that
        reads none does not pay for a hundred regular expressions."""
        where = f"rules/{self.name}.yml: recognise"
        result = {}
        for rule_id, sides in self.phrases.items():
            compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
            for key, patterns in sides.items():
                found = []
                for index, pattern in enumerate(patterns):
                    try:
                        found.append(re.compile(pattern, re.IGNORECASE))
                    except re.error as error:
                        raise ConfigError(f"{where}.{rule_id}.{key}[{index}]: not a valid regular expression ({error})") from None
                compiled[key] = tuple(found)
            result[rule_id] = Phrases(**compiled)
        return result


# What a pack may say of a rule: its severity, whether it applies to test files, and whether it
# runs unless a config selects it (rules whose measured precision is low are opt-in).
SPEC_KEYS = ("severity", "tests", "enabled")


def pack_directory() -> Path:
    """Where the packs are: inside the installed package, else ``rules/`` of the source checkout.

    The installed copy is asked first: next to an installed package lies ``site-packages``, whose
    ``rules/`` would be some other distribution's package. (The package is a directory: wheels
    are installed unzipped.)
    """
    installed = Path(__file__).resolve().parent / "rules"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "rules"


def available_packs() -> list[str]:
    """Names of the packs that can be enabled."""
    return sorted(entry.name[: -len(".yml")] for entry in pack_directory().iterdir() if entry.name.endswith(".yml"))


@cache
def load_pack(name: str) -> Pack:
    """Read and validate one pack by name (one of ``available_packs()``), once per process.

    A rule's agent quote is the bullet that lists it under ``rules:`` (with its severity); other
    bullets may name it under ``also:`` when they are enforced by it too.
    """
    where = f"rules/{name}.yml"
    # PyYAML's binding to libyaml, when it has one, reads a pack in about a tenth of the time.
    text = (pack_directory() / f"{name}.yml").read_text(encoding="utf-8")
    data = expect(where, yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), dict)  # noqa: S506 - a safe loader
    specs: dict[str, RuleSpec] = {}
    # Meta rules (RB0xx) enforce no sentence of the agent: they have no quote.
    for rule_id, entry in expect(f"{where}: meta", data.get("meta", {}), dict).items():
        specs[rule_id] = _spec(f"{where}: meta.{rule_id}", rule_id, entry, None)
    entries = data.get("bullets", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: bullets: expected a list of mappings, got {entries!r}")
    bullets = []
    for index, bullet in enumerate(entries):
        at = f"{where}: bullets[{index}]"
        bullet = expect(at, bullet, dict)
        quote = expect(f"{at}.quote", bullet.get("quote"), str)
        own = expect(f"{at}.rules", bullet.get("rules", {}), dict)
        for rule_id, entry in own.items():
            specs[rule_id] = _spec(f"{at}.rules.{rule_id}", rule_id, entry, quote)
        also = expect(f"{at}.also", bullet.get("also", []), list)
        bullets.append(Bullet(quote, str(bullet.get("section", "")), (*own, *also)))
    return Pack(
        name=name,
        agent=str(data.get("agent", name)),
        source=str(data.get("source", "")),
        specs=specs,
        bullets=tuple(bullets),
        phrases=_recognise(where, data.get("recognise", {})),
        unchecked=_unchecked(where, data.get("unchecked", [])),
        options=options(f"{where}: options.", data.get("options", {})),
        test_paths=tuple(expect(f"{where}: test-paths", data.get("test-paths", []), list)),
        max_file_bytes=expect(f"{where}: max-file-bytes", data.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES), int),
    )


def _recognise(where: str, entries: object) -> dict[str, dict[str, tuple[str, ...]]]:
    """``recognise:``: by rule id, ``wants``, ``forbids``, ``about`` and ``denied`` lists of regular
    expressions (compiled by ``Pack.recognise``)."""
    keys = ("wants", "forbids", "about", "denied")
    result = {}
    for rule_id, entry in expect(f"{where}: recognise", entries, dict).items():
        at = f"{where}: recognise.{rule_id}"
        if rule_id not in RULES:
            raise ConfigError(f"{at}: unknown rule{did_you_mean(str(rule_id), RULES)}")
        for key in expect(at, entry, dict):
            if key not in keys:
                raise ConfigError(f"{at}.{key}: unknown key{did_you_mean(str(key), keys)}")
        sides = {}
        for key in keys:
            sides[key] = tuple(expect(f"{at}.{key}[{index}]", pattern, str) for index, pattern in enumerate(expect(f"{at}.{key}", entry.get(key, []), list)))
        result[str(rule_id)] = sides
    return result


def _unchecked(where: str, entries: object) -> tuple[tuple[tuple[str, ...], str], ...]:
    """``unchecked:`` entries: the patterns of sentences no rule checks, and why."""
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: unchecked: expected a list of mappings, got {entries!r}")
    result = []
    for index, entry in enumerate(entries):
        entry = expect(f"{where}: unchecked[{index}]", entry, dict)
        patterns = tuple(expect(f"{where}: unchecked[{index}].match", entry.get("match"), list))
        result.append((patterns, expect(f"{where}: unchecked[{index}].reason", entry.get("reason"), str)))
    return tuple(result)


def _spec(where: str, rule_id: str, entry: object, quote: str | None) -> RuleSpec:
    """One rule's entry in a pack: ``{severity: error, tests: false, enabled: false}``."""
    if rule_id not in RULES:
        raise ConfigError(f"{where}: unknown rule{did_you_mean(rule_id, RULES)}")
    entry = expect(where, entry, dict)
    for key in entry:
        if key not in SPEC_KEYS:
            raise ConfigError(f"{where}.{key}: unknown key{did_you_mean(str(key), SPEC_KEYS)}")
    try:
        severity = Severity.parse(expect(f"{where}.severity", entry.get("severity"), str))
    except ValueError as error:
        raise ConfigError(f"{where}.severity: {error}") from None
    in_tests = expect(f"{where}.tests", entry.get("tests", True), bool)
    enabled = expect(f"{where}.enabled", entry.get("enabled", True), bool)
    return RuleSpec(RULES[rule_id], severity, quote, in_tests, enabled)
