"""The docs are generated from the rule declarations and stay in sync with them."""

from __future__ import annotations

import re
from pathlib import Path

from reviewbot.config import build_settings
from reviewbot.docs import rules_markdown, rules_table

ROOT = Path(__file__).resolve().parent.parent


def test_docs_rules_md_is_generated_from_the_declarations():
    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(build_settings({}))


def test_readme_rule_table_is_generated_from_the_declarations():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert table is not None and table.group(1) == rules_table(build_settings({}))


def test_the_coverage_table_of_the_backend_engineer_agent_is_generated():
    from reviewbot.agents import coverage, read_statements
    from reviewbot.agents_report import coverage_table
    from reviewbot.packs import load_pack

    covered = coverage(read_statements(ROOT / "tests" / "data", "backend-engineer.md"), [load_pack("backend-engineer")])
    table = re.search(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", (ROOT / "docs" / "agents.md").read_text(), re.S)
    assert table is not None and table.group(1) == coverage_table("backend-engineer.md", covered, {})


def test_ci_runs_the_readme_test_command_and_the_self_scan_gate():
    readme_lines = (ROOT / "README.md").read_text().splitlines()
    test_command = readme_lines[4].split("#")[0].strip()
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci
    assert "reviewbot scan --fail-on error" in ci


def test_the_family_pages_state_each_rules_default_severity():
    from reviewbot.docs import policy

    specs = build_settings({}).specs
    rows = [
        (page.name, match.group(1), match.group(2))
        for page in sorted((ROOT / "docs").glob("rules-*.md"))
        for match in re.finditer(r"^\| (RB\d{3}) \| [\w-]+ \| ([^|]+?) \|", page.read_text(), re.M)
    ]
    assert len(rows) == 15
    for page, rule, severity in rows:
        assert severity == policy(specs[rule]), (page, rule)


def test_the_readme_names_every_rule_that_fixes_itself():
    from reviewbot.checks import RULES

    [line] = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("reviewbot scan --fix ")]
    assert set(re.findall(r"RB\d{3}", line)) == {rule for rule, declared in RULES.items() if declared.fixable}
