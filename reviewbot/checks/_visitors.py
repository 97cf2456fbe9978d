"""The LibCST visitors some rules run over one subtree (a handler's body, a call's argument).

They live apart from their rules because a ``CSTVisitor`` subclass needs LibCST when its class
statement runs, and the rule modules are imported without LibCST (see ``reviewbot.lazy``): this
module is imported the first time a rule asks for one of them, during a walk. The rule registry
skips modules whose name starts with ``_``, as they declare no rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from reviewbot.lazy import libcst as cst

from reviewbot.checks.base import FileContext, is_builtin
from reviewbot.imports import dotted_name

# An attribute holding a status or an error code: ``e.resp.status``, ``exc.response.status_code``,
# ``err.code``, ``e.errno``, ``error.returncode``, ``e.http_status``, ``e.statusCode``.
STATUS = re.compile(r"(?:\w+_)?(?:status|code|errno|status_?code|returncode)(?:_\w+)?", re.IGNORECASE)
# The names code gives the answer whose status it checks (``response.raise_for_status()``).
ANSWERS = frozenset({"response", "resp", "res", "r", "reply", "result"})
# Calls that only read a value, allowed in the assignments a handler makes before its ``if``
# (``status = getattr(e, "status", None)``); anything else may do something with the error.
READS = frozenset({"getattr", "int", "str", "get", "decode", "json", "loads"})
# Calls that show a failure to whoever runs the program, besides logging (with ``print``): a
# handler that makes one leaves a trace louder than its debug line (RB207).
SHOWN = frozenset({"sys.stderr.write", "sys.stdout.write", "click.echo", "click.secho", "typer.echo", "typer.secho"})
PRINT = frozenset({"print"})


class Reads(cst.CSTVisitor):
    """Finds a read of one of ``names``, or of a status attribute of anything."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        """``e`` itself (an attribute's own name never reaches here: see ``visit_Attribute``)."""
        self.found |= node.value in self.names

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        """``e.status``, ``response.status_code``: a status of the failure or of the answer that
        raised it (``request.country_code`` and ``self.status`` are neither); then the object it is read from."""
        if STATUS.fullmatch(node.attr.value) is not None:
            root = node.value
            while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
                root = root.value if not isinstance(root, cst.Call) else root.func
            self.found |= isinstance(root, cst.Name) and (root.value in self.names or root.value in ANSWERS)
        node.value.visit(self)
        return False


class Shows(cst.CSTVisitor):
    """Finds a call of ``SHOWN`` or ``print`` in a handler's own statements (not in functions it defines)."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        """``print(...)``, ``sys.stderr.write(...)``, ``click.echo(...)``."""
        self.found |= self.ctx.imports.resolve(node.func) in SHOWN or is_builtin(self.ctx, node.func, PRINT) is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        """A function defined in the handler does not run with it."""
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        """Nor does a lambda."""
        return False


class Calls(cst.CSTVisitor):
    """Finds a call other than the reads of ``READS`` and ``.get(...)``."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        """A call that may do more than read."""
        func = node.func
        reading = (isinstance(func, cst.Name) and func.value in READS) or (isinstance(func, cst.Attribute) and func.attr.value in READS)
        self.found |= not reading


class HandlerBody(cst.CSTVisitor):
    """What a DRF exception handler's body calls, binds and returns."""

    def __init__(self, name: Callable[[cst.Call], str], delegate: str) -> None:
        super().__init__()
        self.name = name
        # DRF's own handler, whose answer this one may keep.
        self.delegate = delegate
        self.called: set[str] = set()
        self.assigned: set[str] = set()
        # The names bound to DRF's own answer (``response = exception_handler(exc, context)``).
        self.answers: set[str] = set()
        self.returned: list[cst.BaseExpression | None] = []
        self.delegated = False

    def visit_Call(self, node: cst.Call) -> None:
        """A call: DRF's handler, a response built, anything else."""
        called = self.name(node)
        self.called.add(called)
        self.delegated |= called == self.delegate

    def visit_Assign(self, node: cst.Assign) -> None:
        """``name = ...``: a rebinding, or DRF's answer kept."""
        names = {target.target.value for target in node.targets if isinstance(target.target, cst.Name)}
        self.assigned |= names
        if isinstance(node.value, cst.Call) and self.name(node.value) == self.delegate:
            self.answers |= names

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        """``name += ...``."""
        if isinstance(node.target, cst.Name):
            self.assigned.add(node.target.value)

    def visit_Return(self, node: cst.Return) -> None:
        """What the handler answers."""
        self.returned.append(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        """A nested function's body is its own."""
        return False


class CallNames(cst.CSTVisitor):
    """The last name part of every call in a block (``self.start()`` -> ``start``)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Call(self, node: cst.Call) -> None:
        """One call."""
        spelled = dotted_name(node.func)
        if spelled is not None:
            self.names.add(spelled.rpartition(".")[2])
