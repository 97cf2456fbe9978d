"""Every rule's own examples (the ones `reviewbot explain` and docs/rules.md show) hold."""

from __future__ import annotations

import libcst as cst
import pytest

from reviewbot.checks import RULES
from reviewbot.checks.base import ProjectRule
from reviewbot.fix import apply_edits
from tests.conftest import lines_of, scan

BAD = [pytest.param(rule, example, id=f"{rule.id}-bad{i}") for rule in RULES.values() for i, example in enumerate(rule.bad)]
GOOD = [pytest.param(rule, example, id=f"{rule.id}-good{i}") for rule in RULES.values() for i, example in enumerate(rule.good)]
# Every rule runs, including those the pack leaves off by default: the examples are the rules' own.
RUNS = {"select": ["RB"]}


@pytest.mark.parametrize(("rule", "example"), BAD)
def test_bad_example_is_flagged_on_its_lines(rule, example):
    assert lines_of(scan(example.code, example.path, config={**RUNS, **rule.example_config}), rule.id) == sorted(example.lines)


@pytest.mark.parametrize(("rule", "example"), GOOD)
def test_good_example_is_clean(rule, example):
    assert lines_of(scan(example.code, example.path, config={**RUNS, **rule.example_config}), rule.id) == []


FIXED = [pytest.param(rule, example, id=f"{rule.id}-fix{i}") for rule in RULES.values() for i, example in enumerate(rule.bad) if example.fixed is not None]


@pytest.mark.parametrize(("rule", "example"), FIXED)
def test_fix_produces_the_documented_code(rule, example):
    findings = [f for f in scan(example.code, example.path, config={**RUNS, **rule.example_config}) if f.rule == rule.id]
    edits = [edit for finding in findings for edit in finding.fix.edits]
    fixed = apply_edits(example.code, edits)
    assert fixed == example.fixed
    cst.parse_module(fixed)
    assert lines_of(scan(fixed, example.path, config={**RUNS, **rule.example_config}), rule.id) == []


def test_every_rule_has_examples_except_internal_error():
    # Project rules judge a whole change, which no snippet shows: tests/test_project.py tries them on repositories.
    for rule in RULES.values():
        if rule.id != "RB002" and not issubclass(rule, ProjectRule):
            assert rule.bad and rule.good, rule.id
        if rule.fixable:
            assert any(example.fixed is not None for example in rule.bad), rule.id
