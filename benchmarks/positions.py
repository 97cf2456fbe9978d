"""Benchmark: could positions come from CPython's ``ast`` instead of LibCST's code generation?

    python benchmarks/positions.py                       # django==5.2.8 from PyPI
    python benchmarks/positions.py --package sentry-sdk==2.44.0 --examples 5

reviewbot learns every node's span by walking the tree through LibCST's code generation
(``reviewbot.walk.Walk``). ``ast.parse`` of the same text costs a fraction of LibCST's parse and
carries positions of its own. This script pairs ``ast`` nodes with the LibCST nodes of the types
reviewbot's rules report on, compares each ``ast``-derived span with the Walk's, and times every
step. Per file, one after the other (so machine load affects all alike):

    (a) ``libcst.parse_module``                      the baseline
    (b) ``module.code``                              LibCST's code generation alone
    (c) ``Walk(module, {}, {}, ...).run()``          positions as reviewbot computes them today
    (d) ``ast.parse``                                the same text
    (e) the mapping: (e1) a walk of the LibCST tree in source order, without code generation,
        collecting the nodes of those types (each class's fields in the order its
        ``_visit_and_replace_children`` visits them; any walk that replaces ``Walk`` pays about
        this to dispatch the rules' callbacks), (e2) collecting ``ast`` spans, UTF-8 byte columns
        to code points, pairing.

Not timed: a second ``Walk`` counting the nodes of those types (the check that (e1) misses none
and meets them in source order), and the comparison with the Walk's spans.

Pairing is by order: per kind, the LibCST nodes in the order a source-order walk meets them and
the ``ast`` nodes sorted by (start, then the longer first); a file whose two lists differ in
length pairs nothing of that kind (and says so). Rules that make ``ast`` agree with LibCST:

- ``def``/``class``: both start at ``def``/``async``/``class`` (LibCST's syntactic span leaves
  the decorators out, as ``ast`` does), so nothing to adjust;
- ``True``/``False``/``None`` are ``Name`` in LibCST and ``Constant`` in ``ast``;
- a parameter's ``Name`` is ``ast.arg``, a keyword argument's is ``ast.keyword``, an imported
  plain name is ``ast.alias``: they start where ``ast`` starts and end the identifier's length
  later (``ast`` spans the annotation, the value or the ``as`` name too);
- an attribute's ``Name`` (``a.b`` -> ``b``) ends where ``ast.Attribute`` ends and starts the
  identifier's length before;
- a string is a ``Constant`` (str or bytes) outside f-strings; implicit concatenation is one
  ``Constant`` in ``ast`` and a ``ConcatenatedString`` of ``SimpleString`` in LibCST: the
  concatenation is paired, its parts get no span;
- the Names ``ast`` keeps as bare strings (``def``/``class`` names, dotted import parts, ``as``
  names of imports and handlers, ``global`` names, match captures) and the ``Attribute`` nodes
  of dotted imports get no span.

Only prints; no timing is asserted. Timings are sums over the corpus of a single pass.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import libcst as cst
from corpus import corpus

from reviewbot.source import decode
from reviewbot.walk import Span, Walk

# LibCST node class -> the row it is reported under.
ROWS: dict[type[cst.CSTNode], str] = {
    cst.FunctionDef: "FunctionDef",
    cst.ClassDef: "ClassDef",
    cst.Call: "Call",
    cst.Attribute: "Attribute",
    cst.Name: "Name",
    cst.Import: "Import",
    cst.ImportFrom: "ImportFrom",
    cst.ExceptHandler: "ExceptHandler",
    cst.ExceptStarHandler: "ExceptHandler",
    cst.Try: "Try",
    cst.TryStar: "Try",
    cst.Raise: "Raise",
    cst.Return: "Return",
    cst.Assign: "Assign",
    cst.If: "If",
    cst.For: "For",
    cst.While: "While",
    cst.With: "With",
    cst.Lambda: "Lambda",
    cst.Subscript: "Subscript",
    cst.Dict: "Dict",
    cst.SimpleString: "SimpleString",
    cst.ConcatenatedString: "ConcatenatedString",
}

# Where a LibCST node sits (parent class, field) when that decides its ``ast`` counterpart.
# "none": no ``ast`` node of its own, for the node and everything under it.
CONTEXTS: dict[tuple[type[cst.CSTNode], str], str] = {
    (cst.Attribute, "attr"): "attribute",
    (cst.Param, "name"): "parameter",
    (cst.Arg, "keyword"): "keyword",
    (cst.FunctionDef, "name"): "none",
    (cst.ClassDef, "name"): "none",
    (cst.ImportAlias, "asname"): "none",
    (cst.ImportFrom, "module"): "none",
    (cst.ExceptHandler, "name"): "none",
    (cst.ExceptStarHandler, "name"): "none",
    (cst.NameItem, "name"): "none",
    (cst.MatchAs, "name"): "none",
    (cst.MatchStar, "name"): "none",
    (cst.MatchMapping, "rest"): "none",
    (cst.MatchKeywordElement, "key"): "none",
    (cst.TypeVar, "name"): "none",
    (cst.TypeVarTuple, "name"): "none",
    (cst.ParamSpec, "name"): "none",
}

# Fields that only ever hold whitespace, comments or punctuation: never a node of ``ROWS``.
INERT_FIELDS = frozenset(
    {"lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer", "comma", "semicolon", "colon", "dot",
     "equal", "relative", "trailing_whitespace", "newline", "asynchronous", "operator", "lbracket", "rbracket",
     "lbrace", "rbrace", "star_tok", "star", "whitespace"}
)

# ``ast`` class -> the sequence its spans are paired in (see ``ast_spans`` for the derived ones).
AST_KINDS: dict[type[ast.AST], str] = {
    ast.FunctionDef: "FunctionDef",
    ast.AsyncFunctionDef: "FunctionDef",
    ast.ClassDef: "ClassDef",
    ast.Call: "Call",
    ast.Attribute: "Attribute",
    ast.Name: "Name",
    ast.Import: "Import",
    ast.ImportFrom: "ImportFrom",
    ast.ExceptHandler: "ExceptHandler",
    ast.Try: "Try",
    ast.Raise: "Raise",
    ast.Return: "Return",
    ast.Assign: "Assign",
    ast.If: "If",
    ast.For: "For",
    ast.AsyncFor: "For",
    ast.While: "While",
    ast.With: "With",
    ast.AsyncWith: "With",
    ast.Lambda: "Lambda",
    ast.Subscript: "Subscript",
    ast.Dict: "Dict",
}
if sys.version_info >= (3, 11):
    AST_KINDS[ast.TryStar] = "Try"

# The rows printed, in order; "Name" is split by where the name sits.
NAME_ROWS = ("Name (expression)", "Name (parameter)", "Name (keyword)", "Name (attribute)", "Name (import)", "Name (no ast node)")
REPORT_ROWS = (
    "FunctionDef", "ClassDef", "Call", "Attribute", *NAME_ROWS, "Import", "ImportFrom", "ExceptHandler", "Try", "Raise",
    "Return", "Assign", "If", "For", "While", "With", "Lambda", "Subscript", "Dict", "SimpleString", "ConcatenatedString",
)

# A line break as CPython's tokenizer counts lines.
LINE_BREAK = re.compile(r"\r\n?|\n")

Item = tuple[cst.CSTNode, str]


# The fields a node's ``_visit_and_replace_children`` visits, in its (source) order.
VISITED_FIELD = re.compile(r'\bself,\s*"(\w+)"')

# Node class -> the fields that may hold nodes of ``ROWS``, in source order (learnt on first sight).
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def fields_in_source_order(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields of ``node``'s class that can hold nodes of interest, in the order of the source.

    Read off the source of the class's ``_visit_and_replace_children``, which visits the fields in
    source order (a field visited only when set, like an f-string's ``format_spec``, is there too).
    """
    order = _FIELDS.get(type(node))
    if order is None:
        source = inspect.getsource(type(node)._visit_and_replace_children)
        order = tuple(
            dict.fromkeys(name for name in VISITED_FIELD.findall(source) if name not in INERT_FIELDS and not name.startswith("whitespace"))
        )
        _FIELDS[type(node)] = order
    return order


