"""A light import table: which qualified name each local name stands for.

``import requests as r`` binds ``r`` to ``requests``; ``from subprocess import run as sh`` binds
``sh`` to ``subprocess.run``. Callees are resolved through this table instead of LibCST's
``QualifiedNameProvider``, which costs about ten times the parse. The table is per file; a name
the function whose body the walk is in binds locally (a parameter, an assignment, ...:
``reviewbot.scopes``) shadows an import of the same spelling, and a module-level assignment,
``def`` or ``class`` rebinds it from there on. Walrus targets and comprehension variables are not
tracked.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING, Literal

from reviewbot.lazy import libcst as cst

if TYPE_CHECKING:
    from reviewbot.scopes import Locals


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a ``Name``/``Attribute`` chain, else ``None``."""
    # Exact types: ``isinstance`` on LibCST's abstract node classes is slow when it fails, and
    # this runs for nearly every call of every file.
    parts: list[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


class ImportTable:
    """Local name -> qualified name, filled from ``import`` and ``from ... import`` statements."""

    def __init__(self, package: str | None = None) -> None:
        # The dotted package of the scanned file, used to resolve relative imports when known.
        self.package = package
        self.names: dict[str, str] = {}
        # The locals of the function the walk is in (the engine keeps this up to date).
        self._scope: Locals | None = None
        # ``resolve`` of a node in the current scope, by ``id``: a call's callee is resolved by
        # several rules. Forgotten whenever ``names`` or ``scope`` change.
        self._resolved: dict[int, tuple[cst.BaseExpression, str | None]] = {}

    @property
    def scope(self) -> Locals | None:
        """The locals of the function the walk is in, whose names shadow imports."""
        return self._scope

    @scope.setter
    def scope(self, scope: Locals | None) -> None:
        self._scope = scope
        self._resolved.clear()

    def forget(self, name: str) -> None:
        """``name`` no longer stands for an import (a module-level ``def`` or assignment rebinds it)."""
        if self.names.pop(name, None) is not None:
            self._resolved.clear()

    def add(self, node: cst.Import | cst.ImportFrom) -> None:
        """Record the names an import statement binds.

        ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``; ``from m import x as
        y`` binds ``y`` to ``m.x``. Star imports bind nothing that can be known without importing.
        """
        self._resolved.clear()
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.names[alias.asname.name.value] = full
                else:
                    # ``import os.path`` binds ``os``.
                    top = full.split(".")[0]
                    self.names[top] = top
            return
        if isinstance(node.names, cst.ImportStar):
            return
        module = self.absolute_module(node)
        if module is None:
            return
        for alias in node.names:
            imported = dotted_name(alias.name) or ""
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.names[local] = f"{module}.{imported}" if module else imported

    def absolute_module(self, node: cst.ImportFrom) -> str | None:
        """The absolute module an ``ImportFrom`` reads from, or ``None`` if it can't be known."""
        module = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level == 0:
            return module
        if self.package is None:
            return None
        parts = self.package.split(".") if self.package else []
        if level - 1 >= len(parts):
            # Python refuses to go above the top-level package.
            return None
        base = parts[: len(parts) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def resolve(self, node: cst.BaseExpression, scope: Locals | None | Literal["current"] = "current") -> str | None:
        """The qualified name an expression refers to through the imports, if it is imported and
        not shadowed by a local of ``scope`` (by default the function the walk is in)."""
        if not isinstance(scope, str):
            return self._resolve(node, scope)
        known = self._resolved.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        found = self._resolve(node, self._scope)
        self._resolved[id(node)] = (node, found)
        return found

    def _resolve(self, node: cst.BaseExpression, shadowing: Locals | None) -> str | None:
        """``resolve`` with the locals of ``shadowing``."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.names.get(head)
        if target is None or (shadowing is not None and shadowing.binds(head)):
            return None
        return f"{target}.{rest}" if rest else target


# The module of a relative ``from`` import in a line of source: ``from ..billing import x`` -> ``..billing``.
RELATIVE_FROM = re.compile(r"^\s*from\s+(\.+[\w.]*)\s+import\b", re.MULTILINE)
