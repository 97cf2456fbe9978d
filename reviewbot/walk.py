"""Everything that leans on LibCST's internals: one pass that yields exact positions and callbacks.

LibCST's ``PositionProvider`` regenerates the whole file to learn positions and a ``CSTVisitor``
walks the tree a second time; together they cost about 2.5x the parse. Code generation already
visits every node in source order, calling ``before_codegen``/``after_codegen`` around each one,
so ``Walk`` hooks those two calls: it tracks line and column from the emitted tokens (without
building the text) and dispatches to the checks on the way in and out. The result is the same
syntactic ranges ``PositionProvider`` computes, for a fraction of the cost.

That relies on LibCST's private code generation protocol (``CSTNode._codegen`` and
``CodegenState``), which no release promises to keep. So:

- ``pyproject.toml`` declares the LibCST versions the test suite runs on (``SUPPORTED_LIBCST``;
  CI runs the rule tests on the floor and the newest);
- once per process, ``fast_walk_is_exact`` walks a built-in sample and compares every span with
  ``PositionProvider``'s; if they differ (a LibCST outside that range changed the protocol),
  ``new_walk`` hands out ``VisitorWalk`` instead: public API only, the same callbacks and spans,
  findings unchanged, only slower. ``--verbose`` says so;
- callbacks are registered for a node class and dispatched to every concrete subclass of it
  (``concrete_types``), so a check written against a base class, or a node class a new LibCST adds
  under it, is never skipped silently.

``parse`` leans on one more: every node LibCST builds checks its own fields in ``__post_init__``
(a fifth of the parse), though a tree the parser built from source is valid by construction
(LibCST's own comment there says as much). ``parse`` builds the tree with those checks off, once
``unvalidated_parse_is_exact`` has found, on ``CANARY``, that the tree is equal to the checked one
and that every node of it passes the checks afterwards; nodes built anywhere else (by fixes) are
always checked.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from importlib import metadata
from typing import Any, Protocol

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst._nodes.internal import CodegenState
from libcst.metadata import MetadataWrapper, PositionProvider

# The LibCST versions the test suite runs on; pyproject.toml declares the same range.
SUPPORTED_LIBCST = ">=1.1,<1.10"

# (start line, start column, end line, end column): lines 1-based, columns 0-based as in LibCST.
Span = tuple[int, int, int, int]
# A check's ``visit_X``/``leave_X`` method; each takes its own node type.
Callback = Callable[[Any], None]
# Told when a callback raises: the callback, the node and the error.
OnError = Callable[[Callback, cst.CSTNode, Exception], None]

log = logging.getLogger(__name__)

# A sample with every kind of position the protocol computes differently: comments, decorators,
# type parameters, f-strings, line continuations, match, except*, walrus, CRLF-free. It parses on
# every supported LibCST (no syntax newer than Python 3.12).
CANARY = '''\
# header comment
"""Module docstring
over lines."""
import os, sys as system; from . import x  # trailing
from os.path import (join,
    sep)
@decorator(
    arg,  # inside parens
)
async def f[T](a: T, /, b=1, *args: int, c, **kw) -> list[T]:
    async with open(a) as h, other() as g:
        async for item in h:
            yield (await item) if item else None
    x = [i for i in range(3) if i for j in "ab"]
    s = f"{a!r:>{b}} {'nested'}" \\
        "continued"
    match a:
        case {"k": [1, *rest]} | Point(x=0) if rest:
            pass
        case _:
            ...
    try:
        pass
    except* (ValueError, TypeError) as eg:
        raise
    lam = lambda q, *r: q
    while (n := len(s)) > 3: break
    return [
        a,
        b,
    ]
class K(Base, metaclass=M):
    x: int = 1
    def __init__(self): super().__init__()
'''


class TreeWalk(Protocol):
    """What the engine and the checks use of a walk, whichever kind ``new_walk`` chose."""

    # Span of every node, keyed by ``id(node)``.
    spans: dict[int, Span]
    # Ancestors of the node being visited, the current node last.
    stack: list[cst.CSTNode]
    # Where the node being entered starts (1-based line, 0-based column).
    line: int
    column: int

    def run(self) -> None:
        """Visit the whole module."""

    def release(self) -> None:
        """Forget the callbacks (see ``_release``)."""


def _release(walk: Walk | VisitorWalk) -> None:
    """Drop the walk's references to the callbacks' owners once the walk is over.

    The rules hold the file's context, which holds the walk, which holds the rules' bound methods:
    a reference cycle that would keep the whole tree alive until Python's cycle collector finds
    it, and that collector, scanning millions of live nodes, was a seventh of a scan's time.
    """
    walk.enter.clear()
    walk.leave.clear()
    walk.on_error = _ignore


def _ignore(callback: Callback, node: cst.CSTNode, error: Exception) -> None:
    """The error handler of a finished walk: nothing runs any more."""


def _dispatch(callbacks: list[Callback], node: cst.CSTNode, on_error: OnError) -> None:
    """Call every callback on ``node``; a raising callback is reported and the others go on."""
    for callback in callbacks:
        try:
            callback(node)
        except Exception as error:  # noqa: BLE001 - a failing check must not stop the walk
            on_error(callback, node, error)


# Every class of node a parsed tree can hold: the concrete node classes LibCST exports.
NODE_TYPES: tuple[type[cst.CSTNode], ...] = tuple(
    value
    for value in vars(cst).values()
    if isinstance(value, type) and issubclass(value, cst.CSTNode) and not getattr(value, "__abstractmethods__", None)
)


@functools.cache
def concrete_types(node_type: type[cst.CSTNode]) -> tuple[type[cst.CSTNode], ...]:
    """``node_type`` and its subclasses that nodes can be instances of, in a stable order."""
    return tuple(candidate for candidate in NODE_TYPES if issubclass(candidate, node_type))


def node_type(name: str) -> type[cst.CSTNode] | None:
    """The LibCST node class called ``name`` (``"Call"``), if there is one."""
    value = getattr(cst, name, None)
    return value if isinstance(value, type) and issubclass(value, cst.CSTNode) else None


class Walk(CodegenState):
    """Walk ``module`` once through its code generation, calling callbacks and recording spans."""

    def __init__(
        self,
        module: cst.Module,
        enter: dict[type, list[Callback]],
        leave: dict[type, list[Callback]],
        on_error: OnError,
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
        # (node, start node, end node, line, column) of each syntactic span being recorded.
        self._syntactic: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None, int, int]] = []
        # The module emits a newline of its own when nothing was emitted before it; the text is
        # never stored here, so say up front whether anything will be (every line emits tokens).
        self.tokens = ["(emitted)"] if module.header or module.body or module.footer else []

    def run(self) -> None:
        """Visit the whole module."""
        self.module._codegen(self)

    def release(self) -> None:
        """Forget the callbacks, so that the tree is freed as soon as nothing else holds it."""
        _release(self)

    # --- position tracking: the token text itself is never stored -------------------------------
    def add_token(self, value: str) -> None:
        """Advance the position past ``value``."""
        # Most tokens hold no line break: one search each, then counting only for those that do.
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        # "\r\n", "\n" and a lone "\r" each end a line, and one token may mix them.
        self.line += value.count("\n") + value.count("\r") - value.count("\r\n")
        self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1

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
            _dispatch(callbacks, node, self.on_error)

    def after_codegen(self, node: cst.CSTNode) -> None:
        """Leaving ``node``: record its span, then call the ``leave_`` callbacks."""
        start = self._starts.pop()
        # A syntactic span recorded inside the node's own codegen wins over the inclusive one.
        key = id(node)
        if key not in self.spans:
            self.spans[key] = (start[0], start[1], self.line, self.column)
        callbacks = self.leave.get(type(node))
        if callbacks:
            _dispatch(callbacks, node, self.on_error)
        self.stack.pop()

    # Same protocol as the base class, with a cheaper context manager than a generator: the walk
    # itself, with the node and where it starts waiting on a stack (nested ones too).
    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Walk:
        """Record the span without leading/trailing whitespace, as ``PositionProvider`` does."""
        self._syntactic.append((node, start_node, end_node, self.line, self.column))
        return self

    def __enter__(self) -> None:
        """The start was taken when the position was asked for, just before (``with`` on a walk
        means nothing but that)."""

    def __exit__(self, *exc_info: object) -> None:
        node, start_node, end_node, line, column = self._syntactic.pop()
        spans = self.spans
        if start_node is not None:
            line, column = spans[id(start_node)][:2]
        if end_node is None:
            spans[id(node)] = (line, column, self.line, self.column)
        else:
            end = spans[id(end_node)]
            spans[id(node)] = (line, column, end[2], end[3])


class VisitorWalk(cst.CSTVisitor):
    """The fallback: LibCST's public ``PositionProvider`` and visitor, the same callbacks and spans.

    Every span is known before the first callback, a superset of what ``Walk`` promises.
    """

    def __init__(self, module: cst.Module, enter: dict[type, list[Callback]], leave: dict[type, list[Callback]], on_error: OnError) -> None:
        super().__init__()
        self.module = module
        self.enter = enter
        self.leave = leave
        self.on_error = on_error
        self.spans: dict[int, Span] = {id(node): _span(where) for node, where in _positions(module).items()}
        self.stack: list[cst.CSTNode] = []
        self.line = 1
        self.column = 0

    def run(self) -> None:
        """Visit the whole module."""
        self.module.visit(self)

    def release(self) -> None:
        """Forget the callbacks, so that the tree is freed as soon as nothing else holds it."""
        _release(self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Entering ``node``: call the ``visit_`` callbacks, then go on to its children."""
        self.stack.append(node)
        # A node that code generation skips (some empty whitespace) has no span and moves nothing.
        self.line, self.column = self.spans.get(id(node), (self.line, self.column))[:2]
        callbacks = self.enter.get(type(node))
        if callbacks:
            _dispatch(callbacks, node, self.on_error)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        """Leaving ``node``: call the ``leave_`` callbacks."""
        self.line, self.column = self.spans.get(id(original_node), (0, 0, self.line, self.column))[2:]
        callbacks = self.leave.get(type(original_node))
        if callbacks:
            _dispatch(callbacks, original_node, self.on_error)
        self.stack.pop()


