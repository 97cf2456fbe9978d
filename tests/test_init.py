"""`reviewbot init`: adoption in one command, merging and never duplicating."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from reviewbot import __version__
from reviewbot.init import PLACEHOLDER, PRE_COMMIT_ENTRY, WORKFLOW, install_source, render
from tests.conftest import make_repo, run_main

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
OTHER_SETTINGS = {
    "model": "opus",
    "permissions": {"allow": ["Bash(pytest:*)"]},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "audit.sh"}]}],
        "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "ruff format"}]}],
    },
}


def snapshot(repo: Path) -> dict[str, str]:
    return {p.relative_to(repo).as_posix(): p.read_text() for p in repo.rglob("*") if p.is_file() and ".git/" not in p.as_posix() + "/"}


def test_init_on_an_empty_repository_and_again(tmp_path):
    repo = make_repo(tmp_path / "empty", {"shop/__init__.py": "", "CLAUDE.md": "# Rules\n"})
    first = run_main(repo, "init")
    assert first.code == 0
    config = yaml.safe_load((repo / ".reviewbot.yml").read_text())
    # An agent file exists: its rules, not the generic pack's.
    assert config == {"packs": ["auto"], "imports": {"roots": ["shop"]}}
    assert "#   CLAUDE.md" in (repo / ".reviewbot.yml").read_text()
    # This reviewbot was not installed from a GitHub repository: a placeholder, marked and told.
    workflow = (repo / ".github/workflows/reviewbot.yml").read_text()
    assert "      # reviewbot init did not know where your team gets reviewbot: replace OWNER/REPO@REF\n      - uses: OWNER/REPO@REF\n" in workflow
    assert "installs reviewbot from the placeholder OWNER/REPO@REF" in first.stderr and "--action-ref" in first.stderr
    settings = json.loads((repo / ".claude/settings.json").read_text())
    assert settings["hooks"]["PostToolUse"] == [
        {"matcher": "Write|Edit|MultiEdit", "hooks": [{"type": "command", "command": "reviewbot hook claude-code"}]}
    ]
    assert settings["hooks"]["SessionStart"] == [{"hooks": [{"type": "command", "command": "reviewbot hook claude-code"}]}]
    assert not (repo / ".pre-commit-config.yaml").exists()
    before = snapshot(repo)
    second = run_main(repo, "init")
    assert second.stdout == "reviewbot init: nothing to change\n"
    assert snapshot(repo) == before
    # The written config is valid for reviewbot itself.
    assert run_main(repo, "scan").code == 0
    # Given the reference, the placeholder becomes it; nothing else changes.
    third = run_main(repo, "init", "--action-ref", "acme/reviewbot@v0.5.0")
    assert third.stdout == "reviewbot init: updated .github/workflows/reviewbot.yml\n" and "placeholder" not in third.stderr
    resolved = (repo / ".github/workflows/reviewbot.yml").read_text()
    assert resolved == workflow.replace("      # reviewbot init did not know where your team gets reviewbot: replace OWNER/REPO@REF\n", "").replace(PLACEHOLDER, "acme/reviewbot@v0.5.0")
    assert yaml.safe_load(resolved)["jobs"]["review"]["steps"][2] == {"uses": "acme/reviewbot@v0.5.0", "with": {"fail-on": "error"}}
    for bad_reference in ("acme/reviewbot", "acme/reviewbot@../main", "acme/reviewbot@v1 --x"):
        bad = run_main(repo, "init", "--action-ref", bad_reference)
        assert bad.code == 2 and "--action-ref: expected OWNER/REPO@REF" in bad.stderr


def test_existing_settings_and_hooks_are_kept_and_nothing_is_duplicated(tmp_path):
    repo = make_repo(tmp_path / "busy", {"app/__init__.py": "", ".claude/settings.json": json.dumps(OTHER_SETTINGS)})
    run_main(repo, "init", "--only", "claude")
    run_main(repo, "init", "--only", "claude")
    settings = json.loads((repo / ".claude/settings.json").read_text())
    assert settings["model"] == "opus" and settings["permissions"] == OTHER_SETTINGS["permissions"]
    assert settings["hooks"]["PreToolUse"] == OTHER_SETTINGS["hooks"]["PreToolUse"]
    post = settings["hooks"]["PostToolUse"]
    assert post[0] == OTHER_SETTINGS["hooks"]["PostToolUse"][0]
    commands = [hook["command"] for entry in post for hook in entry["hooks"]]
    assert commands == ["ruff format", "reviewbot hook claude-code"]
    assert [len(settings["hooks"][event]) for event in ("SessionStart", "Stop", "SubagentStop")] == [1, 1, 1]
    assert not (repo / ".reviewbot.yml").exists()


def test_pre_commit_config_gets_the_hook_once_and_stays_valid(tmp_path):
    existing = "# Our hooks.\nrepos:\n- repo: https://github.com/psf/black\n  rev: 24.1.0\n  hooks:\n  - id: black\n"
    repo = make_repo(tmp_path / "pc", {"app/__init__.py": "", ".pre-commit-config.yaml": existing})
    run_main(repo, "init", "--only", "pre-commit", "--action-ref", "acme/reviewbot@2024")
    run_main(repo, "init", "--only", "pre-commit")
    text = (repo / ".pre-commit-config.yaml").read_text()
    assert text.startswith(existing) and text.count("id: reviewbot") == 1
    # A tag that YAML would read as a number is quoted.
    assert '- repo: https://github.com/acme/reviewbot\n  rev: "2024"\n' in text
    repos = yaml.safe_load(text)["repos"]
    assert [hook["id"] for repo_entry in repos for hook in repo_entry["hooks"]] == ["black", "reviewbot"]
    validate = subprocess.run([shutil.which("pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=repo, capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ("repos: []\n", [["reviewbot"]]),
        ("# Ours.\nrepos: [{repo: local, hooks: [{id: x, name: x, entry: x, language: system}]}]\ndefault_stages: [pre-commit]\n", [["x"], ["reviewbot"]]),
        ("repos: [\n  {repo: local, hooks: []},\n]\n", None),
    ],
)
def test_a_flow_style_pre_commit_list_takes_the_entry_as_a_flow_item(tmp_path, existing, expected):
    repo = make_repo(tmp_path / "pc", {"app/__init__.py": "", ".pre-commit-config.yaml": existing})
    first = run_main(repo, "init", "--only", "pre-commit")
    assert first.code == 0, first.stderr
    text = (repo / ".pre-commit-config.yaml").read_text()
    repos = yaml.safe_load(text)["repos"]
    assert repos[-1] == {"repo": "https://github.com/OWNER/REPO", "rev": "REF", "hooks": [{"id": "reviewbot"}]}
    if expected is not None:
        assert [[hook["id"] for hook in entry["hooks"]] for entry in repos] == expected
    assert text.startswith(existing.partition("[")[0]) and "placeholder OWNER/REPO@REF" in first.stderr
    # The placeholder takes the reference given later, in the flow item too, as a string.
    assert run_main(repo, "init", "--only", "pre-commit", "--action-ref", "acme/reviewbot@1.10").code == 0
    assert yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][-1]["rev"] == "1.10"


class Installed:
    """A distribution whose ``direct_url.json`` is ``text``."""

    def __init__(self, text: str | None) -> None:
        self.text = text

    def read_text(self, name: str) -> str | None:
        return self.text if name == "direct_url.json" else None


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        ({"url": "https://github.com/acme/reviewbot.git", "vcs_info": {"vcs": "git", "requested_revision": "v0.5.0", "commit_id": "a" * 40}}, "acme/reviewbot@v0.5.0"),
        ({"url": "ssh://git@github.com/acme/reviewbot.git", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}}, f"acme/reviewbot@{'b' * 40}"),
        ({"url": "https://gitlab.com/acme/reviewbot.git", "vcs_info": {"vcs": "git", "commit_id": "c" * 40}}, None),
        ({"url": "file:///home/dev/reviewbot", "dir_info": {"editable": True}}, None),
        ({"url": "https://example.com/reviewbot-0.5.0.tar.gz", "archive_info": {}}, None),
        ({"url": "https://github.com/acme/reviewbot", "vcs_info": {"vcs": "hg", "commit_id": "d"}}, None),
        ("not json", None),
        (None, None),
    ],
)
def test_the_install_source_comes_from_pep_610s_direct_url(monkeypatch, direct_url, expected):
    import importlib.metadata

    text = direct_url if isinstance(direct_url, str) or direct_url is None else json.dumps(direct_url)
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: Installed(text))
    assert install_source() == expected


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path):
    repo = make_repo(tmp_path / "dry", {"app/__init__.py": ""})
    before = snapshot(repo)
    result = run_main(repo, "init", "--dry-run")
    assert "+++ b/.reviewbot.yml" in result.stdout and "+++ b/.claude/settings.json" in result.stdout
    assert snapshot(repo) == before
    unknown = run_main(repo, "init", "--only", "hookz")
    assert unknown.code == 2 and "did you mean 'hooks'" in unknown.stderr


def test_init_writes_each_agents_hooks_and_keeps_their_other_settings(tmp_path):
    repo = make_repo(tmp_path / "repo", {".gemini/settings.json": '{"theme": "dark", "hooks": {"AfterTool": [{"matcher": "x", "hooks": []}]}}'})
    result = run_main(repo, "init", "--only", "hooks", "--agent", "cursor,gemini,codex,copilot")
    assert result.code == 0, result.stderr
    gemini = json.loads((repo / ".gemini/settings.json").read_text())
    assert gemini["theme"] == "dark" and len(gemini["hooks"]["AfterTool"]) == 2
    assert gemini["hooks"]["AfterTool"][1] == {"matcher": "write_file|replace", "hooks": [{"type": "command", "command": "reviewbot hook gemini"}]}
    assert json.loads((repo / ".cursor/hooks.json").read_text()) == {
        "version": 1,
        "hooks": {
            "sessionStart": [{"command": "reviewbot hook cursor"}],
            "postToolUse": [{"command": "reviewbot hook cursor"}],
            "stop": [{"command": "reviewbot hook cursor", "loop_limit": 1}],
        },
    }
    assert json.loads((repo / ".codex/hooks.json").read_text())["hooks"]["Stop"] == [{"hooks": [{"type": "command", "command": "reviewbot hook codex"}]}]
    copilot = json.loads((repo / ".github/hooks/reviewbot.json").read_text())
    assert copilot["hooks"]["postToolUse"] == [{"matcher": "edit|create", "type": "command", "bash": "reviewbot hook copilot", "timeoutSec": 60}]
    # Idempotent, and no Claude Code settings unless asked for.
    again = run_main(repo, "init", "--only", "hooks", "--agent", "cursor,gemini,codex,copilot")
    assert again.stdout == "reviewbot init: nothing to change\n" and not (repo / ".claude").exists()
    bad = run_main(repo, "init", "--agent", "cursr")
    assert bad.code == 2 and "did you mean 'cursor'" in bad.stderr


def test_the_docs_show_what_init_writes(tmp_path):
    docs = (ROOT / "docs/agents.md").read_text()
    reference = f"your-org/reviewbot@v{__version__}"
    assert render(WORKFLOW, reference, "      ").rstrip() in docs and render(PRE_COMMIT_ENTRY, reference, "  ").rstrip() in docs
    # Each agent's hook settings, as written into an empty repository, are a JSON block of the page.
    from reviewbot.hooks.adapters import ADAPTERS
    from reviewbot.init import plan

    blocks = []
    for block in re.findall(r"```json\n(.*?)```", docs, re.S):
        try:
            blocks.append(json.loads(block))
        except json.JSONDecodeError:
            pass  # an excerpt of a report, with "..."
    for change in plan(tmp_path, ("hooks",), [], tuple(ADAPTERS)):
        assert json.loads(change.new) in blocks, change.path


def test_odd_existing_files_get_a_clear_answer_never_a_broken_file(tmp_path):
    odd_pre_commit = ["repos: []\n", "repos: [{repo: local, hooks: []}]\n", "repos:\n", "repos:\n- repo: local\n  hooks:\n...\n"]
    for index, text in enumerate(odd_pre_commit):
        repo = make_repo(tmp_path / f"pc{index}", {"app/__init__.py": "", ".pre-commit-config.yaml": text})
        result = run_main(repo, "init", "--only", "pre-commit")
        assert result.code in (0, 2), result.stderr
        if result.code == 2:
            assert "add it by hand" in result.stderr and (repo / ".pre-commit-config.yaml").read_text() == text
        else:
            assert "reviewbot" in yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][-1]["hooks"][0]["id"]
    for index, text in enumerate(['{"hooks": null}', '{"hooks": {"Stop": {"hooks": []}}}']):
        repo = make_repo(tmp_path / f"cl{index}", {"app/__init__.py": "", ".claude/settings.json": text})
        result = run_main(repo, "init", "--only", "claude")
        assert result.code == 2 and "fix it by hand" in result.stderr and "internal error" not in result.stderr
    # A byte-order mark and a reviewbot hook with other flags: read, and not added again.
    flagged = {"hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "reviewbot hook claude-code --fail-on warning"}]}]}}
    repo = make_repo(tmp_path / "bom", {"app/__init__.py": "", ".claude/settings.json": "\ufeff" + json.dumps(flagged)})
    assert run_main(repo, "init", "--only", "claude").code == 0
    settings = json.loads((repo / ".claude/settings.json").read_text())
    assert len(settings["hooks"]["PostToolUse"]) == 1 and len(settings["hooks"]["Stop"]) == 1


def test_the_config_init_writes_lists_the_real_defaults_and_every_agent_file(tmp_path):
    from reviewbot.config import build_settings
    from reviewbot.init import plan

    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "services/billing/AGENTS.md": "- Never use relative imports\n", ".claude/agents/api.md": "- Type hints\n"})
    [config] = plan(repo, ("config",), ["app"])
    assert "#   .claude/agents/api.md\n#   services/billing/AGENTS.md\n" in config.new
    assert yaml.safe_load(config.new)["packs"] == ["auto"]
    # Uncommenting every listed default changes nothing.
    head, _, defaults = config.new.partition("# The defaults, to change:\n")
    head = head.replace("  # style:", "  style:")
    uncommented = head + re.sub(r"^# ?(?=\s*[\w-]+:)", "", defaults, flags=re.MULTILINE)
    values = yaml.safe_load(uncommented)
    assert values["comments"]["min-lines"] == 25 and values["imports"]["style"] == "measured"
    # ... the config as written: its packs, its roots, the repository's agent files.
    assert build_settings(values, agents_root=repo).options == build_settings(yaml.safe_load(config.new), agents_root=repo).options
    # Without agent files, the built-in pack.
    bare = make_repo(tmp_path / "bare", {"app/__init__.py": ""})
    assert yaml.safe_load(plan(bare, ("config",), ["app"])[0].new)["packs"] == ["backend-engineer"]


def test_init_warns_when_git_ignores_the_config_it_writes(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", ".gitignore": ".reviewbot.yml\n"})
    result = run_main(repo, "init", "--only", "config")
    assert result.code == 0 and ".reviewbot.yml is ignored by git (.gitignore)" in result.stderr
