"""`reviewbot agents`: agent files read as bullets, each mapped to the rules that enforce it or to why none can."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reviewbot.agents import coverage, discover, read_bullets
from reviewbot.packs import load_pack
from tests.conftest import make_repo

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
    return [(b.line, b.kind, b.text) for b in read_bullets(root, name)]


def test_a_subagent_file_gives_each_bullet_its_line_kind_and_section(tmp_path):
    (tmp_path / ".claude/agents").mkdir(parents=True)
    (tmp_path / ".claude/agents/api.md").write_text(SUBAGENT)
    found = read_bullets(tmp_path, ".claude/agents/api.md")
    assert [(b.line, b.kind) for b in found] == [(13, "responsibility"), (14, "responsibility"), (20, "rule"), (21, "rule"), (25, "prohibition"), (26, "prohibition")]
    assert found[0].section == "Core Responsibilities / API Development"
    assert found[4].section == "Rules / Prohibited Tasks/Approaches"


def test_every_rule_and_prohibition_maps_to_rules_or_to_a_reason(tmp_path):
    (tmp_path / "agent.md").write_text(SUBAGENT)
    mapped = {c.bullet.text: (c.rules, c.reason) for c in coverage(read_bullets(tmp_path, "agent.md"), [load_pack("backend-engineer")])}
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
    # An imported file's bullets come where the import is, with their own path and line.
    assert bullets_of(tmp_path, "CLAUDE.md") == [(3, "prohibition", "Do not skip type hints on functions"), (7, "rule", "Never use relative imports")]
    assert [b.path for b in read_bullets(tmp_path, "CLAUDE.md")] == ["docs/style.md", "CLAUDE.md"]
    assert bullets_of(tmp_path, ".cursor/rules/python.mdc") == [(7, "responsibility", "No bare except")]
    assert bullets_of(tmp_path, "services/billing/AGENTS.md") == [(3, "rule", "Type hints on all functions")]


def test_code_blocks_hold_no_headings_or_rules_and_markup_is_dropped(tmp_path):
    (tmp_path / "CLAUDE.md").write_text("## Rules\n\n- Use **snake_case** and `pathlib`\n\n```python\n# not a heading\n- not a rule\n```\n\n- Two\n")
    assert [(b.line, b.text, b.section) for b in read_bullets(tmp_path, "CLAUDE.md")] == [
        (3, "Use snake_case and pathlib", "Rules"),
        (10, "Two", "Rules"),
    ]


def test_imports_that_loop_are_read_once(tmp_path):
    (tmp_path / "CLAUDE.md").write_text("@CLAUDE.md\n@a.md\n- One\n")
    (tmp_path / "a.md").write_text("@CLAUDE.md\n- A\n")
    assert [(b.path, b.line, b.text) for b in read_bullets(tmp_path, "CLAUDE.md")] == [("a.md", 2, "A"), ("CLAUDE.md", 3, "One")]


@pytest.mark.slow
def test_the_command_prints_json_and_text(tmp_path):
    repo = make_repo(tmp_path / "repo", {"CLAUDE.md": "## Rules\n\n- Never use relative imports\n- Type hints on all functions\n"})
    command = [shutil.which("reviewbot"), "agents"]
    result = subprocess.run([*command, "--format", "json"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    assert entry["path"] == "CLAUDE.md"
    assert [(b["path"], b["line"], b["kind"], b["rules"]) for b in entry["bullets"]] == [
        ("CLAUDE.md", 3, "rule", ["RB101", "RB102", "RB103"]),
        ("CLAUDE.md", 4, "rule", ["RB301", "RB302", "RB303"]),
    ]
    text = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    assert text.returncode == 0 and "-> RB101, RB102, RB103" in text.stdout
    outside = subprocess.run([*command, str(tmp_path)], cwd=repo, capture_output=True, text=True)
    assert outside.returncode == 2 and "outside the repository" in outside.stderr