def row_and_sequence(node: cst.CSTNode, context: str) -> tuple[str, str | None]:
    """The report row of ``node`` and the sequence it is paired in (None: no ``ast`` counterpart)."""
    row = ROWS[type(node)]
    if context == "none":
        return ("Name (no ast node)" if row == "Name" else row), None
    if row == "Name":
        kind = {"attribute": "attribute", "parameter": "parameter", "keyword": "keyword", "import": "import"}.get(context, "expression")
        return f"Name ({kind})", f"Name:{kind}"
    if row == "SimpleString":
        return row, (None if context == "part" else "string")
    if row == "ConcatenatedString":
        # Only a whole concatenation of plain strings is one ``ast.Constant``; with an f-string part
        # it is an ``ast.JoinedStr`` (not a type of interest).
        return row, ("string" if context != "part" and plain_concatenation(node) else None)
    return row, row


def plain_concatenation(node: cst.CSTNode) -> bool:
    """Whether a ``ConcatenatedString`` is made of ``SimpleString`` parts only."""
    while isinstance(node, cst.ConcatenatedString):
        if not isinstance(node.left, cst.SimpleString):
            return False
        node = node.right
    return isinstance(node, cst.SimpleString)


def cst_nodes(module: cst.Module) -> tuple[list[tuple[cst.CSTNode, str]], dict[str, list[cst.CSTNode]]]:
    """Walk ``module`` in source order (no code generation): every node of ``ROWS`` with its row,
    and, per pairing sequence, the nodes that have an ``ast`` counterpart, in source order."""
    found: list[tuple[cst.CSTNode, str]] = []
    sequences: dict[str, list[cst.CSTNode]] = defaultdict(list)
    stack: list[Item] = [(module, "")]
    pop = stack.pop
    rows, contexts = ROWS, CONTEXTS
    while stack:
        node, context = pop()
        kind = type(node)
        if kind in rows:
            row, sequence = row_and_sequence(node, context)
            found.append((node, row))
            if sequence is not None:
                sequences[sequence].append(node)
        inherited = "none" if context == "none" else ""
        children: list[Item] = []
        for name in _FIELDS.get(kind) or fields_in_source_order(node):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                where = inherited or contexts.get((kind, name), "")
                if kind is cst.ImportAlias and name == "name":
                    where = where or ("import" if isinstance(value, cst.Name) else "none")
                elif kind is cst.ConcatenatedString:
                    where = where or "part"
                children.append((value, where))
            elif isinstance(value, (tuple, list)):
                children.extend((child, inherited) for child in value if isinstance(child, cst.CSTNode))
        children.reverse()
        stack.extend(children)
    return found, sequences


