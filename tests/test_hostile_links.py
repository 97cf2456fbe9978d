"""Symbolic links where reviewbot writes: the cache, the agent hooks' state, the baseline.

Each test is one attack as it arrives, a link committed by a pull request or made by a coding
agent's shell, played against a real git repository through the installed console script. None may
make reviewbot write, delete or open a database outside the repository, nor let a committed cache
decide the gate; a link costs a warning and the cache or hook state, never the run.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import HookServers, git, make_repo, run_reviewbot
from tests.test_hook_agents import BAD, DOC, EDITS, told

pytestmark = pytest.mark.slow

FILES = {"app/__init__.py": "", "app/old.py": DOC}
# What a hook state file older than a day looks like to the hook's clean-up.
THREE_DAYS = 3 * 24 * 3600


def outside(tmp_path: Path) -> Path:
    """A directory outside the repository holding one old file nobody may touch."""
    directory = tmp_path / "outside"
    directory.mkdir()
    precious = directory / "precious.json"
    precious.write_text('["keep"]\n')
    old = time.time() - THREE_DAYS
    os.utime(precious, (old, old))
    return directory


def untouched(directory: Path) -> bool:
    """Only the precious file is there, as it was."""
    return sorted(path.name for path in directory.iterdir()) == ["precious.json"] and (directory / "precious.json").read_text() == '["keep"]\n'


def names_the_finding(text: str | None) -> bool:
    """Whether a reply tells the violation in ``app/new.py`` (however the reply is worded)."""
    return text is not None and "app/new.py" in text and "RB101" in text


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


# --- 1: the hook's state directory is a link -------------------------------------------------------
def linked_state(tmp_path: Path, committed: bool) -> tuple[Path, Path]:
    """A repository whose ``.reviewbot_cache/hooks`` leads outside, and a violating new file."""
    elsewhere = outside(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / ".reviewbot_cache").mkdir()
    (repo / ".reviewbot_cache/hooks").symlink_to(elsewhere)
    if committed:
        commit_all(repo, "hooks")
    (repo / "app/new.py").write_text(BAD)
    return repo, elsewhere


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "made-by-the-agent"])
def test_the_hook_neither_deletes_nor_writes_through_a_linked_state_directory(installed, tmp_path, committed):
    repo, elsewhere = linked_state(tmp_path, committed)
    event = json.dumps(EDITS["claude-code"](repo, "app/new.py"))
    replies = [run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=event, env={"REVIEWBOT_HOOK_SERVER": "off"}) for _ in range(2)]
    assert untouched(elsewhere)
    # Without its state the session is told again: nothing worse.
    for reply in replies:
        assert reply.code == 2 and names_the_finding(reply.stderr), reply.stderr
        assert "hook state not kept: .reviewbot_cache/hooks is a symbolic link" in reply.stderr
    assert (repo / ".reviewbot_cache/hooks").is_symlink()


def test_the_hook_server_neither_deletes_nor_writes_through_a_linked_state_directory(installed, tmp_path):
    servers = HookServers()
    try:
        # A first event elsewhere starts the server; the attacked one is answered by it.
        warm = make_repo(tmp_path / "warm", FILES)
        run_reviewbot(warm, "hook", "claude-code", installed=installed, stdin=json.dumps(EDITS["claude-code"](warm, "app/old.py")), env=servers.env)
        servers.listening()
        repo, elsewhere = linked_state(tmp_path, committed=False)
        event = json.dumps(EDITS["claude-code"](repo, "app/new.py"))
        replies = [run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=event, env=servers.env) for _ in range(2)]
        assert len(servers.answered()) == 2
        assert untouched(elsewhere)
        for reply in replies:
            assert reply.code == 2 and names_the_finding(reply.stderr), reply.stderr
            assert "hook state not kept: .reviewbot_cache/hooks is a symbolic link" in reply.stderr
    finally:
        servers.stop()


# --- 2: a committed cache behind a linked parent of cache-dir --------------------------------------
@pytest.mark.parametrize(
    ("link_committed", "warning"),
    [(True, "build/cache is committed to the repository"), (False, "cache not used: build is a symbolic link, not followed")],
    ids=["link-committed", "link-made-after-checkout"],
)
def test_a_committed_cache_behind_a_linked_parent_does_not_decide_the_gate(installed, tmp_path, link_committed, warning):
    repo = make_repo(tmp_path / "repo", {**FILES, ".reviewbot.yml": "cache-dir: build/cache\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/new.py").write_text(BAD)
    # The pull request's author fills a cache with the trusted config's key, then rewrites its rows to
    # "no findings" and commits it under `sub/`, reached as `build/cache` through the link `build`.
    assert run_reviewbot(repo, "scan", "--trusted-config", base, installed=installed).code == 1
    with sqlite3.connect(repo / "build/cache/cache.sqlite3") as connection:
        connection.execute("UPDATE phase1 SET result = json_set(result, '$.findings', json('[]'))")
    connection.close()
    (repo / "build").rename(repo / "sub")
    (repo / "sub/cache/.gitignore").unlink()
    if link_committed:
        (repo / "build").symlink_to("sub")
    commit_all(repo, "feature")
    if not link_committed:
        (repo / "build").symlink_to("sub")
    # The hole: git lists nothing under a path that leads through a link.
    assert git(repo, "ls-files", "--", "build/cache") == ""
    result = run_reviewbot(repo, "scan", "--trusted-config", base, installed=installed)
    assert result.code == 1 and "app/new.py:2:1: RB101" in result.stdout, result.stdout + result.stderr
    assert "cache not used" in result.stderr and warning in result.stderr, result.stderr
    assert (repo / "sub/cache/cache.sqlite3").read_bytes() == git_blob(repo, "sub/cache/cache.sqlite3")


def git_blob(repo: Path, name: str) -> bytes:
    """The committed bytes of ``name``."""
    return subprocess.run(["git", "show", f"HEAD:{name}"], cwd=repo, capture_output=True, check=True).stdout


# --- 3: SQLite follows links inside an untracked cache directory -----------------------------------
def other_database(path: Path) -> bytes:
    """Another program's database (rollback journal, a table of its own); its bytes."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE accounts (name TEXT, balance INTEGER)")
    connection.execute("INSERT INTO accounts VALUES ('alice', 100)")
    connection.commit()
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize("shape", ["database-created-outside", "foreign-database-switched-to-wal", "wal-file-outside"])
def test_sqlite_never_opens_a_database_or_its_wal_through_a_link(installed, tmp_path, shape):
    elsewhere = outside(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "app/new.py").write_text(BAD)
    cache = repo / ".reviewbot_cache"
    expected: bytes | None = None
    if shape == "database-created-outside":
        cache.mkdir()
        (cache / "cache.sqlite3").symlink_to(elsewhere / "created.db")
    elif shape == "foreign-database-switched-to-wal":
        cache.mkdir()
        expected = other_database(elsewhere / "other.db")
        (cache / "cache.sqlite3").symlink_to(elsewhere / "other.db")
    else:
        assert run_reviewbot(repo, "scan", installed=installed).code == 1
        (cache / "cache.sqlite3-wal").unlink(missing_ok=True)
        (cache / "cache.sqlite3-wal").symlink_to(elsewhere / "precious.json")
    result = run_reviewbot(repo, "scan", installed=installed)
    assert result.code == 1 and "app/new.py:2:1: RB101" in result.stdout, result.stdout + result.stderr
    assert "cache not used: .reviewbot_cache/cache.sqlite3" in result.stderr and "is a symbolic link" in result.stderr
    # Nothing created, changed or deleted outside; the link itself is left for the user to see.
    if expected is None:
        assert untouched(elsewhere)
    else:
        assert sorted(path.name for path in elsewhere.iterdir()) == ["other.db", "precious.json"]
        assert (elsewhere / "other.db").read_bytes() == expected
    assert any(path.is_symlink() for path in cache.iterdir())


