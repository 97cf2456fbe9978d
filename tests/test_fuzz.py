"""Fuzzing: generated programs and mutated real files never break the engine.

Bounded so that the suite stays fast; ``REVIEWBOT_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py``
runs the longer mode. Programs come from ``hypothesmith`` (valid Python built from LibCST's node
types); mutations are byte edits, truncations and deep nesting applied to reviewbot's own sources.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings

from reviewbot import walk
from reviewbot.fix import apply_edits
from reviewbot.source import too_deep_to_parse
from tests.conftest import scan

pytestmark = pytest.mark.slow

# How many mutations, and generated programs, each test tries. A generated program costs about
# 1.8 s (hypothesmith's grammar is slow), a mutation a tenth of that.
EXAMPLES = int(os.environ.get("REVIEWBOT_FUZZ_EXAMPLES", "25"))
PROGRAMS = int(os.environ.get("REVIEWBOT_FUZZ_EXAMPLES", "12"))
ROOT = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=PROGRAMS, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _fixed(code: str) -> tuple[str, int]:
    """The code after applying every fix once, and how many fixes there were."""
    edits = [edit for finding in scan(code, "app/fuzz.py") if finding.fix is not None for edit in finding.fix.edits]
    return apply_edits(code, edits), len(edits)


@FUZZ
@given(hypothesmith.from_node())
def test_generated_programs_scan_deterministically_and_fix_cleanly(code: str) -> None:
    first = scan(code, "app/fuzz.py")
    assert not [f.message for f in first if f.rule == "RB002"]
    assert scan(code, "app/fuzz.py") == first
    fixed, count = _fixed(code)
    if count:
        cst.parse_module(fixed)  # every fix leaves valid Python
        assert _fixed(fixed)[1] == 0  # and a second --fix has nothing left to do


@FUZZ
@given(hypothesmith.from_node())
def test_generated_programs_parse_to_the_same_tree_without_node_checks(code: str) -> None:
    # The parser builds valid nodes: the tree is the checked one, and every node passes the checks.
    unchecked = walk._parse_unchecked(code)
    assert unchecked.deep_equals(cst.parse_module(code)) and walk._all_valid(unchecked)


def _mutations(seed: int) -> list[tuple[str, bytes]]:
    """Mutated copies of reviewbot's own sources: byte edits, truncation, deep nesting."""
    sources = sorted((ROOT / "reviewbot").rglob("*.py"))
    chooser = random.Random(seed)
    result = []
    for number in range(EXAMPLES):
        path = chooser.choice(sources)
        data = bytearray(path.read_bytes())
        kind = number % 4
        if kind == 0:
            for _ in range(chooser.randint(1, 20)):
                data[chooser.randrange(len(data))] = chooser.randrange(256)
        elif kind == 1:
            del data[chooser.randrange(len(data)) :]
        elif kind == 2:
            at = chooser.randrange(len(data))
            data[at:at] = b"(" * chooser.choice((50, 300, 3000))
        else:
            at = chooser.randrange(len(data))
            data[at:at] = chooser.choice((b"\\\n", b"'''", b"\r", b"\xef\xbb\xbf", b"\x00", b"    \t", b"lambda: "))
        result.append((f"{path.name}#{kind}", bytes(data)))
    return result


@pytest.mark.parametrize(("name", "data"), _mutations(2026), ids=lambda value: value if isinstance(value, str) else "")
def test_mutated_files_cost_at_most_one_finding_about_the_file(name: str, data: bytes) -> None:
    findings = scan(data, "app/mutated.py")
    # A file that does not decode or parse is one RB000/RB001 finding; nothing is ever RB002.
    assert not [f.message for f in findings if f.rule == "RB002"]
    broken = [f for f in findings if f.rule in ("RB000", "RB001")]
    assert len(broken) <= 1 and (not broken or len(findings) == 1)
    assert scan(data, "app/mutated.py") == findings
    # What parses without LibCST's node checks parses with them, to the same tree. Deep nesting
    # can crash the native parser (the engine parses it in a worker): not in this process.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    if too_deep_to_parse(text):
        return
    try:
        unchecked = walk._parse_unchecked(text)
    except (cst.ParserSyntaxError, RecursionError):
        return
    assert unchecked.deep_equals(cst.parse_module(text)) and walk._all_valid(unchecked)
