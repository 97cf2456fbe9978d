"""The single walk computes exactly the spans LibCST's PositionProvider computes."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from reviewbot.checks import RULES
from reviewbot.walk import Walk

TRICKY = '''\
# header comment
"""Module docstring
over lines."""
import os, sys as system; from . import x  # trailing
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

CRLF = "def f():\r\n    return '''a\r\nb'''\r\n\r\nx = 1\r\n"
FORM_FEED = "x = 1\n\x0c\ndef g():\n    pass\n"
MIXED_BREAKS = '"""M."""\nX = """a\r\nb\rc"""  # doc\ndef f(a: int):\n    """D."""\n    print(a)\n'

SOURCES = [TRICKY, CRLF, FORM_FEED, MIXED_BREAKS, ""] + [e.code for rule in RULES.values() for e in (*rule.bad, *rule.good)]


def _walk_spans(module: cst.Module) -> dict[int, tuple[int, int, int, int]]:
    walk = Walk(module, {}, {}, lambda callback, node, error: None)
    walk.run()
    return walk.spans


@pytest.mark.parametrize("source", SOURCES)
def test_spans_match_position_provider(source):
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("not parseable (a syntax-error example)")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    spans = _walk_spans(module)
    mismatches = []
    for node, code_range in expected.items():
        if isinstance(node, cst.Module):
            continue  # PositionProvider's module end is off by one line; nothing uses it
        want = (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)
        if spans[id(node)] != want:
            mismatches.append((type(node).__name__, spans[id(node)], want))
    assert mismatches == []


def test_callbacks_see_nodes_in_source_order_with_their_ancestors():
    module = cst.parse_module("def f():\n    g(h(1))\n")
    seen = []
    walk = Walk(module, {}, {}, lambda callback, node, error: None)
    walk.enter[cst.Call] = [lambda node: seen.append((cst.Module([]).code_for_node(node), type(walk.stack[-2]).__name__))]
    walk.run()
    assert seen == [("g(h(1))", "Expr"), ("h(1)", "Arg")]


def test_a_raising_callback_is_reported_and_the_walk_goes_on():
    module = cst.parse_module("a = 1\nb = 2\n")
    names, errors = [], []

    def explode(node):
        raise ValueError("boom")

    walk = Walk(module, {cst.Name: [explode, lambda node: names.append(node.value)]}, {}, lambda c, n, e: errors.append(str(e)))
    walk.run()
    assert names == ["a", "b"]
    assert errors == ["boom", "boom"]