# --- 4: a committed .reviewbot_cache link is a warning, not a failure ------------------------------
def committed_cache_link(tmp_path: Path, *, violation_committed: bool) -> tuple[Path, Path, str, str]:
    """A pull request that commits ``.reviewbot_cache`` as a link leaving the repository, and a
    violation (committed with it for the review, written after it for an agent's hook)."""
    elsewhere = outside(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / ".reviewbot_cache").symlink_to(elsewhere)
    if violation_committed:
        (repo / "app/new.py").write_text(BAD)
    head = commit_all(repo, "feature")
    (repo / "app/new.py").write_text(BAD)
    return repo, elsewhere, base, head


def test_a_committed_cache_link_leaves_the_review_to_the_findings(installed, tmp_path):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    repo, elsewhere, base, head = committed_cache_link(tmp_path, violation_committed=True)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(repo, base, head)), {"write": "write"}) as server:
        result = run_action(repo, server, tmp_path, installed=installed)
        assert result.returncode == 1, result.stderr
        assert "cache not used: " in result.stderr and "error" not in result.stderr
        assert [(comment["path"], comment["line"]) for comment in server.review_comments.values()] == [("app/new.py", 2)]
    assert untouched(elsewhere)


@pytest.mark.parametrize("agent", sorted(EDITS))
def test_a_committed_cache_link_leaves_every_agent_hook_working(installed, tmp_path, agent):
    repo, elsewhere, _, _ = committed_cache_link(tmp_path, violation_committed=False)
    result = run_reviewbot(repo, "hook", agent, installed=installed, stdin=json.dumps(EDITS[agent](repo, "app/new.py")))
    completed = subprocess.CompletedProcess([], result.code, result.stdout, result.stderr)
    assert names_the_finding(told(agent, completed)), result.stderr
    assert "cache not used: " in result.stderr and "error" not in result.stderr
    assert untouched(elsewhere)


# --- the baseline: written in the repository, never through a link -------------------------------
def test_the_baseline_is_never_written_through_a_link(installed, tmp_path):
    elsewhere = outside(tmp_path)
    repo = make_repo(tmp_path / "repo", {**FILES, "app/new.py": BAD, ".reviewbot.yml": "baseline: build/base.json\n"})
    (repo / "sub").mkdir()
    (repo / "build").symlink_to("sub")
    commit_all(repo, "linked build")
    refused = run_reviewbot(repo, "baseline", "--no-cache", installed=installed)
    assert refused.code == 2 and "build/base.json: cannot write baseline: build is a symbolic link" in refused.stderr, refused.stderr
    assert list((repo / "sub").iterdir()) == []
    # A baseline file that is itself a link is replaced by a file, never written through.
    (repo / "known.json").symlink_to(elsewhere / "precious.json")
    assert run_reviewbot(repo, "baseline", "--no-cache", "--output", "known.json", installed=installed).code == 0
    assert not (repo / "known.json").is_symlink() and "RB101" in (repo / "known.json").read_text()
    assert untouched(elsewhere)
