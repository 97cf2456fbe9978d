"""`reviewbot gitlab` against a local server that enforces GitLab's rules, over real HTTP with
python-gitlab; `--format gitlab` against the Code Quality report's documented fields; the
`.gitlab-ci.yml` recipe of docs/ci.md run as a GitLab runner runs its script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import clean_env, git, make_repo, run_main
from tests.gitlab_server import FakeGitLab, Fault, MergeRequest
from tests.test_github import DOC, HEAD_FILE, commit_all, patches

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PROJECT, PROJECT_ID = "shop/api", 42
USERS = {
    "bot-token": {"id": 7, "username": "project_42_bot", "name": "reviewbot", "bot": True},
    "dev-token": {"id": 8, "username": "dev", "name": "A developer"},
    "read-token": {"id": 9, "username": "reader", "name": "Read only"},
    # A Reporter's project token: it writes notes as the same bot user, and cannot resolve.
    "reporter-token": {"id": 7, "username": "project_42_bot", "name": "reviewbot", "bot": True},
}
# The fields GitLab documents for a Code Quality report.
CODE_QUALITY_SCHEMA = json.loads((ROOT / "tests/data/gitlab-code-quality-schema.json").read_text())


@pytest.fixture
def mr(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/models.py": DOC, "tests/test_orders.py": "from app.orders import reset\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/orders.py").write_text(HEAD_FILE)
    head = commit_all(repo, "orders")
    request = MergeRequest(3, base, base, head, patches(repo, base, head))
    with FakeGitLab(PROJECT, PROJECT_ID, request, USERS, read_only={"read-token"}, max_per_page=10, reporters={"reporter-token"}) as server:
        yield repo, server


def pipeline_env(server: FakeGitLab, token: str = "bot-token", **extra: str) -> dict[str, str]:
    """The variables of a merge-request pipeline, as GitLab CI sets them."""
    return {
        "CI_API_V4_URL": f"{server.url}/api/v4",
        "CI_SERVER_URL": server.url,
        "CI_PROJECT_ID": str(PROJECT_ID),
        "CI_PROJECT_URL": f"{server.url}/{PROJECT}",
        "CI_MERGE_REQUEST_IID": str(server.mr.iid),
        "CI_MERGE_REQUEST_PROJECT_ID": str(PROJECT_ID),
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": str(PROJECT_ID),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": server.mr.base_sha,
        "CI_COMMIT_SHA": server.mr.head_sha,
        "REVIEWBOT_GITLAB_TOKEN": token,
        "GITLAB_TOKEN": "",
        **extra,
    }


def review(repo: Path, server: FakeGitLab, *args: str, token: str = "bot-token", **extra: str):
    return run_main(repo, "gitlab", "--write-interval", "0", *args, env=pipeline_env(server, token, **extra))


def ours(server: FakeGitLab) -> list[dict]:
    """The discussions reviewbot opened on the diff."""
    return [d for d in server.discussions if d["notes"][0]["author"]["id"] == 7 and d["notes"][0].get("position")]


def test_first_run_opens_a_discussion_per_finding_and_one_summary(mr):
    repo, server = mr
    result = review(repo, server)
    assert result.code == 1, result.stderr
    threads = sorted(ours(server), key=lambda d: d["notes"][0]["position"]["new_line"])
    assert [(d["notes"][0]["position"]["new_path"], d["notes"][0]["position"]["new_line"]) for d in threads] == [("app/orders.py", 2), ("app/orders.py", 5)]
    # GitLab's own suggestion syntax, replacing the commented line.
    assert "```suggestion:-0+0\nfrom app import models\n```" in threads[0]["notes"][0]["body"]
    [summary] = [n for n in server.notes if n["body"].startswith("<!-- reviewbot:summary -->")]
    assert ":x: **Gate failed**: 2 findings at or above `error`." in summary["body"]
    # The Code Quality report has the same findings, in GitLab's fields.
    report = json.loads((repo / "gl-code-quality-report.json").read_text())
    jsonschema.validate(report, CODE_QUALITY_SCHEMA)
    assert [(issue["location"]["path"], issue["location"]["lines"]["begin"], issue["severity"]) for issue in report] == [
        ("app/orders.py", 2, "major"), ("app/orders.py", 5, "major")
    ]
    assert result.stdout.endswith("reviewbot: the gate fails: 2 findings at or above error (fail-on) on the changed lines\n")
    assert "bot-token" not in result.stdout + result.stderr


def test_a_rerun_posts_nothing_new_and_a_fixed_finding_loses_its_discussion(mr):
    repo, server = mr
    review(repo, server)
    before = server.writes("POST", "/discussions$"), server.writes("POST", "/notes$")
    again = review(repo, server)
    assert again.code == 1
    assert (server.writes("POST", "/discussions$"), server.writes("POST", "/notes$")) == before
    assert server.writes("PUT", r"/notes/\d+$") == 1 and len(ours(server)) == 2
    # Someone answers the import's discussion; both findings are then fixed.
    [answered] = [d for d in ours(server) if d["notes"][0]["position"]["new_line"] == 2]
    server.note_as("dev", "Will do.", answered["id"])
    (repo / "app/orders.py").write_text(HEAD_FILE.replace("from . import models", "from app import models").replace("]):", "]) -> None:"))
    server.mr.head_sha = commit_all(repo, "fix")
    server.mr.diffs = patches(repo, server.mr.base_sha, server.mr.head_sha)
    fixed = review(repo, server)
    assert fixed.code == 0, fixed.stdout + fixed.stderr
    # The answered discussion stays, resolved, its suggestion no longer appliable; the other is gone.
    [kept] = ours(server)
    assert kept["id"] == answered["id"] and kept["notes"][0]["resolved"] is True
    assert kept["notes"][0]["body"].startswith("**Resolved**: this finding is gone.") and "suggestion" not in kept["notes"][0]["body"]


def test_a_reporter_token_that_cannot_resolve_still_updates_the_summary(mr):
    repo, server = mr
    review(repo, server, token="reporter-token")
    [answered] = [d for d in ours(server) if d["notes"][0]["position"]["new_line"] == 2]
    server.note_as("dev", "Will do.", answered["id"])
    (repo / "app/orders.py").write_text(HEAD_FILE.replace("from . import models", "from app import models"))
    server.mr.head_sha = commit_all(repo, "fix the import")
    server.mr.diffs = patches(repo, server.mr.base_sha, server.mr.head_sha)
    result = review(repo, server, token="reporter-token")
    assert result.code == 1 and "is not marked resolved" in result.stderr
    # The discussion stays as it was (a later run may resolve it); the summary says what is left.
    [kept] = [d for d in ours(server) if d["id"] == answered["id"]]
    assert kept["notes"][0]["resolved"] is False and "<!-- reviewbot:fp=" in kept["notes"][0]["body"]
    [summary] = [n for n in server.notes if n["body"].startswith("<!-- reviewbot:summary -->")]
    assert ":x: **Gate failed**: 1 finding at or above `error`." in summary["body"]


def test_a_note_on_an_unchanged_line_names_both_sides(tmp_path):
    # The function's `def` line is unchanged; the change adds to its body, so RB302 sits on a context line.
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/orders.py": DOC + "\n\ndef reset(orders: list[str]):\n    \"\"\"Forget.\"\"\"\n    orders.clear()\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app/orders.py").write_text(DOC + "\n\ndef reset(orders: list[str]):\n    \"\"\"Forget.\"\"\"\n    orders.clear()\n    orders.append('x')\n")
    head = commit_all(repo, "append")
    with FakeGitLab(PROJECT, PROJECT_ID, MergeRequest(3, base, base, head, patches(repo, base, head)), USERS) as server:
        result = review(repo, server, "--filter-mode", "diff_context")
        [thread] = ours(server)
    assert result.code == 1, result.stderr
    position = thread["notes"][0]["position"]
    assert (position["old_line"], position["new_line"]) == (4, 4) and "RB302" in thread["notes"][0]["body"]


def test_an_unreadable_merge_request_falls_back_to_git_and_the_report(mr):
    repo, server = mr
    # A revoked token (GitLab answers 401 to everything): the gate and the report, from git alone.
    result = review(repo, server, token="revoked")
    assert result.code == 1 and "cannot read merge request !3 of project 42" in result.stderr
    assert len(json.loads((repo / "gl-code-quality-report.json").read_text())) == 2 and server.threads == {}


def test_markers_count_only_on_the_tokens_own_notes(mr):
    repo, server = mr
    # Someone copies reviewbot's markers into notes of their own: a fake summary and a fake finding note.
    review(repo, server)
    fingerprints = [d["notes"][0]["body"].rsplit("<!-- reviewbot:fp=", 1)[1] for d in ours(server)]
    server.threads.clear()
    server.note_as("dev", "<!-- reviewbot:summary -->\nAll good!")
    server.discussion_as("dev", f"nothing\n\n<!-- reviewbot:fp={fingerprints[0]}", "app/orders.py", 2)
    assert review(repo, server).code == 1
    assert len(ours(server)) == 2
    assert [n["body"] for n in server.notes if n["author"]["id"] == 8][0] == "<!-- reviewbot:summary -->\nAll good!"


def test_a_token_that_cannot_write_leaves_the_code_quality_report(mr):
    repo, server = mr
    # A token with only read_api: GitLab answers 403 to every write.
    result = review(repo, server, token="read-token")
    assert result.code == 1
    assert "GitLab refused to be written to" in result.stderr and server.threads == {}
    assert len(json.loads((repo / "gl-code-quality-report.json").read_text())) == 2
    # No token at all (the job token cannot write notes): the change is read from git alone.
    (repo / "gl-code-quality-report.json").unlink()
    (repo / "reports").mkdir()
    bare = review(repo, server, "--code-quality", "reports/quality.json", token="")
    assert bare.code == 1 and "no REVIEWBOT_GITLAB_TOKEN" in bare.stderr
    assert len(json.loads((repo / "reports/quality.json").read_text())) == 2


def test_refused_lines_lost_answers_and_an_old_gitlab(mr, monkeypatch):
    import reviewbot.gitlab.client

    monkeypatch.setattr(reviewbot.gitlab.client, "BACKOFF", 0.0)
    repo, server = mr
    # GitLab 15.6 has no /diffs; the first discussion is refused (400); the second is made but its answer is lost.
    server.faults += [
        Fault("GET", "/diffs$", 404),
        Fault("POST", "/discussions$", 400, message="400 Bad request - Note {:line_code=>[\"can't be blank\"]}"),
        Fault("POST", "/discussions$", 500, perform=True),
    ]
    result = review(repo, server)
    assert result.code == 1, result.stderr
    assert "GitLab did not take a note on app/orders.py:" in result.stderr
    # One discussion, never two; the refused finding is listed in the summary instead.
    assert len(ours(server)) == 1
    [summary] = [n for n in server.notes if n["body"].startswith("<!-- reviewbot:summary -->")]
    assert "Not commented inline" in summary["body"]


def test_a_fork_takes_its_settings_from_the_target_branch(mr):
    repo, server = mr
    # The merge request turns the gate off in its own config; it comes from a fork.
    (repo / ".reviewbot.yml").write_text("fail-on: never\n")
    server.mr.head_sha = commit_all(repo, "no gate")
    server.mr.diffs = patches(repo, server.mr.base_sha, server.mr.head_sha)
    assert review(repo, server).code == 0
    forked = review(repo, server, CI_MERGE_REQUEST_SOURCE_PROJECT_ID="99")
    assert forked.code == 1, forked.stderr


def test_outside_a_merge_request_pipeline_the_error_says_what_to_do(mr, monkeypatch):
    repo, server = mr
    result = review(repo, server, CI_MERGE_REQUEST_IID="")
    assert result.code == 2 and "not a merge-request pipeline" in result.stderr and "--mr N" in result.stderr
    # reviewbot installed without its extra: what to install.
    monkeypatch.setitem(sys.modules, "gitlab", None)
    missing = review(repo, server)
    assert missing.code == 2 and "pip install 'reviewbot[gitlab]'" in missing.stderr


def test_the_gitlab_ci_recipe_runs_as_a_runner_runs_it(mr, tmp_path):
    repo, server = mr
    docs = (ROOT / "docs/ci.md").read_text()
    recipe = yaml.safe_load(re.search(r"```yaml\n(# \.gitlab-ci\.yml\n.*?)```", docs, re.S)[1])
    job = recipe["reviewbot"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["variables"]["GIT_DEPTH"] == 0
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json" and job["artifacts"]["when"] == "always"
    install, *script = job["script"]
    assert install.startswith('pip install "reviewbot[gitlab] @ git+https://github.com/')
    # The job's shell, with the development install's reviewbot and the pipeline's variables.
    env = {**clean_env(), **pipeline_env(server)}
    env["PATH"] = f"{Path(shutil.which('reviewbot')).parent}:{env['PATH']}"
    process = subprocess.run(["bash", "-e", "-c", "\n".join(script)], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert process.returncode == 1, process.stdout + process.stderr
    assert len(json.loads((repo / job["artifacts"]["reports"]["codequality"]).read_text())) == 2
    assert len(ours(server)) == 2
