"""`reviewbot github` against a local server that enforces GitHub's rules, over real HTTP with PyGithub."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Installed, git, make_repo, run_main
from tests.github_server import FakeGitHub, Fault, PullRequest

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
REPOSITORY = "shop/api"
HEAD_FILE = DOC + "from . import models\n\n\ndef reset(orders: list[str]):\n    \"\"\"Forget.\"\"\"\n    orders.clear()\n"


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def patches(repo: Path, base: str, head: str) -> dict[str, str]:
    """What GitHub's files API would answer: each changed file's patch from its first hunk on."""
    names = git(repo, "diff", "--name-only", base, head).split()
    result = {}
    for name in names:
        diff = git(repo, "diff", base, head, "--", name)
        result[name] = diff[diff.index("@@"):]
    return result


@pytest.fixture
def pr(tmp_path: Path):
    # The test of the function the pull request adds is already there (RB801 has its own test).
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/models.py": DOC, "tests/test_orders.py": "from app.orders import reset\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/orders.py").write_text(HEAD_FILE)
    head = commit_all(repo, "orders")
    pull = PullRequest(5, head, base, patches(repo, base, head))
    with FakeGitHub(REPOSITORY, pull, {"write": "write", "read": "read"}, max_per_page=10) as server:
        yield repo, server, tmp_path


def run_action(
    repo: Path,
    server: FakeGitHub,
    tmp_path: Path,
    *args: str,
    token: str = "write",
    event_name: str = "pull_request",
    installed: Installed | None = None,
) -> subprocess.CompletedProcess[str]:
    """``reviewbot github`` as a workflow step runs it: the development install's (in this process), or ``installed``'s."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": server.pull.number, "base": {"sha": server.pull.base}, "head": {"sha": server.pull.head}}}))
    env = {
        **(installed.env if installed is not None else os.environ),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_TOKEN": token,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
    }
    if installed is None:
        # The development install's command, run in this process (the installed one is a process of its own).
        done = run_main(repo, "github", "--write-interval", "0", *args, env=env)
        return subprocess.CompletedProcess(["reviewbot", "github", *args], done.code, done.stdout, done.stderr)
    return subprocess.run([str(installed.bin / "reviewbot"), "github", "--write-interval", "0", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def update_head(repo: Path, server: FakeGitHub, content: str) -> None:
    (repo / "app/orders.py").write_text(content)
    server.pull.head = commit_all(repo, "update")
    server.pull.files = patches(repo, server.pull.base, server.pull.head)


def test_first_run_posts_one_review_and_one_summary(pr):
    repo, server, tmp_path = pr
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert len(server.reviews) == 1 and server.reviews[0]["state"] == "COMMENTED"
    comments = sorted(server.review_comments.values(), key=lambda c: c["line"])
    assert [(c["path"], c["line"]) for c in comments] == [("app/orders.py", 2), ("app/orders.py", 5)]
    assert "```suggestion\nfrom app import models\n```" in comments[0]["body"]
    [summary] = server.issue_comments.values()
    assert str(summary["body"]).startswith("<!-- reviewbot:summary -->")
    assert ":x: **Gate failed**: 2 findings at or above `error`." in str(summary["body"])
    assert "Gate failed" in (tmp_path / "summary.md").read_text()
    assert (tmp_path / "output.txt").read_text() == "findings=2\n"
    assert "write" not in result.stdout + result.stderr


def test_identical_rerun_posts_nothing_new(pr):
    repo, server, tmp_path = pr
    run_action(repo, server, tmp_path)
    before = (server.writes("POST", "/reviews$"), server.writes("POST", "/issues/5/comments$"))
    again = run_action(repo, server, tmp_path)
    assert again.returncode == 1
    assert (server.writes("POST", "/reviews$"), server.writes("POST", "/issues/5/comments$")) == before
    assert server.writes("PATCH", "/issues/comments/") == 1
    assert len(server.review_comments) == 2


def test_a_fixed_finding_loses_its_comment_and_moved_code_is_not_reposted(pr):
    repo, server, tmp_path = pr
    run_action(repo, server, tmp_path)
    update_head(repo, server, "# Moved down by a comment.\n\n" + HEAD_FILE.replace("from . import models", "from app import models"))
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert [c["line"] for c in server.review_comments.values()] == [5]
    assert len(server.reviews) == 1


def test_fork_pull_request_falls_back_to_annotations(pr):
    repo, server, tmp_path = pr
    result = run_action(repo, server, tmp_path, token="read")
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=app/orders.py,line=2,")
    assert "refused to be written to" in result.stderr
    assert "Gate failed" in (tmp_path / "summary.md").read_text()
    assert server.reviews == [] and server.issue_comments == {}


def test_forty_findings_with_a_cap_of_thirty(pr):
    repo, server, tmp_path = pr
    body = DOC + "".join(f"\n\ndef handler_{n}(request: str):\n    \"\"\"Handle.\"\"\"\n    return None\n" for n in range(40))
    # Tested, so that RB801 adds nothing: forty findings, one per handler.
    (repo / "tests/test_handlers.py").write_text("".join(f"from app.orders import handler_{n}\n" for n in range(40)))
    update_head(repo, server, body)
    result = run_action(repo, server, tmp_path, "--max-comments", "30")
    assert result.returncode == 1, result.stderr
    assert len(server.review_comments) == 30
    [summary] = server.issue_comments.values()
    assert "### Not commented inline (10)" in str(summary["body"])
    # The next run places the ten others; the first thirty are not posted again.
    run_action(repo, server, tmp_path, "--max-comments", "30")
    assert len(server.review_comments) == 40


def test_a_lost_review_answer_does_not_post_the_review_twice(pr):
    repo, server, tmp_path = pr
    server.faults.append(Fault("POST", "/reviews$", 502, perform=True))
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert len(server.reviews) == 1 and len(server.review_comments) == 2


def test_rate_limits_and_server_errors_are_retried(pr):
    repo, server, tmp_path = pr
    server.faults.append(Fault("GET", "/files$", 429, {"Retry-After": "1"}))
    server.faults.append(Fault("GET", "/comments$", 502))
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert len(server.review_comments) == 2


def test_a_rejected_review_still_places_every_comment(pr):
    repo, server, tmp_path = pr
    server.faults.append(Fault("POST", "/reviews$", 422))
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert len(server.review_comments) == 2


def test_no_pull_request_in_the_event_asks_for_pr(pr, tmp_path):
    repo, server, _ = pr
    event = tmp_path / "dispatch.json"
    event.write_text("{}")
    env = {**os.environ, "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_TOKEN": "write", "GITHUB_API_URL": server.url}
    result = subprocess.run(["reviewbot", "github"], cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 2 and "pass --pr N" in result.stderr
    dispatched = subprocess.run(["reviewbot", "github", "--pr", "5", "--write-interval", "0"], cwd=repo, env=env, capture_output=True, text=True)
    assert dispatched.returncode == 1, dispatched.stderr
    assert len(server.review_comments) == 2


def test_pull_request_target_reads_the_config_of_the_base_commit(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/models.py": DOC, ".reviewbot.yml": "select: [RB101]\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/orders.py").write_text(HEAD_FILE)
    # The pull request tries to switch the rules off for itself.
    (repo / ".reviewbot.yml").write_text("ignore: [RB1, RB3]\n")
    head = commit_all(repo, "orders")
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(repo, base, head)), {"write": "write"}) as server:
        result = run_action(repo, server, tmp_path, event_name="pull_request_target")
        assert result.returncode == 1, result.stderr
        assert [c["line"] for c in server.review_comments.values()] == [2]


def test_request_changes_when_the_gate_fails(pr):
    repo, server, tmp_path = pr
    result = run_action(repo, server, tmp_path, "--request-changes")
    assert result.returncode == 1
    assert [review["state"] for review in server.reviews] == ["CHANGES_REQUESTED"]
    # Nothing new on a re-run: the request stands, no second review.
    run_action(repo, server, tmp_path, "--request-changes")
    assert len(server.reviews) == 1


def test_without_the_base_commit_the_api_patches_are_used(pr, tmp_path):
    repo, server, _ = pr
    # A clone of the head alone, as a shallow CI checkout has it: the base commit is missing.
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--branch", "feature", f"file://{repo}", str(shallow)], check=True)
    result = run_action(shallow, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "using the change's patches from the API" in result.stderr
    assert sorted(c["line"] for c in server.review_comments.values()) == [2, 5]


def test_the_local_server_enforces_githubs_rules(pr):
    """The stand-in is only worth its tests if it refuses what GitHub refuses."""
    from github import Auth, Github, GithubException

    _, server, _ = pr
    pull = Github(auth=Auth.Token("write"), base_url=server.url, retry=None).get_repo(REPOSITORY).get_pull(5)
    commit = Github(auth=Auth.Token("write"), base_url=server.url).get_repo(REPOSITORY).get_commit(server.pull.head)
    bad = [
        {"path": "app/orders.py", "body": "x", "line": 40, "side": "RIGHT"},
        {"path": "app/orders.py", "body": "x", "line": 2, "start_line": 2, "side": "RIGHT", "start_side": "RIGHT"},
        {"path": "app/missing.py", "body": "x", "line": 1, "side": "RIGHT"},
    ]
    for comment in bad:
        with pytest.raises(GithubException) as refused:
            pull.create_review(commit=commit, body="b", event="COMMENT", comments=[comment])
        assert refused.value.status == 422
    with pytest.raises(GithubException) as no_body:
        pull.create_review(commit=commit, event="COMMENT")
    assert no_body.value.status == 422
    readonly = Github(auth=Auth.Token("read"), base_url=server.url, retry=None).get_repo(REPOSITORY).get_pull(5)
    with pytest.raises(GithubException) as forbidden:
        readonly.create_issue_comment("hello")
    assert forbidden.value.status == 403
    assert server.reviews == []


def test_lost_answers_for_the_summary_and_single_comments_are_not_duplicated(pr):
    repo, server, tmp_path = pr
    server.faults += [
        Fault("POST", "/issues/5/comments$", 502, perform=True),
        Fault("POST", "/reviews$", 422),
        Fault("POST", "/pulls/5/comments$", 502, perform=True),
    ]
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    assert len(server.issue_comments) == 1
    assert sorted(c["line"] for c in server.review_comments.values()) == [2, 5]


def test_retry_after_as_a_date_and_comments_deleted_meanwhile(pr):
    repo, server, tmp_path = pr
    server.faults.append(Fault("GET", "/files$", 429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert run_action(repo, server, tmp_path).returncode == 1
    # Someone deletes a comment by hand; the fix of its finding then finds nothing to delete.
    update_head(repo, server, HEAD_FILE.replace("from . import models", "from app import models"))
    first = min(server.review_comments)
    server.faults.append(Fault("GET", f"/pulls/comments/{first}$", 404))
    result = run_action(repo, server, tmp_path)
    assert result.returncode == 1, result.stderr
    # No fallback to annotations: the log has the gate's findings only.
    assert "refused" not in result.stderr and "::error" not in result.stdout and "the gate fails: 1 finding" in result.stdout


def test_resolved_comments_keep_no_appliable_suggestion(pr):
    repo, server, tmp_path = pr
    run_action(repo, server, tmp_path)
    relative = next(c for c in server.review_comments.values() if c["line"] == 2)
    server.review_comments[9999] = {**relative, "id": 9999, "in_reply_to_id": relative["id"], "body": "Why?"}
    update_head(repo, server, HEAD_FILE.replace("from . import models", "from app import models"))
    run_action(repo, server, tmp_path)
    body = str(server.review_comments[relative["id"]]["body"])
    assert body.startswith("**Resolved**") and "```suggestion" not in body and "reviewbot:fp=" not in body


def test_change_rules_are_posted_on_the_pull_request(tmp_path):
    # A layered app whose API reads the repositories, and nothing goes back.
    files = {
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/orders.py": DOC + "from app.repositories.orders import find\n",
        "app/repositories/__init__.py": "",
        "app/repositories/orders.py": DOC + "\n\ndef find(number: int) -> int:\n    \"\"\"Find.\"\"\"\n    return number\n",
        ".reviewbot.yml": "extend-select: [RB801]\nchanges:\n  max-added-lines: 5\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/repositories/orders.py").write_text(
        DOC + "from app.api.orders import find as api_find\n\n\ndef find(number: int) -> int:\n    \"\"\"Find.\"\"\"\n    return number\n"
        "\n\ndef purge(number: int) -> int:\n    \"\"\"Purge.\"\"\"\n    return api_find(number)\n"
    )
    head = commit_all(repo, "purge")
    with FakeGitHub(REPOSITORY, PullRequest(7, head, base, patches(repo, base, head)), {"write": "write"}) as server:
        result = run_action(repo, server, tmp_path)
        assert result.returncode == 0, result.stderr  # warnings do not fail the default gate
        assert result.stdout.splitlines()[-1] == "reviewbot: the gate passes: no finding at or above error (fail-on) among 3 findings on the changed lines"
        assert "::stop-commands::" not in result.stdout
        posted = sorted((c["line"], str(c["body"]).split("`")[0].strip("* ")) for c in server.review_comments.values())
        bodies = {c["line"]: str(c["body"]) for c in server.review_comments.values()}
    # RB503 and RB802 on the added import (the first added line), in one comment; RB801 on the new function's def line.
    assert posted == [(2, "RB503"), (10, "RB801")]
    assert "**RB802** `oversized-change`" in bodies[2]
