"""The single walk computes exactly the spans LibCST's PositionProvider computes, for every node class."""

from __future__ import annotations

import json
import logging

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from reviewbot import walk as walk_module
from reviewbot.checks import RULES
from reviewbot.engine import handler_names, scan_source
from reviewbot.walk import (
    CANARY,
    NODE_TYPES,
    VisitorWalk,
    Walk,
    fast_walk_is_exact,
    new_walk,
    parse,
    unvalidated_parse_is_exact,
)
from tests.conftest import settings

CRLF = "def f():\r\n    return '''a\r\nb'''\r\n\r\nx = 1\r\n"
FORM_FEED = "x = 1\n\x0c\ndef g():\n    pass\n"
MIXED_BREAKS = '"""M."""\nX = """a\r\nb\rc"""  # doc\ndef f(a: int):\n    """D."""\n    print(a)\n'

# With the canary, every node class LibCST defines (a test checks); each source stands alone, so a
# LibCST that cannot parse one (syntax newer than it) still checks the others.
EVERY_NODE = [
    """\
from m import *
from . import (a as b,)
global g
def f(a, *, b):
    nonlocal n
    del x[1:2, ::3]
    assert a is not b, "m"
    x += 1; x -= 1; x *= 1; x /= 1; x //= 1; x %= 1; x **= 1; x @= 1
    x &= 1; x |= 1; x ^= 1; x <<= 1; x >>= 1
    y = -a + +b - ~c * d / e // f % g ** h @ i & j | k ^ l << m >> n
    z = not a and b or c
    w = a < b <= c > d >= e == f != g in h not in i is j is not k
    v = {1, 2}, {k: v for k, v in p}, {i for i in p}, (i for i in p), {**a, "k": 1}, [*a]
    u = 1.5 + 2j
    if a:
        continue
    elif b:
        pass
    else:
        pass
    try:
        yield from a
    except E as e:
        raise X from e
    else:
        pass
    finally:
        pass
    match a:
        case None:
            pass
        case (1, 2):
            pass
""",
    "type Alias[*Ts, **P] = tuple[*Ts]\n",
    "greeting = t'{name!r:>10} and {more}'\n",
    "lazy import a.b as c\nlazy from d import e\n",
    "merged = {**part for part in parts}\n",
]

EXAMPLES = [e.code for rule in RULES.values() for e in (*rule.bad, *rule.good)]
SOURCES = [CANARY, CRLF, FORM_FEED, MIXED_BREAKS, "", "x = 1", "\n", *EVERY_NODE, *EXAMPLES]


def _walk_spans(module: cst.Module) -> dict[int, tuple[int, int, int, int]]:
    walk = Walk(module, {}, {}, lambda callback, node, error: None)
    walk.run()
    return walk.spans


