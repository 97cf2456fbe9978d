"""action.yml, run the way a GitHub runner runs a composite action, against the local server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import clean_env, copy_checkout, git, new_venv
from tests.test_github import REPOSITORY, pr  # noqa: F401 - the pull-request fixture

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def evaluate(text: str, context: dict[str, str]) -> str:
    """Replace ``${{ name }}`` expressions, as the runner does."""
    return EXPRESSION.sub(lambda match: context[match[1]], text)


def test_action_metadata():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "github-token", "fail-on", "filter-mode", "max-comments", "config", "paths", "sarif-file", "sarif-artifact", "request-changes"
    }
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert set(action["outputs"]) == {"findings", "sarif-file"}
    assert action["branding"]["icon"] and action["branding"]["color"]
    for step in action["runs"]["steps"]:
        # Inputs reach scripts through the environment only: no expression inside a script.
        assert "${{" not in step.get("run", "")
    # The SARIF artifact is uploaded whatever the gate decided, only when there is one to upload.
    [upload] = [step for step in action["runs"]["steps"] if "uses" in step]
    assert upload["uses"] == "actions/upload-artifact@v4" and upload["if"].startswith("always() && steps.review.outputs.sarif-file != ''")
    assert upload["continue-on-error"] is True and upload["with"]["overwrite"] is True


@pytest.mark.slow
def test_action_steps_review_a_pull_request(pr, wheelhouse, tmp_path_factory):  # noqa: F811 - pytest fixture
    repo, server, tmp_path = pr
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    runner = tmp_path_factory.mktemp("runner")
    # The action's own directory, as the runner checks it out; the pull request's checkout is elsewhere.
    action_path = runner / "action"
    copy_checkout(action_path)
    # The runner's Python: a fresh environment that sees none of the test run's packages, so the
    # install step must really install reviewbot (pip reads the wheelhouse instead of the index).
    new_venv(runner / "venv")
    event = runner / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 5, "base": {"sha": server.pull.base}, "head": {"sha": server.pull.head}}}))
    outputs = runner / "output.txt"
    # A job-wide PYTHONPATH naming the checkout, which brings a module of its own: never imported.
    planted = runner / "planted-ran"
    (repo / "yaml").mkdir()
    (repo / "yaml/__init__.py").write_text(f"open({str(planted)!r}, 'w').close()\n")
    base_env = {
        **clean_env(runner / "venv" / "bin"),
        **wheelhouse.pip_env(),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_API_URL": server.url,
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_RUN_ID": "77",
        "GITHUB_SERVER_URL": "https://github.example",
        "PYTHONPATH": str(repo),
    }
    context = {"github.token": "write", "github.action_path": str(action_path), "github.action_repository": "", "github.action_ref": ""}
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update({"sarif-file": str(runner / "reviewbot.sarif"), "max-comments": "5"})
    for name, value in inputs.items():
        context[f"inputs.{name}"] = evaluate(value, context)
    statuses, logs = [], []
    for step in action["runs"]["steps"]:
        if "uses" in step:
            # Another action (the artifact upload): what it would be given, from the review step's output.
            produced = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
            context["steps.review.outputs.sarif-file"] = produced["sarif-file"]
            assert evaluate(step["with"]["path"], context) == str(runner / "reviewbot.sarif")
            continue
        env = {**base_env, **{key: evaluate(str(value), context) for key, value in step.get("env", {}).items()}}
        # The job's working directory is the pull request's checkout, unless the step names its own.
        cwd = evaluate(step["working-directory"], context) if "working-directory" in step else repo
        process = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        statuses.append(process.returncode)
        logs.append(process.stdout)
        if process.returncode not in (0, 1):
            raise AssertionError(process.stdout + process.stderr)
    # The install step succeeds; the review step is the merge gate and fails on the two errors.
    assert statuses == [0, 1]
    assert shutil.which("reviewbot", path=base_env["PATH"]).startswith(str(runner / "venv"))
    imported = subprocess.run([str(runner / "venv/bin/python"), "-I", "-c", "import reviewbot.github.run as m; print(m.__file__)"], env=base_env, cwd=runner, capture_output=True, text=True)
    assert imported.stdout.startswith(str(runner / "venv")), imported.stderr
    produced = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert produced == {"findings": "2", "sarif-file": str(runner / "reviewbot.sarif")}
    assert json.loads((runner / "reviewbot.sarif").read_text())["version"] == "2.1.0"
    assert len(server.reviews) == 1 and len(server.review_comments) == 2
    summary = (runner / "summary.md").read_text()
    assert "Gate failed" in summary
    assert f"The findings as SARIF: `{runner / 'reviewbot.sarif'}`, uploaded as the artifact `reviewbot-sarif` of [this run](https://github.example/{REPOSITORY}/actions/runs/77#artifacts)." in summary
    # The job's log says why the step failed: the failing findings, where no line is a workflow command, and the gate.
    log = logs[1].splitlines()
    start = log.index(next(line for line in log if line.startswith("::stop-commands::")))
    token = log[start].removeprefix("::stop-commands::")
    assert len(token) == 32 and log[start + 3] == f"::{token}::"
    assert all(re.fullmatch(r"app/\S+:\d+:\d+: RB\d{3} \[error\] .+", line) for line in log[start + 1 : start + 3])
    assert log[start + 4] == "reviewbot: the gate fails: 2 findings at or above error (fail-on) on the changed lines"
    assert not planted.exists()
    shutil.rmtree(repo / "yaml")
    assert git(repo, "status", "--porcelain") == ""
