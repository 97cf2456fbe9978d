"""One pass over a LibCST tree that yields both exact positions and check callbacks.

LibCST's ``PositionProvider`` regenerates the whole file to learn positions and a ``CSTVisitor``
walks the tree a second time; together they cost about 2.5x the parse. Code generation already
visits every node in source order, calling ``before_codegen``/``after_codegen`` around each one,
so this module hooks those two calls: it tracks line and column from the emitted tokens (without
building the text) and dispatches to the checks on the way in and out. The result is the same
syntactic ranges ``PositionProvider`` computes (a test compares them) for a fraction of the cost.

It relies on LibCST's private code generation protocol (``CSTNode._codegen`` and ``CodegenState``):
``tests/test_walk.py`` compares every span with ``PositionProvider``'s, so a LibCST release that
changes the protocol fails the test suite, and ``pyproject.toml`` pins the major version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

# (start line, start column, end line, end column): lines 1-based, columns 0-based as in LibCST.
Span = tuple[int, int, int, int]
# A check's ``visit_X``/``leave_X`` method; each takes its own node type.
Callback = Callable[[Any], None]


class Walk(CodegenState):
    """Walk ``module`` once, calling ``enter``/``leave`` callbacks and recording every span."""

    def __init__(
        self,
        module: cst.Module,
        enter: dict[type, list[Callback]],
        leave: dict[type, list[Callback]],
        on_error: Callable[[Callback, cst.CSTNode, Exception], None],
    ) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.module = module
        self.enter = enter
        self.leave = leave
        # Told when a callback raises; the walk goes on with the other callbacks.
        self.on_error = on_error
        # Span of every node, keyed by ``id(node)``: nodes live as long as the module, and ``id``
        # is much cheaper than ``CSTNode.__hash__`` on two million nodes.
        self.spans: dict[int, Span] = {}
        # Ancestors of the node being visited, the current node last.
        self.stack: list[cst.CSTNode] = []
        self.line = 1
        self.column = 0
        self._starts: list[tuple[int, int]] = []

    def run(self) -> None:
        """Visit the whole module."""
        self.module._codegen(self)

    # --- position tracking: the token text itself is never stored -------------------------------
    def add_token(self, value: str) -> None:
        """Advance the position past ``value``."""
        # "\r\n", "\n" and a lone "\r" each end a line, and one token may mix them.
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        """Advance the column past the current indentation."""
        for token in self.indent_tokens:
            self.column += len(token)

    def pop_trailing_newline(self) -> None:
        """Nothing to undo: the text itself is never stored."""

    def before_codegen(self, node: cst.CSTNode) -> None:
        """Entering ``node``: remember where it starts, then call the ``visit_`` callbacks."""
        self._starts.append((self.line, self.column))
        self.stack.append(node)
        callbacks = self.enter.get(type(node))
        if callbacks:
            self._dispatch(callbacks, node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        """Leaving ``node``: record its span, then call the ``leave_`` callbacks."""
        start = self._starts.pop()
        # A syntactic span recorded inside the node's own codegen wins over the inclusive one.
        key = id(node)
        if key not in self.spans:
            self.spans[key] = (start[0], start[1], self.line, self.column)
        callbacks = self.leave.get(type(node))
        if callbacks:
            self._dispatch(callbacks, node)
        self.stack.pop()

    def _dispatch(self, callbacks: list[Callback], node: cst.CSTNode) -> None:
        for callback in callbacks:
            try:
                callback(node)
            except Exception as error:  # noqa: BLE001 - a failing check must not stop the walk
                self.on_error(callback, node, error)

    # Same protocol as the base class, with a cheaper context manager than a generator.
    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _Syntactic:
        """Record the span without leading/trailing whitespace, as ``PositionProvider`` does."""
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """The context manager behind ``record_syntactic_position`` (a class: cheaper than a generator)."""

    __slots__ = ("walk", "node", "start_node", "end_node", "start")

    def __init__(self, walk: Walk, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.walk = walk
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = (self.walk.line, self.walk.column)

    def __exit__(self, *exc_info: object) -> None:
        walk = self.walk
        spans = walk.spans
        start_line, start_column = self.start if self.start_node is None else spans[id(self.start_node)][:2]
        end_line, end_column = (walk.line, walk.column) if self.end_node is None else spans[id(self.end_node)][2:]
        spans[id(self.node)] = (start_line, start_column, end_line, end_column)