class Columns:
    """UTF-8 byte columns (``ast``) to code-point columns (LibCST), one line at a time."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        self.lines = [] if self.ascii else LINE_BREAK.split(text)
        # Line -> its UTF-8 bytes, or None for an ASCII line (byte and code-point columns agree).
        self.encoded: dict[int, bytes | None] = {}

    def column(self, line: int, offset: int) -> int:
        """The code-point column of byte ``offset`` on 1-based ``line``."""
        if self.ascii:
            return offset
        if line in self.encoded:
            data = self.encoded[line]
        else:
            text = self.lines[line - 1]
            data = self.encoded[line] = None if text.isascii() else text.encode()
        return offset if data is None else len(data[:offset].decode("utf-8", "replace"))

    def span(self, raw: Span) -> Span:
        """A span of byte columns as a span of code-point columns."""
        if self.ascii:
            return raw
        return (raw[0], self.column(raw[0], raw[1]), raw[2], self.column(raw[2], raw[3]))


def ast_spans(tree: ast.AST) -> dict[str, list[Span]]:
    """Per pairing sequence, the spans (byte columns) of the ``ast`` nodes, sorted as source order
    meets them: by start, the longer (outer) first."""
    spans: dict[str, list[Span]] = defaultdict(list)
    inside_fstring: set[int] = set()
    kinds = AST_KINDS
    for node in ast.walk(tree):
        kind = type(node)
        sequence = kinds.get(kind)
        if sequence is not None:
            spans[sequence].append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
            if kind is ast.Attribute:
                end = node.end_col_offset - len(node.attr.encode())  # type: ignore[attr-defined]
                spans["Name:attribute"].append((node.end_lineno, end, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
        elif kind is ast.Constant:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, (str, bytes)):
                if id(node) not in inside_fstring:
                    spans["string"].append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
            elif value is None or value is True or value is False:
                spans["Name:expression"].append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
        elif kind is ast.JoinedStr:
            # The literal parts of an f-string are ``FormattedStringText`` in LibCST, no string.
            inside_fstring.update(id(part) for part in node.values)  # type: ignore[attr-defined]
        elif kind is ast.arg:
            spans["Name:parameter"].append(identifier(node, node.arg))  # type: ignore[attr-defined]
        elif kind is ast.keyword and node.arg is not None:  # type: ignore[attr-defined]
            spans["Name:keyword"].append(identifier(node, node.arg))  # type: ignore[attr-defined]
        elif kind is ast.alias and "." not in node.name and node.name != "*":  # type: ignore[attr-defined]
            spans["Name:import"].append(identifier(node, node.name))  # type: ignore[attr-defined]
    spans["Name:expression"].extend(spans.pop("Name", []))
    for found in spans.values():
        found.sort(key=lambda s: (s[0], s[1], -s[2], -s[3]))
    return spans


def identifier(node: ast.AST, name: str) -> Span:
    """The span of the identifier ``name`` that ``node`` starts with."""
    return (node.lineno, node.col_offset, node.lineno, node.col_offset + len(name.encode()))  # type: ignore[attr-defined]


def pair(text: str, tree: ast.AST, sequences: dict[str, list[cst.CSTNode]]) -> tuple[dict[int, Span], dict[str, tuple[int, int]]]:
    """``ast`` spans (code-point columns) keyed by ``id`` of the LibCST node they belong to, and
    the sequences whose lengths differ (LibCST count, ``ast`` count), which pair nothing."""
    columns = Columns(text)
    spans = ast_spans(tree)
    paired: dict[int, Span] = {}
    unequal: dict[str, tuple[int, int]] = {}
    for sequence, nodes in sequences.items():
        found = spans.get(sequence, [])
        if len(found) != len(nodes):
            unequal[sequence] = (len(nodes), len(found))
            continue
        convert = columns.span
        for node, raw in zip(nodes, found):
            paired[id(node)] = convert(raw)
    for sequence, found in spans.items():
        if found and sequence not in sequences:
            unequal[sequence] = (0, len(found))
    return paired, unequal


def walk_counts(module: cst.Module) -> Counter[type]:
    """How many nodes of each class in ``ROWS`` the Walk (code generation) visits: the check that
    ``cst_nodes`` misses none."""
    counts: Counter[type] = Counter()

    def count(node: cst.CSTNode) -> None:
        counts[type(node)] += 1

    Walk(module, {kind: [count] for kind in ROWS}, {}, lambda *a: None).run()
    return counts


def main() -> None:
    """Time every step per file, compare the spans, print the table and the summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    parser.add_argument("--examples", type=int, default=3, help="mismatches shown per row")
    parser.add_argument("--files", type=int, help="only the first N files (a quick look)")
    args = parser.parse_args()
    root = corpus(args.package, args.cache)
    files = [(path.relative_to(root).as_posix(), decode(path.read_bytes(), sys.maxsize)) for path in sorted(root.rglob("*.py"))][: args.files]
    steps = ("parse", "codegen", "walk", "ast", "collect", "pair")
    seconds = dict.fromkeys(steps, 0.0)
    totals: Counter[str] = Counter()
    mapped: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    unequal_files: dict[str, list[str]] = defaultdict(list)
    out_of_order: list[str] = []
    missed: list[str] = []
    clock = time.perf_counter
    for path, text in files:
        t0 = clock()
        module = cst.parse_module(text)
        t1 = clock()
        module.code  # noqa: B018 - the code generation is what is timed
        t2 = clock()
        walk = Walk(module, {}, {}, lambda *a: None)
        walk.run()
        t3 = clock()
        tree = ast.parse(text)
        t4 = clock()
        found, sequences = cst_nodes(module)
        t5 = clock()
        paired, unequal = pair(text, tree, sequences)
        t6 = clock()
        for step, elapsed in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            seconds[step] += elapsed
        # --- checks and comparison, not timed ------------------------------------------------
        for sequence, counts in unequal.items():
            unequal_files[sequence].append(f"{path} (LibCST {counts[0]}, ast {counts[1]})")
        if Counter(type(node) for node, _ in found) != walk_counts(module):
            missed.append(path)
        last: dict[str, tuple[int, int]] = {}
        lines = LINE_BREAK.split(text)
        for node, row in found:
            span = walk.spans[id(node)]
            if span[:2] < last.get(row, (0, 0)):
                out_of_order.append(f"{path}: {row} at {span}")
            last[row] = span[:2]
            totals[row] += 1
            theirs = paired.get(id(node))
            if theirs is None:
                continue
            mapped[row] += 1
            if theirs == span:
                exact[row] += 1
            elif len(examples[row]) < args.examples:
                source = lines[span[0] - 1].strip()[:60] if span[0] <= len(lines) else ""
                examples[row].append(f"{path}:{span[0]}  LibCST {span}  ast {theirs}  {source!r}")
    report(args.package, len(files), seconds, totals, mapped, exact, examples, unequal_files, out_of_order, missed)


