"""`reviewbot hook AGENT` for every agent, driven by events in the shapes their documentation shows:
the reply to a violating edit, a clean edit, another file, a stop, malformed input; told once per
session; the budget of a reply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_repo

# Each event answered in this process, scanning in it too (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
BAD = DOC + "from . import old\n"
GOOD = DOC + "from app import old\n"
RULE = "`app/new.py:2` RB101 relative import `.`: use `app`"


def hook(agent: str, event: dict[str, object], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``reviewbot hook AGENT ARGS`` answering ``event``, in this process (as the hook server's child
    answers it); the console script's own stdin, exit and server handling are test_hook's and test_hookserver's."""
    from reviewbot.arguments import build_parser
    from reviewbot.hooks.command import answer

    parsed = build_parser().parse_args(["hook", agent, *args])
    saved = os.getcwd()
    os.chdir(cwd)
    try:
        reply = answer(parsed, json.dumps(event), isolate=False)
    finally:
        os.chdir(saved)
    reply.delivered()
    return subprocess.CompletedProcess(["reviewbot", "hook", agent, *args], reply.status, reply.stdout, reply.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/old.py": DOC, "notes.txt": "x\n"})


# Each agent: its after-edit event for a file, its stop event, and how its reply carries the text.
def claude_edit(repo: Path, name: str) -> dict[str, object]:
    return {"session_id": "s1", "hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(repo / name)}}


def cursor_edit(repo: Path, name: str) -> dict[str, object]:
    return {
        "conversation_id": "c1",
        "generation_id": "g1",
        "hook_event_name": "postToolUse",
        "workspace_roots": [str(repo)],
        "tool_name": "Write",
        "tool_input": {"file_path": str(repo / name)},
    }


def gemini_edit(repo: Path, name: str) -> dict[str, object]:
    return {"session_id": "s1", "hook_event_name": "AfterTool", "cwd": str(repo), "tool_name": "write_file", "tool_input": {"file_path": name, "content": "..."}}


def codex_edit(repo: Path, name: str) -> dict[str, object]:
    patch = f"*** Begin Patch\n*** Add File: {name}\n+{BAD}*** End Patch\n"
    return {"session_id": "s1", "hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "apply_patch", "tool_input": {"command": patch}}


def copilot_edit(repo: Path, name: str) -> dict[str, object]:
    return {"sessionId": "s1", "timestamp": 1, "cwd": str(repo), "toolName": "create", "toolArgs": json.dumps({"path": str(repo / name), "file_text": "..."})}


EDITS = {"claude-code": claude_edit, "cursor": cursor_edit, "gemini": gemini_edit, "codex": codex_edit, "copilot": copilot_edit}
STOPS = {
    "claude-code": lambda repo, again: {"session_id": "s1", "hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": again},
    "cursor": lambda repo, again: {"conversation_id": "c1", "hook_event_name": "stop", "workspace_roots": [str(repo)], "status": "completed", "loop_count": int(again)},
    "gemini": lambda repo, again: {"session_id": "s1", "hook_event_name": "AfterAgent", "cwd": str(repo), "stop_hook_active": again},
    "codex": lambda repo, again: {"session_id": "s1", "hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": again},
    "copilot": lambda repo, again: {"sessionId": "s1", "timestamp": 2, "cwd": str(repo), "stopReason": "end_turn", "stop_hook_active": again},
}


def told(agent: str, result: subprocess.CompletedProcess[str], stop: bool = False) -> str | None:
    """The text the agent's model reads from a reply, or ``None`` when the agent carries on."""
    assert result.returncode in (0, 2), result.stderr
    if agent == "claude-code":
        return result.stderr if result.returncode == 2 else None
    reply = json.loads(result.stdout or "{}")
    if agent == "cursor":
        return reply.get("followup_message" if stop else "additional_context")
    if agent == "gemini" and not stop:
        return reply.get("hookSpecificOutput", {}).get("additionalContext")
    if agent == "codex" and not stop:
        return reply.get("hookSpecificOutput", {}).get("additionalContext")
    if agent == "copilot" and not stop:
        return reply.get("additionalContext")
    assert reply.get("decision") in (None, "block", "deny")
    return reply.get("reason")


@pytest.mark.parametrize("agent", sorted(EDITS))
def test_each_agent_hears_a_violation_once_and_carries_on_otherwise(agent, repo):
    (repo / "app/new.py").write_text(BAD)
    first = hook(agent, EDITS[agent](repo, "app/new.py"), repo)
    assert RULE in (told(agent, first) or ""), first
    # The same finding is not repeated on the next edit of the session; the stop reports it again.
    assert told(agent, hook(agent, EDITS[agent](repo, "app/new.py"), repo)) is None
    assert RULE in (told(agent, hook(agent, STOPS[agent](repo, False), repo), stop=True) or "")
    # A stop while already continuing because of a hook lets the agent stop: no loop.
    assert told(agent, hook(agent, STOPS[agent](repo, True), repo), stop=True) is None
    # Fixed: nothing to say; another kind of file: nothing to check.
    (repo / "app/new.py").write_text(GOOD)
    assert told(agent, hook(agent, EDITS[agent](repo, "app/new.py"), repo)) is None
    assert told(agent, hook(agent, STOPS[agent](repo, False), repo), stop=True) is None
    assert told(agent, hook(agent, EDITS[agent](repo, "notes.txt"), repo)) is None


@pytest.mark.parametrize("agent", sorted(EDITS))
def test_malformed_input_is_reviewbots_own_failure_never_a_rule(agent, repo):
    for stdin in ("{not json", "[1, 2]"):
        result = subprocess.run([shutil.which("reviewbot"), "hook", agent], input=stdin, cwd=repo, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "reviewbot hook: standard input is not a" in result.stderr
        assert "RB" not in result.stdout + result.stderr


def test_a_changed_line_is_told_again_and_a_new_session_hears_everything(repo):
    (repo / "app/new.py").write_text(BAD)
    assert hook("gemini", gemini_edit(repo, "app/new.py"), repo).stdout != "{}\n"
    assert hook("gemini", gemini_edit(repo, "app/new.py"), repo).stdout == "{}\n"
    # The line changed (still broken): told again.
    (repo / "app/new.py").write_text(DOC + "from . import old as previous\n")
    assert "RB101" in hook("gemini", gemini_edit(repo, "app/new.py"), repo).stdout
    assert "RB101" in hook("gemini", {**gemini_edit(repo, "app/new.py"), "session_id": "s2"}, repo).stdout


def test_a_reply_keeps_to_its_budget_most_severe_first(repo):
    (repo / "app/many.py").write_text(DOC + "".join(f"from . import m{n}\n" for n in range(30)) + "\n\ndef f(x):\n    return x\n")
    result = hook("codex", {**codex_edit(repo, "app/many.py"), "tool_input": {"command": "*** Update File: app/many.py\n"}}, repo, "--max-chars", "1000")
    text = json.loads(result.stdout)["hookSpecificOutput"]["additionalContext"]
    lines = text.splitlines()
    assert len(text) <= 1000
    assert lines[0].startswith("reviewbot: the code just written breaks 32 of the project's agent rules")
    assert all(" RB101 " in line or " RB30" in line for line in lines[1:-1])
    assert lines[-1].startswith(f"... and {32 - (len(lines) - 2)} more")
    # What was left out is told on the next edit.
    again = json.loads(hook("codex", {**codex_edit(repo, "app/many.py"), "tool_input": {"command": "*** Update File: app/many.py\n"}}, repo).stdout)
    assert "RB101" in again["hookSpecificOutput"]["additionalContext"]


def test_claude_code_can_reply_with_a_json_decision(repo):
    (repo / "app/new.py").write_text(BAD)
    result = hook("claude-code", claude_edit(repo, "app/new.py"), repo, "--reply", "json")
    assert result.returncode == 0 and result.stderr == ""
    decision = json.loads(result.stdout)
    assert decision["decision"] == "block" and RULE in decision["reason"]


def test_cursor_after_file_edit_is_fire_and_forget(repo):
    (repo / "app/new.py").write_text(BAD)
    event = {"conversation_id": "c1", "hook_event_name": "afterFileEdit", "workspace_roots": [str(repo)], "file_path": str(repo / "app/new.py"), "edits": []}
    assert hook("cursor", event, repo).stdout == "{}\n"


def test_cursor_checks_only_tools_that_write(repo):
    (repo / "app/new.py").write_text(BAD)
    read = {**cursor_edit(repo, "app/new.py"), "tool_name": "Read"}
    assert hook("cursor", read, repo).stdout == "{}\n"


def test_the_smallest_budget_still_holds_a_finding_and_the_count(repo):
    (repo / "app/many.py").write_text(DOC + "".join(f"from . import m{n}\n" for n in range(30)))
    result = hook("claude-code", claude_edit(repo, "app/many.py"), repo, "--max-chars", "10")
    lines = result.stderr.splitlines()
    # The smallest budget is 500 characters: the header, at least one finding, the count of the rest.
    assert len(result.stderr) <= 500 and " RB101 " in lines[1]
    assert lines[-1].startswith(f"... and {30 - (len(lines) - 2)} more (run `reviewbot scan --diff HEAD`")


def test_odd_events_are_no_rule_violations(repo):
    for agent, event in (
        ("gemini", {"hook_event_name": "AfterTool", "cwd": str(repo), "tool_name": ["write_file"], "tool_input": {}}),
        ("copilot", {"sessionId": "s", "cwd": str(repo), "toolName": "edit", "toolArgs": "not json"}),
        ("codex", {"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "apply_patch", "tool_input": {"command": ["apply_patch", "*** Update File: notes.txt\n"]}}),
    ):
        result = hook(agent, event, repo)
        assert result.returncode in (0, 1) and "RB" not in result.stdout + result.stderr, (agent, result)


def test_an_agent_started_above_the_repository_is_checked_in_the_files_repository(repo):
    (repo / "app/new.py").write_text(BAD)
    above = repo.parent
    event = {"session_id": "s9", "hook_event_name": "PostToolUse", "cwd": str(above), "tool_name": "apply_patch", "tool_input": {"command": "*** Update File: repo/app/new.py\n"}}
    assert RULE in json.loads(hook("codex", event, above).stdout)["hookSpecificOutput"]["additionalContext"]
