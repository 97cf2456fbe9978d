"""The rule registry: one table of every rule by id, with their status and the ids that moved.

Built-in rules are every ``Rule`` class defined in a module of this package: adding one means
writing its class in a family module (or a new module here) and its tests; a pack entry gives it
a severity and an agent quote, and without one it runs only when a config selects it.

A team's own rules come from an installed distribution that the config names under ``plugins:``
and that declares them in the ``reviewbot.rules`` entry-point group (a ``Rule`` class, or a module
of them). Nothing of the scanned repository is ever imported: its code is only parsed.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from reviewbot.checks.base import ANCHORS, Rule
from reviewbot.errors import ConfigError
from reviewbot.model import Option

if TYPE_CHECKING:
    from importlib import metadata

# The entry-point group installed rules are declared in.
ENTRY_POINTS = "reviewbot.rules"
# What a rule's ``status`` may be: ``preview`` rules run only when selected by their exact id;
# ``deprecated`` ones still run as configured, and say so when a config selects them by id.
STATUSES = ("stable", "preview", "deprecated")
# Ids of installed rules: upper-case letters, then digits; ``RB`` is reviewbot's own.
PLUGIN_ID = re.compile(r"[A-Z]{2,8}[0-9]{1,5}")


def _rules_of(module: ModuleType) -> list[type[Rule]]:
    """The rules a module defines (bases such as ``ProjectRule`` declare no id of their own)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__ and "id" in vars(value)
    ]


def _collect() -> dict[str, type[Rule]]:
    """Import every module of this package (but ``_`` ones) and gather the rules they define, sorted by id."""
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue  # helpers, such as the visitors of ``_visitors``, declare no rules
        for rule in _rules_of(importlib.import_module(f"{__name__}.{module_info.name}")):
            if rule.id in found:
                raise TypeError(f"{rule.__qualname__} and {found[rule.id].__qualname__} both declare {rule.id}")
            if rule.status not in STATUSES:
                raise TypeError(f"{rule.__qualname__}: status {rule.status!r} is not one of {', '.join(STATUSES)}")
            if rule.anchor not in ANCHORS:
                raise TypeError(f"{rule.__qualname__}: anchor {rule.anchor!r} is not one of {', '.join(ANCHORS)}")
            found[rule.id] = rule
    return dict(sorted(found.items()))


# Every rule reviewbot knows, by id; installed rules join when a config names their distribution.
RULES: dict[str, type[Rule]] = _collect()
BUILT_IN = frozenset(RULES)

# Ids that moved: a config, command line or suppression comment naming the old id means the new
# one, with a warning (``validate.rule_ids``). An id, once used, is never given to another rule.
REDIRECTS: dict[str, str] = {}

# Every rule option, by its config key.
OPTIONS: dict[str, Option] = {option.key: option for rule in RULES.values() for option in rule.options}

# The distributions whose rules are registered, by name: their identity (version and code files'
# sizes and times, for the settings' digest) and their rules.
INSTALLED: dict[str, tuple[str, tuple[type[Rule], ...]]] = {}


def install(names: tuple[str, ...], where: str = "") -> dict[str, tuple[str, tuple[type[Rule], ...]]]:
    """Register the rules of the installed distributions ``names`` (config ``plugins:``); return
    each one's identity and rules.

    A distribution that is not installed, declares no ``reviewbot.rules`` entry point, fails to
    import, or declares a rule reviewbot cannot take is a ``ConfigError`` naming it.
    """
    if not names:
        return {}
    from importlib import metadata

    for index, name in enumerate(names):
        if name in INSTALLED:
            continue
        at = f"{where}plugins[{index}]"
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ConfigError(f"{at}: no distribution {name!r} is installed where reviewbot runs; pip install it there") from None
        points = [point for point in distribution.entry_points if point.group == ENTRY_POINTS]
        if not points:
            raise ConfigError(f"{at}: {name} declares no rules (no entry point in the {ENTRY_POINTS!r} group)")
        rules: list[type[Rule]] = []
        for point in points:
            try:
                loaded = point.load()
            except Exception as error:  # noqa: BLE001 - any failure of a plugin's import is its own
                raise ConfigError(f"{at}: {name}'s entry point {point.value} cannot be loaded: {type(error).__name__}: {error}") from None
            rules.extend(_rules_of(loaded) if isinstance(loaded, ModuleType) else [loaded])
        taken = dict(RULES)
        for rule in rules:
            _check_plugin_rule(at, name, rule, taken)
            taken[rule.id] = rule
        for rule in rules:
            RULES[rule.id] = rule
            OPTIONS.update((option.key, option) for option in rule.options)
        INSTALLED[name] = (_identity(distribution, rules), tuple(sorted(rules, key=lambda rule: rule.id)))
    return {name: INSTALLED[name] for name in names}


def _check_plugin_rule(at: str, name: str, rule: object, taken: dict[str, type[Rule]]) -> None:
    """Refuse what is not a rule reviewbot can run and tell apart from its own."""
    if not (isinstance(rule, type) and issubclass(rule, Rule) and "id" in vars(rule)):
        raise ConfigError(f"{at}: {name} declares {rule!r}, which is not a reviewbot Rule class with an id")
    if not PLUGIN_ID.fullmatch(rule.id) or rule.id.startswith("RB"):
        raise ConfigError(f"{at}: {name}'s rule id {rule.id!r} must be 2-8 capital letters then digits, and not start with RB (reviewbot's own)")
    if rule.id in taken and taken[rule.id] is not rule:
        raise ConfigError(f"{at}: {name} declares {rule.id}, which {taken[rule.id].__module__} declares too")
    if rule.status not in STATUSES:
        raise ConfigError(f"{at}: {name}'s {rule.id} has status {rule.status!r}; expected one of {', '.join(STATUSES)}")
    if rule.anchor not in ANCHORS:
        raise ConfigError(f"{at}: {name}'s {rule.id} has anchor {rule.anchor!r}; expected one of {', '.join(ANCHORS)}")
    for field in ("name", "summary", "why"):
        if not isinstance(getattr(rule, field, None), str):
            raise ConfigError(f"{at}: {name}'s {rule.id} declares no {field}")


def _identity(distribution: metadata.Distribution, rules: list[type[Rule]]) -> str:
    """A distribution's version and the size and time of its rules' module files: a changed
    plugin (an editable install edited, say) is a change of settings, so the cache re-scans."""
    parts = [distribution.version]
    for module in sorted({rule.__module__ for rule in rules}):
        file = getattr(importlib.import_module(module), "__file__", None)
        if file is not None:
            status = Path(file).stat()
            parts.append(f"{module}:{status.st_size}:{status.st_mtime_ns}")
    return " ".join(parts)