def _parse(source: str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("not parseable by this LibCST (a syntax-error example, or newer syntax)")


def _expected_spans(module: cst.Module) -> dict[int, tuple[int, int, int, int]]:
    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {id(node): (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in ranges.items()}


@pytest.mark.parametrize("source", SOURCES)
def test_spans_match_position_provider(source):
    module = _parse(source)
    spans = _walk_spans(module)
    expected = _expected_spans(module)
    mismatches = [(key, spans.get(key), want) for key, want in expected.items() if spans.get(key) != want]
    assert mismatches == []
    # The module itself too, with and without a trailing newline.
    assert spans[id(module)] == expected[id(module)]


def test_the_sources_hold_every_node_class_of_the_installed_libcst():
    seen: set[type] = set()

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            seen.add(type(node))
            return True

    for source in SOURCES:
        try:
            cst.parse_module(source).visit(Collect())
        except cst.ParserSyntaxError:
            continue
    assert sorted(t.__name__ for t in NODE_TYPES if t not in seen) == []


def test_a_callback_for_a_base_class_runs_for_each_kind_of_node():
    module = cst.parse_module("import a\nx = 1\npass\n")
    seen = []
    walk = Walk(module, {}, {}, lambda callback, node, error: None)
    for concrete in walk_module.concrete_types(cst.BaseSmallStatement):
        walk.enter[concrete] = [lambda node: seen.append(type(node).__name__)]
    walk.run()
    assert seen == ["Import", "Assign", "Pass"]


def test_a_callback_named_after_no_node_class_is_refused():
    class Typo:
        def visit_Cal(self, node):
            pass

    with pytest.raises(TypeError, match="Typo.visit_Cal: LibCST has no node class 'Cal'"):
        handler_names(Typo)  # type: ignore[arg-type]
    # Every real rule and analysis names real node classes.
    from reviewbot.checks.errors import ErrorFlow

    assert all(handler_names(walker) is not None for walker in [*RULES.values(), ErrorFlow])


@pytest.fixture
def broken_fast_walk(monkeypatch):
    """A LibCST whose code generation no longer matches what ``Walk`` expects."""
    original = Walk.add_token

    def miscounting(self, value):
        original(self, value + " ")

    monkeypatch.setattr(Walk, "add_token", miscounting)
    fast_walk_is_exact.cache_clear()
    yield
    fast_walk_is_exact.cache_clear()


def test_the_canary_trusts_the_installed_libcst():
    fast_walk_is_exact.cache_clear()
    assert fast_walk_is_exact()
    assert isinstance(new_walk(cst.parse_module("x = 1\n"), {}, {}, lambda c, n, e: None), Walk)


def test_the_canary_falls_back_to_position_provider_and_says_so(broken_fast_walk, caplog):
    with caplog.at_level(logging.INFO, logger="reviewbot"):
        assert not fast_walk_is_exact()
    assert "using LibCST's PositionProvider instead" in caplog.text
    assert isinstance(new_walk(cst.parse_module("x = 1\n"), {}, {}, lambda c, n, e: None), VisitorWalk)


def test_the_self_check_trusts_the_installed_libcst_to_parse_without_node_checks():
    unvalidated_parse_is_exact.cache_clear()
    assert unvalidated_parse_is_exact()


@pytest.mark.parametrize("source", SOURCES)
def test_a_tree_parsed_without_node_checks_is_the_checked_tree(source):
    checked = _parse(source)
    assert walk_module._parse_unchecked(source).deep_equals(checked)
    # The checks are off for the parse alone: a node built afterwards (by a fix) is checked.
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1 is no name")


def test_parsing_keeps_the_node_checks_when_its_self_check_fails(monkeypatch, caplog):
    monkeypatch.setattr(walk_module, "_all_valid", lambda node: False)
    unvalidated_parse_is_exact.cache_clear()
    try:
        with caplog.at_level(logging.INFO, logger="reviewbot"):
            assert not unvalidated_parse_is_exact()
        assert "parsing with them" in caplog.text

        def unchecked(text: str) -> None:
            raise AssertionError("parsed without the node checks after a failed self-check")

        # Every parse now goes through LibCST's own entry point, checks and all.
        monkeypatch.setattr(walk_module, "_parse_unchecked", unchecked)
        assert parse("x = 1\n").deep_equals(cst.parse_module("x = 1\n"))
    finally:
        unvalidated_parse_is_exact.cache_clear()


@pytest.mark.parametrize("source", SOURCES)
def test_the_fallback_walk_gives_the_same_spans_and_findings(source, monkeypatch):
    module = _parse(source)
    fast = scan_source("app/service.py", source.encode(), settings())
    monkeypatch.setattr(walk_module, "fast_walk_is_exact", lambda: False)
    assert scan_source("app/service.py", source.encode(), settings()) == fast
    fallback = VisitorWalk(module, {}, {}, lambda c, n, e: None)
    fallback.run()
    assert fallback.spans == _expected_spans(module)


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


def test_scan_verbose_names_the_fallback_and_reports_the_same(broken_fast_walk, tmp_path, monkeypatch, capsys):
    from reviewbot.cli import main

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app/__init__.py").write_text("")
    (tmp_path / "app/orders.py").write_text('"""Orders."""\nfrom . import models\n\n\ndef reset(orders: list[str]):\n    """Forget."""\n')
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--verbose", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert "computes positions differently from reviewbot's fast walk; using LibCST's PositionProvider" in err
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(out)["findings"]] == [("RB101", 2, 1), ("RB302", 5, 1)]
