"""Checking user-written YAML/TOML values, with errors that name the key and suggest fixes."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from typing import TypeVar

from reviewbot.checks import OPTIONS, REDIRECTS, RULES
from reviewbot.errors import ConfigError

log = logging.getLogger(__name__)

# The kind `expect` checks for, and returns.
T = TypeVar("T")

# How a kind is named in error messages.
KIND_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list of strings", dict: "a mapping"}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def expect(where: str, value: object, kind: type[T]) -> T:
    """Return ``value`` if it has the given kind (``list`` means a list of strings), else raise."""
    # YAML and TOML write integers where a number is meant; a bool is an int to Python, not to users.
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if ok and isinstance(value, list):
        ok = all(isinstance(item, str) for item in value)
    if not ok:
        raise ConfigError(f"{where}: expected {KIND_NAMES[kind]}, got {value!r}")
    return value  # type: ignore[return-value]  # checked just above


def rule_ids(where: str, codes: object) -> list[str]:
    """Validate a list of rule ids or id prefixes (``RB1``, ``RB203``); an id that moved
    (``checks.REDIRECTS``) stands for its new one, and a deprecated rule named by id is warned of."""
    result = []
    for index, code in enumerate(expect(where, codes, list)):
        code = code.strip().upper()
        if code in REDIRECTS:
            log.warning("%s[%d]: %s is now %s; write the new id", where, index, code, REDIRECTS[code])
            code = REDIRECTS[code]
        if not code or not any(rule.startswith(code) for rule in RULES):
            raise ConfigError(f"{where}[{index}]: unknown rule {code!r}{did_you_mean(code, RULES)}")
        if code in RULES and RULES[code].status == "deprecated":
            log.warning("%s[%d]: %s is deprecated (`reviewbot explain %s` says why and what replaces it)", where, index, code, code)
        result.append(code)
    return result


def expand(prefixes: Iterable[str], *, selecting: bool = False) -> frozenset[str]:
    """Every rule id that starts with one of the prefixes; when ``selecting``, a ``preview`` rule
    only by its whole id (``select: [RB]`` does not turn on rules still being tried)."""
    prefixes = tuple(prefixes)
    if not prefixes:
        return frozenset()
    return frozenset(
        rule for rule, declared in RULES.items() if rule.startswith(prefixes) and not (selecting and declared.status == "preview" and rule not in prefixes)
    )


def options(prefix: str, families: object) -> dict[str, object]:
    """Flatten ``{comments: {min-lines: 10}}`` to ``{"comments.min-lines": 10}``, checking each key.

    ``prefix`` starts every error message (``".reviewbot.yml: "``).
    """
    known_families = sorted({key.partition(".")[0] for key in OPTIONS})
    result: dict[str, object] = {}
    for family, values in expect(prefix.rstrip(". "), families, dict).items():
        if family not in known_families:
            raise ConfigError(f"{prefix}{family}: unknown key{did_you_mean(str(family), known_families)}")
        for key, value in expect(f"{prefix}{family}", values, dict).items():
            full = f"{family}.{key}"
            if full not in OPTIONS:
                siblings = [k.partition(".")[2] for k in OPTIONS if k.startswith(family + ".")]
                raise ConfigError(f"{prefix}{full}: unknown key{did_you_mean(str(key), siblings)}")
            result[full] = expect(f"{prefix}{full}", value, OPTIONS[full].kind)
            check = OPTIONS[full].check
            if check is not None:
                result[full] = check(f"{prefix}{full}", value)
            minimum = OPTIONS[full].minimum
            if minimum is not None and result[full] < minimum:  # type: ignore[operator]  # a number here
                raise ConfigError(f"{prefix}{full}: must be at least {minimum:g}, got {value!r}")
    return result
