"""The hook protocols' newer corners, in process: what the hooks tell (`hooks.tell`), Copilot's stop
without `stop_hook_active`, VS Code's `editFiles`, Claude Code's Stop context, and `reviewbot doctor`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewbot.hooks.answer import run
from reviewbot.hooks.protocol import HookOptions, Reply
from tests.conftest import make_repo, run_main

DOC = '"""Module."""\n'
# A hard-coded key: RB704, a warning.
SECRET = DOC + 'API_KEY = "sk_live_51HcQpRLkX3mZ9pQ2vT8wY4uB"\n'
BAD = DOC + "from . import old\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/old.py": DOC})


def claude(repo: Path, name: str, **extra: object) -> str:
    return json.dumps({"session_id": "s1", "hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(repo / name)}, **extra})


def answer(agent: str, event: str, **options: object) -> Reply:
    reply = run(agent, event, HookOptions(isolate=False, **options))  # type: ignore[arg-type]
    reply.delivered()
    return reply


@pytest.mark.parametrize(
    ("config", "told"),
    [
        ("", True),  # security warnings reach the agent by default
        ("hooks:\n  tell:\n    also: []\n", False),
        ("hooks:\n  tell:\n    min-severity: warning\n    also: []\n", True),
        ("fail-on: warning\nhooks:\n  tell:\n    also: []\n", True),
    ],
)
def test_security_warnings_are_told_to_the_agent_unless_the_config_says_otherwise(repo, config, told):
    (repo / ".reviewbot.yml").write_text(config)
    (repo / "app/keys.py").write_text(SECRET)
    reply = answer("claude-code", claude(repo, "app/keys.py"))
    assert (reply.status == 2 and "RB704" in reply.stderr) if told else (reply.status, reply.stderr) == (0, "")


def test_the_hooks_tell_config_names_the_key_it_cannot_read(repo):
    (repo / ".reviewbot.yml").write_text("hooks:\n  tell:\n    min-severty: warning\n")
    result = run_main(repo, "scan")
    assert result.code == 2 and "hooks.tell.min-severty: unknown key (did you mean 'min-severity'?)" in result.stderr
    (repo / ".reviewbot.yml").write_text("hooks:\n  tell:\n    min-severity: never\n")
    assert "hooks.tell.min-severity: expected one of error, warning, info, got 'never'" in run_main(repo, "scan").stderr


def copilot_stop(repo: Path, **extra: object) -> str:
    return json.dumps({"sessionId": "s1", "timestamp": 2, "cwd": str(repo), "stopReason": "end_turn", **extra})


def test_a_copilot_stop_without_stop_hook_active_is_kept_going_once_until_the_next_edit(repo):
    (repo / "app/new.py").write_text(BAD)
    first = answer("copilot", copilot_stop(repo))
    assert json.loads(first.stdout)["decision"] == "block"
    # The agent stops again without an edit: reviewbot kept it going already, so it may stop.
    assert answer("copilot", copilot_stop(repo)).stdout == "{}\n"
    # An edit, then a stop: kept going again, since findings remain.
    edit = json.dumps({"sessionId": "s1", "timestamp": 3, "cwd": str(repo), "toolName": "edit", "toolArgs": {"path": str(repo / "app/new.py")}})
    answer("copilot", edit)
    assert json.loads(answer("copilot", copilot_stop(repo)).stdout)["decision"] == "block"
    # At most three counted stops a session are kept going, edits or not.
    answer("copilot", edit)
    assert json.loads(answer("copilot", copilot_stop(repo)).stdout)["decision"] == "block"
    answer("copilot", edit)
    assert answer("copilot", copilot_stop(repo)).stdout == "{}\n"
    # A version that sends stop_hook_active decides by it, as before.
    assert json.loads(answer("copilot", copilot_stop(repo, stop_hook_active=False)).stdout)["decision"] == "block"
    assert answer("copilot", copilot_stop(repo, stop_hook_active=True)).stdout == "{}\n"


def test_a_counted_stop_is_never_kept_going_when_reviewbot_cannot_count(repo):
    (repo / "app/new.py").write_text(BAD)
    # The cache directory is a file: no state can be written, so no stop is kept going.
    (repo / ".reviewbot_cache").write_text("not a directory\n")
    for _ in range(2):
        assert answer("copilot", copilot_stop(repo)).stdout == "{}\n"


def test_copilot_cli_running_claude_codes_settings_is_understood(repo):
    (repo / "app/new.py").write_text(BAD)
    edit = json.dumps({"session_id": "c9", "hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "edit", "tool_input": {"path": str(repo / "app/new.py")}})
    assert answer("claude-code", edit).status == 2
    # Its Stop carries no stop_hook_active: kept going once, then let stop.
    stop = json.dumps({"session_id": "c9", "hook_event_name": "Stop", "cwd": str(repo)})
    assert answer("claude-code", stop).status == 2
    assert answer("claude-code", stop).status == 0


def test_doctor_finds_an_agent_that_runs_reviewbot_twice(repo):
    assert run_main(repo, "init", "--only", "hooks", "--agent", "claude-code").code == 0
    assert run_main(repo, "doctor").stdout == "reviewbot doctor: no problem found in the agents' hook settings\n"
    both = run_main(repo, "init", "--only", "hooks", "--agent", "copilot")
    assert "GitHub Copilot runs the hooks of .github/hooks/reviewbot.json and .claude/settings.json" in both.stderr
    doctor = run_main(repo, "doctor")
    assert doctor.code == 1 and "every edit is checked twice and each finding told twice" in doctor.stdout
    # One file listing reviewbot twice for one event.
    settings = json.loads((repo / ".claude/settings.json").read_text())
    settings["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "reviewbot hook claude-code --fail-on warning"}]})
    (repo / ".claude/settings.json").write_text(json.dumps(settings))
    (repo / ".github/hooks/reviewbot.json").unlink()
    assert run_main(repo, "doctor").stdout == "reviewbot doctor: .claude/settings.json runs reviewbot's hook 2 times on Stop: keep one.\n"


def vscode(repo: Path, tool: str, tool_input: dict[str, object]) -> str:
    """A PostToolUse event as VS Code's agent sends it to every hook file it runs."""
    return json.dumps({
        "timestamp": "2026-11-02T10:00:00.000Z", "cwd": str(repo), "sessionId": "v1", "hookEventName": "PostToolUse",
        "transcript_path": "/tmp/t.json", "tool_name": tool, "tool_input": tool_input, "tool_use_id": "t1", "tool_response": "ok",
    })


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("editFiles", {"files": ["app/new.py"]}),
        ("editFiles", {"files": [{"filePath": "app/new.py"}]}),
        ("replace_string_in_file", {"filePath": "app/new.py", "oldString": "a", "newString": "b"}),
        ("create_file", {"filePath": "app/new.py", "content": "..."}),
        ("multi_replace_string_in_file", {"explanation": "x", "replacements": [{"filePath": "app/new.py", "oldString": "a", "newString": "b"}]}),
        ("apply_patch", {"input": "*** Begin Patch\n*** Update File: app/new.py\n@@\n+from . import old\n*** End Patch\n"}),
    ],
)
@pytest.mark.parametrize("agent", ["copilot", "claude-code"])
def test_vs_code_edits_are_checked_through_either_hook_file_and_answered_its_way(repo, agent, tool, tool_input):
    (repo / "app/new.py").write_text(BAD)
    reply = answer(agent, vscode(repo, tool, tool_input))
    output = json.loads(reply.stdout)["hookSpecificOutput"]
    assert reply.status == 0 and output["hookEventName"] == "PostToolUse" and "RB101" in output["additionalContext"]


