"""The `.pre-commit-hooks.yaml` hook, run by the real pre-commit tool on a real commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, make_repo

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DOC = '"""Module."""\n'


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This checkout, as it is on disk, committed into a repository pre-commit can clone."""
    source = tmp_path_factory.mktemp("hook") / "reviewbot"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", ".*cache"))
    make_repo(source, {})
    return source, git(source, "rev-parse", "HEAD").strip()


def test_commit_is_blocked_on_new_violations_and_allowed_when_clean(tmp_path, hook_repository):
    pre_commit = shutil.which("pre-commit")
    assert pre_commit is not None, "pre-commit is a test dependency: pip install -e '.[test]'"
    source, rev = hook_repository
    repo = make_repo(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/legacy.py": "def old(x):\n    pass\n",
            ".pre-commit-config.yaml": f"repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: reviewbot\n",
        },
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path.parent / "pre-commit-home")}
    subprocess.run([pre_commit, "install"], cwd=repo, check=True, capture_output=True, env=env)

    # A new relative import: the hook reports it and the commit does not happen.
    (repo / "app" / "new.py").write_text(DOC + "from . import legacy\n")
    git(repo, "add", "app/new.py")
    blocked = subprocess.run(["git", "commit", "-m", "add new"], cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    # git shows the hook's output on either stream, depending on the terminal.
    assert "app/new.py:2:1: RB101 [error] relative import `.`: use `app`" in blocked.stdout + blocked.stderr
    assert git(repo, "log", "--oneline").count("\n") == 1

    # Fixed, and the old violations in app/legacy.py (not part of this commit) do not matter.
    (repo / "app" / "new.py").write_text(DOC + "from app import legacy\n")
    git(repo, "add", "app/new.py")
    allowed = subprocess.run(["git", "commit", "-m", "add new"], cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "reviewbot" in allowed.stdout + allowed.stderr and "Passed" in allowed.stdout + allowed.stderr

    # `pre-commit run --all-files` scans the files it is given, whole (as `--files` does: the same
    # files with nothing staged): the old violations of app/legacy.py count there.
    everything = subprocess.run([pre_commit, "run", "--all-files"], cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert everything.returncode == 1 and "app/legacy.py:1:" in everything.stdout, everything.stdout + everything.stderr