def _positions(module: cst.Module) -> Any:
    """``PositionProvider``'s ranges for every node of ``module`` (which is not copied)."""
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _span(where: Any) -> Span:
    """A LibCST ``CodeRange`` as a ``Span``."""
    return (where.start.line, where.start.column, where.end.line, where.end.column)


@functools.cache
def fast_walk_is_exact() -> bool:
    """Whether ``Walk`` computes ``PositionProvider``'s spans with the installed LibCST.

    Asked once per process, on ``CANARY``. False (with a note for ``--verbose``) when a span
    differs or the walk fails: the installed LibCST changed the protocol ``Walk`` relies on.
    """
    version = metadata.version("libcst")
    try:
        module = cst.parse_module(CANARY)
        walk = Walk(module, {}, {}, lambda callback, node, error: None)
        walk.run()
        exact = all(walk.spans.get(id(node)) == _span(where) for node, where in _positions(module).items())
    except Exception as error:  # noqa: BLE001 - any failure means: do not trust the fast walk
        log.info("LibCST %s: the fast walk failed on its self-check (%s: %s)", version, type(error).__name__, error)
        exact = False
    if not exact:
        log.info(
            "LibCST %s (tested: %s) computes positions differently from reviewbot's fast walk; "
            "using LibCST's PositionProvider instead: the same findings, about twice as slow",
            version,
            SUPPORTED_LIBCST,
        )
    return exact