def report(
    package: str,
    count: int,
    seconds: dict[str, float],
    totals: Counter[str],
    mapped: Counter[str],
    exact: Counter[str],
    examples: dict[str, list[str]],
    unequal_files: dict[str, list[str]],
    out_of_order: list[str],
    missed: list[str],
) -> None:
    """Print the timings, the exactness table, the mismatches and the summary line."""
    parse = seconds["parse"]
    labels = {
        "parse": "(a)  libcst.parse_module",
        "codegen": "(b)  module.code (code generation)",
        "walk": "(c)  Walk, no callbacks (today)",
        "ast": "(d)  ast.parse",
        "collect": "(e1) LibCST walk in source order, no codegen",
        "pair": "(e2) ast spans + columns + pairing",
    }
    print(f"{package}: {count} files, one pass, times summed per step")
    for step, label in labels.items():
        print(f"  {label:<46} {seconds[step]:7.2f} s  {seconds[step] / parse:5.2f}x")
    mapping = seconds["collect"] + seconds["pair"]
    print(f"  {'(e)  mapping = e1 + e2':<46} {mapping:7.2f} s  {mapping / parse:5.2f}x")
    print()
    print(f"  {'LibCST type':<22} {'nodes':>8} {'ast span':>9} {'exact':>9} {'exact/span':>10}")
    for row in REPORT_ROWS:
        if totals[row] or row in NAME_ROWS:
            share = f"{100 * exact[row] / mapped[row]:.2f}%" if mapped[row] else "-"
            print(f"  {row:<22} {totals[row]:8} {mapped[row]:9} {exact[row]:9} {share:>10}")
    names = sum(totals[row] for row in NAME_ROWS), sum(mapped[row] for row in NAME_ROWS), sum(exact[row] for row in NAME_ROWS)
    print(f"  {'Name (all)':<22} {names[0]:8} {names[1]:9} {names[2]:9} {100 * names[2] / max(names[1], 1):9.2f}%")
    for row in REPORT_ROWS:
        if examples[row]:
            print(f"\n  {row}: {mapped[row] - exact[row]} mismatches, e.g.")
            for line in examples[row]:
                print(f"    {line}")
    print()
    for sequence, where in sorted(unequal_files.items()):
        print(f"  counts differ, nothing paired for {sequence} in {len(where)} file(s), e.g. {'; '.join(where[:3])}")
    print(f"  checks: source-order walk finds every node the Walk visits: {'yes' if not missed else 'no: ' + ', '.join(missed[:3])}; "
          f"meets them in source order: {'yes' if not out_of_order else 'no: ' + '; '.join(out_of_order[:3])}")
    rows = [row for row in REPORT_ROWS if row != "ConcatenatedString"]
    nodes, spans, same = (sum(counter[row] for row in rows) for counter in (totals, mapped, exact))
    route = seconds["ast"] + mapping
    print(
        f"summary: {same}/{spans} ast spans exact ({100 * same / max(spans, 1):.2f}%), "
        f"{spans}/{nodes} nodes of the reported types have one ({100 * spans / max(nodes, 1):.1f}%); "
        f"ast route (ast.parse + mapping) {route / parse:.2f}x the parse (ast.parse {seconds['ast'] / parse:.2f}x, "
        f"source-order walk {seconds['collect'] / parse:.2f}x, pairing {seconds['pair'] / parse:.2f}x) "
        f"against code generation {seconds['codegen'] / parse:.2f}x / Walk {seconds['walk'] / parse:.2f}x"
    )


if __name__ == "__main__":
    main()
