"""Checking user-written YAML/TOML values, with errors that name the key and suggest fixes."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from typing import TypeVar

from reviewbot.checks import OPTIONS, REDIRECTS, RULES
from reviewbot.errors import ConfigError
from reviewbot.suppress import CHECK_ID

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


def rule_ids(where: str, codes: object, *, checks_later: bool = False) -> list[str]:
    """Validate a list of rule ids or id prefixes (``RB1``, ``RB203``, in any case) and check ids
    (``no-session-commit``, exactly as the config writes them); an id that moved
    (``checks.REDIRECTS``) stands for its new one, and a deprecated rule named by id is warned of.

    ``checks_later``: the config that writes the checks is not read yet (the command line's
    ``--select``), so a check id is taken as written, and ``known_checks`` asks about it later.
    """
    result = []
    for index, code in enumerate(expect(where, codes, list)):
        code = code.strip()
        if CHECK_ID.fullmatch(code):
            if code not in RULES and not checks_later:
                raise ConfigError(f"{where}[{index}]: unknown rule {code!r}{did_you_mean(code, RULES)}")
            result.append(code)
            continue
        code = code.upper()
        if code in REDIRECTS:
            log.warning("%s[%d]: %s is now %s; write the new id", where, index, code, REDIRECTS[code])
            code = REDIRECTS[code]
        if not code or not any(rule.startswith(code) for rule in RULES):
            # ``No-Session-Commit``: a check's id in the wrong case is suggested in the right one.
            hint = did_you_mean(code, RULES) or did_you_mean(code.lower(), RULES)
            raise ConfigError(f"{where}[{index}]: unknown rule {code!r}{hint}")
        if code in RULES and RULES[code].status == "deprecated":
            log.warning("%s[%d]: %s is deprecated (`reviewbot explain %s` says why and what replaces it)", where, index, code, code)
        result.append(code)
    return result


def known_checks(where: str, codes: list[str]) -> None:
    """Refuse a check id of ``codes`` (from ``rule_ids(..., checks_later=True)``) that the config
    read since writes no check for."""
    for index, code in enumerate(codes):
        if CHECK_ID.fullmatch(code) and code not in RULES:
            raise ConfigError(f"{where}[{index}]: unknown rule {code!r}{did_you_mean(code, RULES)}")


def expand(prefixes: Iterable[str], *, selecting: bool = False) -> frozenset[str]:
    """Every rule id that starts with one of the prefixes, and every check named by its id (a
    check's id is never a prefix: ``no-session`` is not ``no-session-commit``); when ``selecting``,
    a ``preview`` rule only by its whole id (``select: [RB]`` does not turn on rules still being tried)."""
    prefixes = tuple(prefixes)
    if not prefixes:
        return frozenset()
    codes = tuple(prefix for prefix in prefixes if not CHECK_ID.fullmatch(prefix))
    return frozenset(
        rule
        for rule, declared in RULES.items()
        if (rule in prefixes or rule.startswith(codes)) and not (selecting and declared.status == "preview" and rule not in prefixes)
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
