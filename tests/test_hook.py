"""`reviewbot hook claude-code`, driven like Claude Code drives it: event JSON on stdin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_repo

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
# An old file with violations that nobody touches in these tests.
OLD = DOC + "import requests\n\n\ndef old(x: str) -> bytes:\n    \"\"\"Old.\"\"\"\n    first = requests.get(x)\n    return first.content\n"


def hook(event: dict[str, object], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("reviewbot"), "hook", "claude-code", *args], input=json.dumps(event), cwd=cwd, capture_output=True, text=True, timeout=120
    )


def edited(repo: Path, name: str, tool: str = "Edit") -> dict[str, object]:
    return {"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": tool, "tool_input": {"file_path": str(repo / name)}}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/old.py": OLD, "notes.txt": "x\n"})


def test_a_violation_in_a_written_file_blocks_with_the_rule_and_its_quote(repo):
    (repo / "app/new.py").write_text(DOC + "from . import old\n")
    result = hook(edited(repo, "app/new.py", "Write"), cwd=repo)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[1] == (
        "`app/new.py:2` RB101 relative import `.`: use `app` — agent rule: `Use absolute imports with @ alias for all "
        "internal modules` (fix: import `app` absolutely)"
    )


def test_a_clean_edit_passes_silently_and_old_violations_in_the_file_are_not_reported(repo):
    (repo / "app/old.py").write_text(OLD + "\n\nLIMIT: int = 3  # seconds\n")
    result = hook(edited(repo, "app/old.py"), cwd=repo)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_an_edit_that_breaks_a_rule_in_an_old_file_reports_only_that_line(repo):
    (repo / "app/old.py").write_text(OLD.replace("    return", "    second = requests.post(x, timeout=None)\n    return"))
    result = hook(edited(repo, "app/old.py", "MultiEdit"), cwd=repo)
    assert result.returncode == 2
    # Line 7 (the old call without a timeout) is not part of the edit; RB201 is a warning, below the hook's fail-on.
    assert [line.split(" ")[:2] for line in result.stderr.splitlines()[1:]] == [["`app/old.py:8`", "RB205"]]


@pytest.mark.parametrize("name", ["notes.txt", "app/deleted.py"])
def test_other_files_pass(repo, name):
    assert hook(edited(repo, name, "Write"), cwd=repo).returncode == 0


def test_a_file_outside_the_repository_passes(repo, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("from . import x\n")
    event = {"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(outside)}}
    assert hook(event, cwd=repo).returncode == 0


def test_a_file_in_another_repository_nested_inside_passes(repo):
    nested = make_repo(repo / "vendor" / "other", {"lib.py": DOC})
    (nested / "lib.py").write_text(DOC + "from . import x\n")
    result = hook({**edited(repo, "vendor/other/lib.py", "Write")}, cwd=repo)
    assert result.returncode == 0, result.stderr


def test_stop_blocks_on_the_work_trees_new_findings_unless_already_continuing(repo):
    (repo / "app/new.py").write_text(DOC + "from . import old\n")
    stop = {"hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": False}
    blocked = hook(stop, cwd=repo)
    assert blocked.returncode == 2 and "`app/new.py:2` RB101" in blocked.stderr
    assert hook({**stop, "stop_hook_active": True}, cwd=repo).returncode == 0
    assert hook({**stop, "hook_event_name": "SubagentStop"}, cwd=repo).returncode == 2


def test_max_findings_and_the_count_of_the_rest(repo):
    (repo / "app/many.py").write_text(DOC + "".join(f"from . import m{n}\n" for n in range(5)))
    result = hook(edited(repo, "app/many.py", "Write"), "--max-findings", "2", cwd=repo)
    lines = result.stderr.splitlines()
    assert len(lines) == 4 and lines[-1].startswith("... and 3 more")


def test_reviewbot_failures_exit_1_and_never_trap_the_agent(repo):
    malformed = subprocess.run([shutil.which("reviewbot"), "hook", "claude-code"], input="{not json", cwd=repo, capture_output=True, text=True)
    assert malformed.returncode == 1
    assert malformed.stderr.startswith("reviewbot hook: standard input is not a Claude Code hook event (JSON)")
    (repo / ".reviewbot.yml").write_text("selcet: [RB1]\n")
    (repo / "app/new.py").write_text(DOC + "from . import old\n")
    broken = hook(edited(repo, "app/new.py", "Write"), cwd=repo)
    assert broken.returncode == 1
    assert "selcet: unknown key (did you mean 'select'?)" in broken.stderr


def test_hook_usage_errors_and_pathological_input_never_block_the_agent(repo):
    bad_flag = subprocess.run([shutil.which("reviewbot"), "hook", "claude-code", "--max-findings", "many"], input="{}", cwd=repo, capture_output=True, text=True)
    assert bad_flag.returncode == 1
    deep = subprocess.run([shutil.which("reviewbot"), "hook", "claude-code"], input="[" * 200000, cwd=repo, capture_output=True, text=True)
    assert deep.returncode == 1


def test_stdin_that_is_not_utf8_or_closed_is_a_broken_event_never_a_block(repo):
    command = [shutil.which("reviewbot"), "hook", "claude-code"]
    event = json.dumps(edited(repo, "app/old.py")).encode()
    latin = subprocess.run(command, input=event.replace(b"old.py", b"\xe9t\xe9.py"), cwd=repo, capture_output=True)
    assert latin.returncode == 0  # the path with its bytes replaced names no file: nothing to check
    garbage = subprocess.run(command, input=b"\xff\xfe{\x00", cwd=repo, capture_output=True)
    assert garbage.returncode == 1 and b"not a Claude Code hook event" in garbage.stderr
    closed = subprocess.run(command, stdin=subprocess.DEVNULL, cwd=repo, capture_output=True)
    assert closed.returncode == 1
    negative = subprocess.run([*command, "--max-findings", "-1"], input=event, cwd=repo, capture_output=True)
    assert negative.returncode == 1 and b"must be above 0" in negative.stderr


def test_the_config_fail_on_applies_unless_the_flag_says_otherwise(repo):
    (repo / ".reviewbot.yml").write_text("fail-on: never\n")
    (repo / "app/new.py").write_text(DOC + "from . import old\n")
    assert hook(edited(repo, "app/new.py", "Write"), cwd=repo).returncode == 0
    assert hook(edited(repo, "app/new.py", "Write"), "--fail-on", "error", cwd=repo).returncode == 2


def test_an_edit_with_nothing_to_check_loads_neither_libcst_nor_the_rules(repo):
    # The hook runs after every edit the agent makes; most need no parser at all.
    event = json.dumps(edited(repo, "notes.txt", "Write"))
    program = (
        "import io, sys; from reviewbot.cli import main; sys.stdin = io.StringIO(sys.argv[1]); "
        "status = main(['hook', 'claude-code']); "
        "print(status, sorted(name for name in ('libcst', 'git', 'reviewbot.checks') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", program, event], cwd=repo, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "0 []", result.stderr