def test_a_vs_code_stop_is_blocked_inside_hook_specific_output_and_reading_tools_are_not_edits(repo):
    (repo / "app/new.py").write_text(BAD)
    stop = {"timestamp": "2026-11-02T10:00:01.000Z", "cwd": str(repo), "sessionId": "v1", "hookEventName": "Stop", "stop_hook_active": False}
    output = json.loads(answer("copilot", json.dumps(stop)).stdout)["hookSpecificOutput"]
    assert output["hookEventName"] == "Stop" and output["decision"] == "block" and "RB101" in output["reason"]
    assert answer("copilot", json.dumps({**stop, "stop_hook_active": True})).stdout == "{}\n"
    assert answer("claude-code", vscode(repo, "read_file", {"filePath": "app/new.py"})) == Reply(0)


def test_claude_codes_stop_context_keeps_the_turn_going_without_a_hook_error(repo):
    (repo / "app/new.py").write_text(BAD)
    stop = json.dumps({"session_id": "s2", "hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": False})
    reply = answer("claude-code", stop, stop_context=True)
    assert reply.status == 0 and reply.stderr == ""
    assert "RB101" in json.loads(reply.stdout)["hookSpecificOutput"]["additionalContext"]
    # Without the flag, the block every Claude Code version reads.
    assert answer("claude-code", stop).status == 2


def test_doctor_notes_what_only_a_setting_makes_run_twice_and_knows_every_way_to_start_reviewbot(repo):
    claude = {"hooks": {"PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "uv run reviewbot hook claude-code"}]}]}}
    (repo / ".claude").mkdir()
    (repo / ".claude/settings.json").write_text(json.dumps(claude))
    assert run_main(repo, "init", "--only", "hooks", "--agent", "cursor").code == 0
    doctor = run_main(repo, "doctor")
    # Cursor runs Claude Code's hooks only with its setting on: a note, not a failure.
    assert doctor.code == 0
    assert "reviewbot doctor: note: Cursor runs the hooks of .cursor/hooks.json and .claude/settings.json (when Cursor's setting" in doctor.stdout