@functools.cache
def unvalidated_parse_is_exact() -> bool:
    """Whether a tree built without LibCST's per-node checks is the tree built with them, every
    node of which passes the checks. Asked once per process, on ``CANARY``."""
    try:
        unchecked = _parse_unchecked(CANARY)
        exact = unchecked.deep_equals(cst.parse_module(CANARY)) and _all_valid(unchecked)
    except Exception as error:  # noqa: BLE001 - any failure means: keep LibCST's checks
        log.info("LibCST %s: parsing without node checks failed its self-check (%s: %s)", metadata.version("libcst"), type(error).__name__, error)
        exact = False
    if not exact:
        log.info("LibCST %s builds other trees without its node checks; parsing with them (slower, the same findings)", metadata.version("libcst"))
    return exact


def parse(text: str) -> cst.Module:
    """``libcst.parse_module``, without the per-node checks when the self-check allows it."""
    return _parse_unchecked(text) if unvalidated_parse_is_exact() else cst.parse_module(text)


def _parse_unchecked(text: str | bytes) -> cst.Module:
    """``libcst.parse_module`` with ``CSTNode.__post_init__`` (the node's ``_validate``) off.

    The class attribute is swapped for the parse alone: a thread building nodes meanwhile would
    build them unchecked too, and reviewbot parses in one thread per process."""
    checked = CSTNode.__post_init__
    CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign,assignment]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = checked  # type: ignore[method-assign]


def _unchecked(node: CSTNode) -> None:
    """``CSTNode.__post_init__`` without the ``_validate`` call."""


def _all_valid(node: cst.CSTNode) -> bool:
    """Whether ``node`` and every node under it pass LibCST's checks (else ``CSTValidationError``)."""
    node._validate()
    return all(_all_valid(child) for child in node.children)


def new_walk(module: cst.Module, enter: dict[type, list[Callback]], leave: dict[type, list[Callback]], on_error: OnError) -> TreeWalk:
    """The fast ``Walk`` when the installed LibCST passes the self-check, else ``VisitorWalk``."""
    if fast_walk_is_exact():
        return Walk(module, enter, leave, on_error)
    return VisitorWalk(module, enter, leave, on_error)
