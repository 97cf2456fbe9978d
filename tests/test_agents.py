"""`reviewbot agents`: agent files read as bullets, each mapped to the rules that enforce it or to why none can."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from reviewbot.agents import coverage, discover, read_statements
from reviewbot.packs import load_pack
from tests.conftest import git, make_repo, run_main

SUBAGENT = """\
---
name: api-engineer
description: Use this agent for APIs: design, build, review.
tools: Write, Read
---

You are an engineer.

## Core Responsibilities

**API Development**

- Integrate external APIs with proper error handling and rate limiting
- Build client abstraction layers with caching strategies

## Rules

### Core Principles

- Use absolute imports with @ alias for all internal modules
- Always provide comprehensive reports back to the main agent upon task completion

### Prohibited Tasks/Approaches

- Skipping type definitions or schema validation
- Bypassing established client layers for direct API calls
"""


def bullets_of(root: Path, name: str) -> list[tuple[int, str, str]]:
    return [(b.line, b.kind, b.text) for b in read_statements(root, name)]


def test_a_subagent_file_gives_each_bullet_its_line_kind_and_section(tmp_path):
    (tmp_path / ".claude/agents").mkdir(parents=True)
    (tmp_path / ".claude/agents/api.md").write_text(SUBAGENT)
    found = read_statements(tmp_path, ".claude/agents/api.md")
    # Kinds by the statements' own words; "Prohibited ..." gives its polarity to noun phrases.
    assert [(b.line, b.kind, b.cue) for b in found] == [
        (13, "requirement", 'verb "Integrate"'),
        (14, "requirement", 'verb "Build"'),
        (20, "requirement", 'verb "Use"'),
        (21, "requirement", '"Always"'),
        (25, "prohibition", "heading 'Prohibited Tasks/Approaches'"),
        (26, "prohibition", "heading 'Prohibited Tasks/Approaches'"),
    ]
    assert found[0].section == "Core Responsibilities / API Development"
    assert found[4].section == "Rules / Prohibited Tasks/Approaches"


def test_every_rule_and_prohibition_maps_to_rules_or_to_a_reason(tmp_path):
    (tmp_path / "agent.md").write_text(SUBAGENT)
    mapped = {c.statement.text: (c.rules, c.reason) for c in coverage(read_statements(tmp_path, "agent.md"), [load_pack("backend-engineer")])}
    assert mapped["Use absolute imports with @ alias for all internal modules"] == (("RB101", "RB102", "RB103"), None)
    assert mapped["Skipping type definitions or schema validation"] == (("RB301", "RB302", "RB303"), None)
    assert mapped["Bypassing established client layers for direct API calls"] == (("RB501",), None)
    assert mapped["Always provide comprehensive reports back to the main agent upon task completion"][1].startswith("about what the agent tells")


def test_claude_md_imports_nested_agents_md_copilot_and_cursor_files(tmp_path):
    files = {
        "CLAUDE.md": "# Project\n\nSee @docs/style.md for style.\n\n## Rules\n\n- Never use relative imports\n",
        "docs/style.md": "## Don'ts\n\n* Do not skip type hints on functions\n",
        "services/billing/AGENTS.md": "## Conventions\n\n1. Type hints on all functions\n",
        ".github/copilot-instructions.md": "- Use the logger, not print\n",
        ".cursor/rules/python.mdc": "---\ndescription: Python rules\nglobs: **/*.py\nalwaysApply: false\n---\n\n- No bare except\n",
        # A dependency's own agent file is not the repository's.
        "node_modules/x/AGENTS.md": "- vendored\n",
    }
    make_repo(tmp_path, files)
    assert discover(tmp_path) == [
        ".cursor/rules/python.mdc", ".github/copilot-instructions.md", "CLAUDE.md", "services/billing/AGENTS.md",
    ]
    # An imported file's statements come where the import is, with their own path and line.
    assert bullets_of(tmp_path, "CLAUDE.md") == [(3, "prohibition", "Do not skip type hints on functions"), (7, "prohibition", "Never use relative imports")]
    assert [b.path for b in read_statements(tmp_path, "CLAUDE.md")] == ["docs/style.md", "CLAUDE.md"]
    assert bullets_of(tmp_path, ".cursor/rules/python.mdc") == [(7, "prohibition", "No bare except")]
    assert bullets_of(tmp_path, "services/billing/AGENTS.md") == [(3, "requirement", "Type hints on all functions")]


def test_code_blocks_hold_no_headings_or_rules_and_markup_is_dropped(tmp_path):
    (tmp_path / "CLAUDE.md").write_text("## Rules\n\n- Use **snake_case** and `pathlib`\n\n```python\n# not a heading\n- not a rule\n```\n\n- Two\n")
    # Emphasis is dropped, code spans kept verbatim; the fenced block is the statement's example.
    assert [(b.line, b.text, b.section, b.example) for b in read_statements(tmp_path, "CLAUDE.md")] == [
        (3, "Use snake_case and `pathlib`", "Rules", "# not a heading\n- not a rule\n"),
        (10, "Two", "Rules", None),
    ]


def test_imports_that_loop_are_read_once(tmp_path):
    (tmp_path / "CLAUDE.md").write_text("@CLAUDE.md\n@a.md\n- One\n")
    (tmp_path / "a.md").write_text("@CLAUDE.md\n- A\n")
    assert [(b.path, b.line, b.text) for b in read_statements(tmp_path, "CLAUDE.md")] == [("a.md", 2, "A"), ("CLAUDE.md", 3, "One")]


@pytest.mark.slow
def test_the_command_prints_json_and_text(tmp_path):
    repo = make_repo(tmp_path / "repo", {"CLAUDE.md": "## Rules\n\n- Never use relative imports\n- Type hints on all functions\n"})
    command = [shutil.which("reviewbot"), "agents"]
    result = subprocess.run([*command, "--format", "json"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    assert entry["path"] == "CLAUDE.md"
    assert [(b["path"], b["line"], b["kind"], b["rules"], b["evidence"]) for b in entry["statements"]] == [
        ("CLAUDE.md", 3, "prohibition", ["RB101"], {"RB101": ["relative imports"]}),
        ("CLAUDE.md", 4, "requirement", ["RB301", "RB302"], {"RB301": ["Type hints"], "RB302": ["Type hints"]}),
    ]
    text = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    assert text.returncode == 0 and '"Never": -> RB101 [matched "relative imports"]' in text.stdout
    outside = subprocess.run([*command, str(tmp_path)], cwd=repo, capture_output=True, text=True)
    assert outside.returncode == 2 and "outside the repository" in outside.stderr


@pytest.mark.slow
def test_the_backend_engineer_agent_maps_every_rule_and_prohibition():
    root = Path(__file__).resolve().parents[1]
    result = run_main(root, "agents", "tests/data/backend-engineer.md", "--format", "json")
    assert result.code == 0, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    statements = entry["statements"]
    assert [b["kind"] for b in statements].count("prohibition") == 5
    assert len(statements) == 40
    for bullet in statements:
        assert bullet["rules"] or bullet["reason"], bullet["text"]
    mapped = {b["text"]: b["rules"] for b in statements}
    assert mapped["Bypassing established client layers for direct API calls"] == ["RB501"]
    assert mapped["Creating new patterns that conflict with existing architecture"] == ["RB502", "RB503"]
    assert mapped["Writing full-blown code without incremental review cycles"] == ["RB802"]
    assert mapped["Skipping type definitions or schema validation"] == ["RB301", "RB302", "RB303"]
    # Every statement of the agent's own file is enforced or explained by the pack.
    assert [b["text"] for b in statements if not b["rules"] and b["reason"] == "no rule of the packs checks this sentence"] == []


AUTO = ".reviewbot.yml", "packs: [auto]\n"
UNTYPED_RELATIVE = '"""Module."""\nfrom . import models\n\n\ndef total(order):\n    """Sum."""\n    return order\n'


def scan_json(repo: Path, *args: str) -> list[dict[str, object]]:
    result = run_main(repo, "scan", "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


@pytest.mark.slow
def test_auto_enables_what_the_only_agent_file_asks_and_cites_its_lines(tmp_path):
    files = {
        "CLAUDE.md": "# Shop\n\n## Conventions\n\n- Never use relative imports\n- Type hints on all functions\n",
        "app/__init__.py": "",
        "app/orders.py": UNTYPED_RELATIVE + "\n\ndef show(x):\n    print(eval(x))\n",
        AUTO[0]: AUTO[1],
    }
    repo = make_repo(tmp_path / "repo", files)
    from reviewbot.project import load_settings

    enabled = load_settings(repo).selected
    assert enabled == {"RB000", "RB001", "RB002", "RB003", "RB101", "RB301", "RB302"}
    found = scan_json(repo)
    # print and eval are allowed by nothing, and asked about by nothing either.
    assert sorted({f["rule"] for f in found}) == ["RB101", "RB301", "RB302"]
    for finding in found:
        expected = ("Never use relative imports", 5) if finding["rule"] == "RB101" else ("Type hints on all functions", 6)
        assert (finding["quote"], finding["source"]) == (expected[0], {"path": "CLAUDE.md", "line": expected[1]})
    # SARIF points at the bullet too, as a related location, and stays valid.
    log = json.loads(run_main(repo, "scan", "--format", "sarif").stdout)
    jsonschema.validate(log, json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text()))
    [related] = [r["relatedLocations"][0] for r in log["runs"][0]["results"] if r["ruleId"] == "RB101"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "CLAUDE.md" and related["physicalLocation"]["region"] == {"startLine": 5}


@pytest.mark.slow
def test_auto_scopes_nested_agents_md_copilot_applyto_and_cursor_globs(tmp_path):
    code = "def run(x):\n    return eval(x)\n"
    files = {
        "AGENTS.md": "## Rules\n\n- Never use relative imports\n",
        "billing/AGENTS.md": "## Rules\n\n- Use absolute imports, the @ alias of Python\n",
        ".github/instructions/legacy.instructions.md": '---\napplyTo: "legacy/**/*.py"\n---\n- Never use `eval`\n',
        ".cursor/rules/errors.mdc": "---\ndescription: errors\nglobs: jobs/**\nalwaysApply: false\n---\n\n- No bare except\n",
        # Neither always applied nor scoped by globs: Cursor uses it on request only.
        ".cursor/rules/manual.mdc": "---\ndescription: typing\nalwaysApply: false\n---\n\n- Type hints on all functions\n",
        "billing/pay.py": "from . import ledger\n",
        "shop/cart.py": "from . import items\n",
        "legacy/old.py": code,
        "shop/new.py": code,
        "jobs/nightly.py": "def run():\n    try:\n        return 1\n    except:\n        return 0\n",
        "shop/tasks.py": "def run():\n    try:\n        return 1\n    except:\n        return 0\n",
        AUTO[0]: AUTO[1],
    }
    repo = make_repo(tmp_path / "repo", files)
    found = {(f["rule"], f["path"]): f["source"] for f in scan_json(repo) if f["rule"] in ("RB101", "RB702", "RB202", "RB301")}
    assert found == {
        # The nested AGENTS.md speaks for its directory; the root one for the rest.
        ("RB101", "billing/pay.py"): {"path": "billing/AGENTS.md", "line": 3},
        ("RB101", "shop/cart.py"): {"path": "AGENTS.md", "line": 3},
        ("RB702", "legacy/old.py"): {"path": ".github/instructions/legacy.instructions.md", "line": 4},
        ("RB202", "jobs/nightly.py"): {"path": ".cursor/rules/errors.mdc", "line": 7},
    }


@pytest.mark.slow
def test_check_fails_on_unenforced_rules_until_they_are_waived(tmp_path):
    files = {"CLAUDE.md": "## Rules\n\n- Never use relative imports\n- Keep functions small\n\n## Context\n\n- The shop sells tea\n"}
    repo = make_repo(tmp_path / "repo", files)
    result = run_main(repo, "agents", "--check")
    assert result.code == 1
    # Only requirements and prohibitions must be enforced; information is no rule.
    assert "CLAUDE.md:4: requirement not enforced by any rule or check: Keep functions small" in result.stderr
    assert "tea" not in result.stderr
    (repo / ".reviewbot.yml").write_text("agents:\n  waive:\n    'functions small': judged in review\n")
    result = run_main(repo, "agents", "--check", "--format", "json")
    assert result.code == 0, result.stderr
    bullets = json.loads(result.stdout)["files"][0]["statements"]
    assert [(b["text"], b["waived"]) for b in bullets if not b["rules"]] == [("Keep functions small", "judged in review"), ("The shop sells tea", None)]
    (repo / ".reviewbot.yml").write_text("agents:\n  waive:\n    'functions small': ''\n")
    bad = run_main(repo, "agents", "--check")
    assert bad.code == 2 and "agents.waive" in bad.stderr


@pytest.mark.slow
def test_with_a_trusted_config_the_agent_files_come_from_that_revision(tmp_path):
    files = {"CLAUDE.md": "## Rules\n\n- Never use relative imports\n", "app/__init__.py": "", AUTO[0]: AUTO[1]}
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "checkout", "-q", "-b", "feature")
    # The change under review deletes the rule it breaks.
    (repo / "CLAUDE.md").write_text("## Rules\n\n- Be nice\n")
    (repo / "app/orders.py").write_text("from . import models\n")
    assert [f["rule"] for f in scan_json(repo) if f["rule"] == "RB101"] == []
    [finding] = [f for f in scan_json(repo, "--trusted-config", "main") if f["rule"] == "RB101"]
    assert finding["source"] == {"path": "CLAUDE.md", "line": 3}


@pytest.mark.slow
def test_agents_says_why_a_rule_is_silent_in_this_repository(tmp_path):
    files = {"CLAUDE.md": "## Rules\n\n- All HTTP calls go through the clients package\n", "app/__init__.py": ""}
    repo = make_repo(tmp_path / "repo", files)
    [bullet] = json.loads(run_main(repo, "agents", "--format", "json").stdout)["files"][0]["statements"]
    assert bullet["rules"] == ["RB501"]
    assert bullet["silent"]["RB501"].startswith("silent here: no module of the client layer (architecture.client-layer) calls requests, httpx")
    # Once a client module calls an HTTP library, the layer is established and the rule speaks.
    (repo / "app/clients").mkdir()
    (repo / "app/clients/http.py").write_text("import httpx\n\nCLIENT = httpx.Client(timeout=5)\n")
    [bullet] = json.loads(run_main(repo, "agents", "--format", "json").stdout)["files"][0]["statements"]
    assert bullet["silent"] == {}


@pytest.mark.slow
def test_a_linked_agent_file_is_not_read_and_breaks_nothing(tmp_path):
    files = {"CLAUDE.md": "## Rules\n\n- Never use relative imports\n", "app/__init__.py": "", "app/x.py": "from . import y\n", AUTO[0]: AUTO[1]}
    repo = make_repo(tmp_path / "repo", files)
    (repo / "AGENTS.md").symlink_to("CLAUDE.md")
    found = scan_json(repo)
    assert [(f["rule"], f["source"]) for f in found] == [("RB101", {"path": "CLAUDE.md", "line": 3})]
    assert [entry["path"] for entry in json.loads(run_main(repo, "agents", "--format", "json").stdout)["files"]] == ["CLAUDE.md"]


@pytest.mark.slow
def test_the_repository_file_that_says_no_comments_silences_the_comment_rules_end_to_end(tmp_path):
    subagent = "---\nname: backend\n---\n## Rules\n\n- Add detailed comments for all variables, functions, and complex logic\n- Use absolute imports with @ alias for all internal modules\n"
    code = "from . import models\n\n\ndef total(order: int) -> int:\n" + "".join(f"    order = order + {n}\n" for n in range(30)) + "    return order\n"
    files = {".claude/agents/backend.md": subagent, "docs/agents.md": "# Conventions\n\n- Do not add comments unless necessary\n", "app/__init__.py": "", "app/orders.py": code, AUTO[0]: AUTO[1]}
    repo = make_repo(tmp_path / "repo", files)
    # The common setup: CLAUDE.md is a link to the file that holds the rules.
    (repo / "CLAUDE.md").symlink_to("docs/agents.md")
    git(repo, "add", "CLAUDE.md")
    git(repo, "commit", "-q", "-m", "link")
    for args in ((), ("--trusted-config", "HEAD")):
        found = scan_json(repo, *args)
        # The subagent's import rule holds; the repository's own file turns the comment rules off.
        assert sorted({f["rule"] for f in found}) == ["RB101"], args
        [finding] = found
        assert finding["source"] == {"path": ".claude/agents/backend.md", "line": 7}
    conflicts = json.loads(run_main(repo, "agents", "--format", "json").stdout)["conflicts"]
    assert {c["rule"]: c["winner"] for c in conflicts}["RB402"] == "docs/agents.md:3"
