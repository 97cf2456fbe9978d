"""The labelled corpus of real agent files (tests/data/agents-corpus/): reviewbot's mappings are
right at least 95 % of the time, and find at least 80 % of the statements people labelled
checkable (benchmarks/agent_corpus.py prints the figures; docs/agents.md reports them)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("agent_corpus", ROOT / "benchmarks" / "agent_corpus.py")
assert spec is not None and spec.loader is not None
corpus = importlib.util.module_from_spec(spec)
sys.modules["agent_corpus"] = corpus
spec.loader.exec_module(corpus)


def test_the_corpus_is_large_enough_and_every_statement_is_labelled():
    sources = corpus.sources()
    assert len(sources) >= 10
    statements = 0
    for entry in sources:
        labels = json.loads((corpus.LABELS / f"{entry['repo'].replace('/', '+')}.json").read_text())
        labelled = {(row["path"], row["line"]) for row in labels["statements"] if row["kind"] is not None}
        read = corpus.statements_of(entry["repo"])
        assert [f"{s.path}:{s.line}" for s in read if (s.path, s.line) not in labelled] == [], entry["repo"]
        statements += len(read)
    assert statements >= 300


def test_mappings_are_precise_and_find_most_checkable_statements():
    tally = corpus.measure()["all"]
    assert tally.precision() >= 0.95, tally.wrong
    assert tally.recall() >= 0.80, tally.lost
