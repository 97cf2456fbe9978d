"""How the checks a config writes (``reviewbot.written``) match code: call patterns, imported
modules, and expression patterns with ``_`` for any expression.

Pure functions over LibCST nodes and the file's import table (``reviewbot.imports``): a callee is
named by its qualified name when its first name is imported, never through LibCST's metadata
providers, and an expression pattern is compared node by node, so that white space, comments,
parentheses and the quotes of a string do not count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields

from reviewbot.lazy import libcst as cst

from reviewbot.imports import ImportTable, dotted_name

# A ``calls`` entry: dotted names, ``*`` standing for one name; a leading ``*.`` for any receiver.
CALL_PATTERN = re.compile(r"(?:\*\.)?(?:[A-Za-z_]\w*|\*)(?:\.(?:[A-Za-z_]\w*|\*))*")
# A ``modules`` entry.
MODULE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
# The name that stands for any expression in an expression pattern.
WILDCARD = "_"
# Fields of LibCST nodes that are layout, not meaning: parentheses and trailing commas (white
# space and comments are in the fields named ``whitespace...``).
LAYOUT_FIELDS = frozenset({"lpar", "rpar", "comma"})


@dataclass(frozen=True)
class CallPattern:
    """A ``calls`` entry: the names it wants, and whether any receiver may come before them."""

    names: tuple[str, ...]
    any_receiver: bool

    @classmethod
    def parse(cls, text: str) -> CallPattern:
        """``*.session.commit``, ``requests.get``, ``eval``, ``requests.*``."""
        return cls(tuple(text.removeprefix("*.").split(".")), text.startswith("*."))

    def matches(self, names: tuple[str, ...], receiver: bool) -> bool:
        """Whether a callee is wanted: ``names`` as ``callee`` gives them, ``receiver`` when an
        expression that is no name comes before them."""
        count = len(self.names)
        if self.any_receiver:
            # One name or more, or any expression, before the wanted names: ``commit()`` alone is not ``*.commit``.
            if len(names) < count or (len(names) == count and not receiver):
                return False
        elif receiver or len(names) != count:
            return False
        return all(want in ("*", name) for want, name in zip(self.names, names[-count:]))


def callee(imports: ImportTable, func: cst.BaseExpression) -> tuple[tuple[str, ...], bool]:
    """What a call calls, as ``calls`` patterns see it: the qualified name when its first name is
    imported (``r.get`` after ``import requests as r`` is ``requests.get``), else the names as
    written; and whether an expression that is no name comes first (``get_db().session.commit``)."""
    resolved = imports.resolve(func)
    if resolved is not None:
        return tuple(resolved.split(".")), False
    names = []
    while isinstance(func, cst.Attribute):
        names.append(func.attr.value)
        func = func.value
    if isinstance(func, cst.Name):
        names.append(func.value)
    return tuple(reversed(names)), not isinstance(func, cst.Name)


def imported(imports: ImportTable, node: cst.Import | cst.ImportFrom) -> list[str]:
    """The modules an import statement names: ``x.y`` for ``import x.y``; ``x`` and ``x.y`` for
    ``from x import y`` (``y`` may be a module or a name); relative ones made absolute when the
    file's package is known."""
    if isinstance(node, cst.Import):
        return [dotted_name(alias.name) or "" for alias in node.names]
    module = imports.absolute_module(node)
    if module is None:
        return []
    if isinstance(node.names, cst.ImportStar):
        return [module]
    names = [dotted_name(alias.name) or "" for alias in node.names]
    return [module, *(f"{module}.{name}" if module else name for name in names)]


def within(name: str, modules: tuple[str, ...]) -> bool:
    """Whether module ``name`` is one of ``modules`` or inside one."""
    return any(name == module or name.startswith(module + ".") for module in modules)


def same(pattern: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Whether ``node`` is what ``pattern`` writes, ``_`` standing for any expression: node by node,
    names and attributes by their text, strings by their value; white space, comments,
    parentheses and trailing commas do not count."""
    if isinstance(pattern, cst.Name) and pattern.value == WILDCARD:
        return True
    if type(pattern) is not type(node):
        return False
    if isinstance(pattern, cst.SimpleString) and isinstance(node, cst.SimpleString):
        return pattern.evaluated_value == node.evaluated_value
    return all(
        _same_value(getattr(pattern, item.name), getattr(node, item.name))
        for item in fields(pattern)
        if item.name not in LAYOUT_FIELDS and not item.name.startswith("whitespace")
    )


def _same_value(pattern: object, value: object) -> bool:
    """``same`` for one field's value: a node, a sequence of them, or a plain value."""
    if isinstance(pattern, cst.CSTNode):
        return isinstance(value, cst.CSTNode) and same(pattern, value)
    if isinstance(pattern, (tuple, list)):
        return isinstance(value, (tuple, list)) and len(pattern) == len(value) and all(map(_same_value, pattern, value))
    return pattern == value


def in_code(stack: list[cst.CSTNode]) -> bool:
    """Whether the node the walk is in (last of its ``stack`` of ancestors) is an expression of the
    code, not a name that a definition, a keyword argument, an attribute or an import spells
    (``import os.path`` names no ``os.path`` value)."""
    node, parent = stack[-1], stack[-2] if len(stack) > 1 else None
    if any(isinstance(parent, kind) and getattr(parent, field) is node for kind, field in _not_expressions()):
        return False
    return not any(isinstance(ancestor, (cst.Import, cst.ImportFrom)) for ancestor in stack)


@functools.cache
def _not_expressions() -> tuple[tuple[type[cst.CSTNode], str], ...]:
    """(parent class, field): where a name is no expression of the code (``x.attr``, ``f(keyword=...)``)."""
    return (
        (cst.Attribute, "attr"), (cst.Arg, "keyword"), (cst.FunctionDef, "name"), (cst.ClassDef, "name"), (cst.Param, "name"),
        (cst.AsName, "name"), (cst.NameItem, "name"), (cst.MatchAs, "name"), (cst.MatchStar, "name"), (cst.MatchKeywordElement, "key"),
    )
