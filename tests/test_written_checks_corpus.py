"""Checks written from real statements of the corpus's agent files: their examples hold, their
findings quote the statement, and ``reviewbot agents --suggest`` drafts each of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reviewbot.agents import coverage, discover, read_all
from reviewbot.config import build_settings
from reviewbot.packs import load_pack
from reviewbot.suggest import suggestions
from reviewbot.written import run_examples

CORPUS = Path(__file__).parent / "data" / "agents-corpus"
CHECKS = yaml.safe_load((CORPUS / "checks.yml").read_text())


@pytest.mark.parametrize("repo", sorted(CHECKS))
def test_checks_from_the_corpus_hold_their_examples_and_quote_their_statement(repo):
    root = CORPUS / repo.replace("/", "+")
    settings = build_settings({"checks": CHECKS[repo]}, agents_root=root)
    assert run_examples(settings) == []
    for check in settings.checks:
        path, line = check.enforces
        [statement] = [s for _, found in read_all(root, discover(root)) for s in found if (s.path, s.line) == (path, line)]
        assert settings.specs[check.id].quote == statement.text
        assert statement.kind == "prohibition" or "only" in statement.text


@pytest.mark.parametrize("repo", sorted(CHECKS))
def test_agents_suggest_drafts_each_check_written_from_the_corpus(repo):
    root = CORPUS / repo.replace("/", "+")
    covered = [c for _, found in read_all(root, discover(root)) for c in coverage(found, [load_pack("backend-engineer")])]
    drafts = yaml.safe_load(suggestions(covered))["checks"]
    for check in CHECKS[repo]:
        # The draft names the same code and the same statement; the team adds paths and words.
        same = [
            d for d in drafts
            if d["kind"] == check["kind"] and d["enforces"] == check["enforces"] and d.get("pattern") == check.get("pattern")
            and set(check.get("calls", [])) <= set(d.get("calls", [])) and d.get("allowed", []) == check.get("allowed", [])
        ]
        assert same, f"no draft for {check['id']}"
