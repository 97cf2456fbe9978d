"""A pull request written by an attacker: it must neither switch the gate off, crash it, make it
read or write outside the repository, nor make it print what a CI runner or a reader would obey.

Everything runs through the installed console script on real git repositories.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git, make_repo

pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
# An ordinary file with an ordinary finding, which must survive whatever its neighbours do
# (RB101 asked for everywhere, so that the file's own relative imports do not make it its style).
ORDINARY = DOC + "from . import models\n"
CONFIG = "imports:\n  style: absolute\n"


def reviewbot(*args: str, cwd: Path, stdin: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shutil.which("reviewbot"), *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout)


def report(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """Rules reported per file, from a JSON report."""
    found: dict[str, list[str]] = {}
    for finding in json.loads(result.stdout)["findings"]:
        found.setdefault(finding["path"], []).append(finding["rule"])
    return found


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose second commit adds every kind of hostile file; and the trap's marker."""
    marker = tmp_path / "executed"
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": DOC, "app/models.py": DOC, "app/ordinary.py": ORDINARY, ".reviewbot.yml": CONFIG})
    files = {
        "app/deep.py": "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
        "app/sum.py": "x = " + "+".join(["1"] * 50000) + "\n",
        "app/chain.py": "x = a and " + " and ".join(["a"] * 8000) + "\n",
        "app/backslash.py": "x = 1 \\\n" + "".join("    + 1 \\\n" for _ in range(20000)) + "    + 1\n",
        "app/huge.py": DOC + "x = 1\n" * 3_500_000,
        "app/random.py": bytes(random.Random(7).randrange(256) for _ in range(4096)),
        "app/nul.py": b"x = 1\x00\n",
        "app/utf16.py": "x = 'caf\u00e9'\n".encode("utf-16"),
        # Changed in the same commit, so that `--diff` has an ordinary finding to keep too.
        "app/ordinary.py": ORDINARY + "from . import more\n",
        # Written as if it were run: it must never be.
        "app/trap.py": f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n",
    }
    for name, content in files.items():
        path = repo / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (repo / "app/passwd.py").symlink_to("/etc/passwd")
    (repo / "app/zero.py").symlink_to("/dev/zero")
    (repo / "app/loop.py").symlink_to("loop.py")
    (repo / "app/dir.py").mkdir()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hostile")
    return repo, marker


HOSTILE = ["deep", "sum", "chain", "backslash", "huge", "random", "nul", "utf16", "passwd", "zero", "loop"]


@pytest.mark.parametrize("args", [["scan"], ["scan", "--diff", "HEAD~1"], ["scan", "--jobs", "1"]], ids=["scan", "diff", "jobs-1"])
def test_a_hostile_repository_costs_one_finding_per_hostile_file(hostile, args):
    repo, marker = hostile
    # The FIFO is made after the commit (git cannot hold one) and left in the work tree.
    os.mkfifo(repo / "app/fifo.py")
    # The backslash chain takes LibCST minutes: a short --file-timeout makes it RB002 sooner.
    result = reviewbot(*args, "--no-cache", "--file-timeout", "3", "--format", "json", "--fail-on", "never", cwd=repo)
    assert result.returncode == 0, result.stderr
    found = report(result)
    # The ordinary file keeps its findings (only the added line's with --diff); every hostile
    # file has exactly one finding, RB0xx.
    assert found["app/ordinary.py"] == ["RB101"] * (1 if "--diff" in args else 2)
    for name in HOSTILE:
        # RB802 (the change's size) is about the change, not the file.
        rules = [rule for rule in found.get(f"app/{name}.py", []) if rule != "RB802"]
        assert len(rules) == 1 and rules[0].startswith("RB0"), (args, name, rules)
    assert "app/dir.py" not in found
    assert not marker.exists()


def test_the_stop_hook_blocks_on_a_hostile_change_and_finishes(hostile):
    repo, marker = hostile
    os.mkfifo(repo / "app/fifo.py")
    stop = {"hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": False}
    hook = reviewbot("hook", "claude-code", "--diff", "HEAD~1", "--max-findings", "50", "--file-timeout", "3", cwd=repo, stdin=json.dumps(stop))
    assert hook.returncode == 2, hook.stderr
    assert all(f"app/{name}.py:" in hook.stderr for name in HOSTILE) and "app/ordinary.py:" in hook.stderr
    assert not marker.exists()


def test_links_are_reported_never_read(hostile):
    repo, _ = hostile
    result = reviewbot("scan", "--no-cache", "--file-timeout", "3", "--format", "json", "--fail-on", "never", cwd=repo)
    messages = {f["path"]: f["message"] for f in json.loads(result.stdout)["findings"]}
    assert messages["app/passwd.py"] == "symbolic link, not read"
    assert messages["app/zero.py"] == "symbolic link, not read"
    assert "root:" not in result.stdout


def test_file_names_cannot_print_workflow_commands_or_markup(tmp_path):
    names = ["a\n::error file=x::pwned\n.py", "z`@octocat`<b>x</b><!-- -->.py", "b\n## heading <img src=x>\n.py"]
    repo = make_repo(tmp_path / "repo", {name: "from . import x\n" for name in names})
    text = reviewbot("scan", "--no-cache", "--fail-on", "never", cwd=repo)
    assert text.returncode == 0, text.stderr
    assert not any(line.startswith("::") or line.startswith("##") for line in text.stdout.splitlines())
    assert "a\\n::error file=x::pwned\\n.py:1:1:" in text.stdout
    markdown = reviewbot("scan", "--no-cache", "--fail-on", "never", "--format", "markdown", cwd=repo).stdout
    # Paths sit in code spans, one line each: no mention, no HTML, no heading, no hidden comment.
    assert "``z`@octocat`<b>x</b><!-- -->.py:1``" in markdown
    # A message quotes the name in a code span fenced longer than its backticks: it cannot end the quote.
    assert "public module ``z`@octocat`<b>x</b><!-- -->.py`` has no docstring" in markdown
    assert not any(line.startswith("## heading") for line in markdown.splitlines())
    # One line per finding (RB101 and RB401 for each of the three files).
    listed = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert len(listed) == 6 and all(line.startswith("- :") for line in listed)


def test_a_yaml_alias_bomb_is_refused_quickly_and_briefly(tmp_path):
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    repo = make_repo(tmp_path / "repo", {".reviewbot.yml": "\n".join(levels) + "\n", "app.py": DOC})
    result = reviewbot("scan", "--no-cache", cwd=repo, timeout=60)
    assert result.returncode == 2
    assert "aliases (*a) are not allowed" in result.stderr and len(result.stderr) < 500


def test_config_paths_stay_inside_the_repository(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    repo = make_repo(tmp_path / "repo", {".reviewbot.yml": "baseline: ../victim.txt\n", "app.py": DOC})
    for args in (["baseline"], ["scan", "--update-baseline"], ["scan"]):
        result = reviewbot(*args, "--no-cache", cwd=repo)
        assert result.returncode == 2 and "baseline: '../victim.txt' is outside the repository" in result.stderr, args
    assert victim.read_text() == "precious\n"
    (repo / ".reviewbot.yml").write_text("baseline: /dev/zero\n")
    assert reviewbot("scan", "--no-cache", cwd=repo, timeout=30).returncode == 2
    (repo / ".reviewbot.yml").write_text("cache-dir: ../elsewhere\n")
    assert reviewbot("scan", cwd=repo).returncode == 2
    assert not (tmp_path / "elsewhere").exists()


def test_a_config_or_baseline_that_is_a_link_is_refused(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app.py": DOC})
    (repo / ".reviewbot.yml").symlink_to("/etc/passwd")
    result = reviewbot("scan", "--no-cache", cwd=repo)
    assert result.returncode == 2 and ".reviewbot.yml: symbolic link, not read" in result.stderr and "root:" not in result.stderr
    (repo / ".reviewbot.yml").unlink()
    (repo / "base.json").symlink_to("/dev/zero")
    result = reviewbot("scan", "--no-cache", "--baseline", "base.json", cwd=repo, timeout=30)
    assert result.returncode == 2 and "symbolic link, not read" in result.stderr


def test_odd_config_files_are_config_errors_not_crashes(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app.py": DOC})
    for content in (b"select: [\xff]\n", b"[" * 100000, b"max-file-bytes: " + b"9" * 5000 + b"\n"):
        (repo / ".reviewbot.yml").write_bytes(content)
        result = reviewbot("scan", "--no-cache", cwd=repo)
        assert result.returncode == 2 and "internal error" not in result.stderr, result.stderr
    (repo / ".reviewbot.yml").unlink()
    loop = repo / "loop.py"
    loop.symlink_to(loop)
    result = reviewbot("scan", "--no-cache", "loop.py", cwd=repo)
    assert result.returncode == 2 and "internal error" not in result.stderr


def test_the_baseline_is_replaced_whole(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": DOC, "app/x.py": ORDINARY})
    assert reviewbot("baseline", "--no-cache", cwd=repo).returncode == 0
    baseline = repo / ".reviewbot-baseline.json"
    inode = baseline.stat().st_ino
    assert reviewbot("baseline", "--no-cache", cwd=repo).returncode == 0
    # A new file renamed over the old one: a reader sees one or the other, never half.
    assert baseline.stat().st_ino != inode
    assert oct(baseline.stat().st_mode & 0o777) != oct(0o600)
    assert not list(repo.glob(".*.tmp"))


# --- attack 1: the gate switched off by the pull request's own config -----------------------------
def _pull_request(tmp_path: Path, base_files: dict[str, str], head_files: dict[str, str]) -> tuple[Path, str, str]:
    """A repository whose ``feature`` branch changes ``head_files`` over a base holding ``base_files``."""
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/models.py": DOC, **base_files})
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    for name, text in head_files.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")
    return repo, base, git(repo, "rev-parse", "HEAD").strip()


SWITCH_OFF = {".reviewbot.yml": "fail-on: never\nignore: [RB]\n", "app/orders.py": ORDINARY}


@pytest.mark.parametrize(
    ("base_files", "extra"),
    [
        ({}, []),  # no config at the base: the defaults apply, not the pull request's file
        ({".reviewbot.yml": "select: [RB101]\n"}, ["--config", ".reviewbot.yml"]),  # the Action's config input
        ({"pyproject.toml": "[project]\nname = 'app'\n# tool.reviewbot is configured elsewhere\n"}, []),
    ],
    ids=["no-base-config", "config-input", "pyproject-comment"],
)
def test_pull_request_target_never_reads_the_pull_requests_config(tmp_path, base_files, extra):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    repo, base, head = _pull_request(tmp_path, base_files, SWITCH_OFF)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(repo, base, head)), {"write": "write"}) as server:
        result = run_action(repo, server, tmp_path, *extra, event_name="pull_request_target")
        assert result.returncode == 1, result.stderr
        assert 2 in [comment["line"] for comment in server.review_comments.values()]


def test_a_shallow_clone_fetches_the_base_to_read_its_config(tmp_path):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    origin, base, head = _pull_request(tmp_path, {".reviewbot.yml": "select: [RB101]\n"}, SWITCH_OFF)
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin}", str(work)], check=True)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(origin, base, head)), {"write": "write"}) as server:
        result = run_action(work, server, tmp_path, event_name="pull_request_target")
        assert result.returncode == 1, result.stderr
        assert [comment["line"] for comment in server.review_comments.values()] == [2]


def test_trusted_config_takes_the_baseline_from_the_revision_too(tmp_path):
    repo, base, _ = _pull_request(tmp_path, {".reviewbot.yml": "baseline: known.json\n", "known.json": '{"findings": []}\n'}, {"app/orders.py": ORDINARY})
    # The pull request records its own finding as "known" and says so in the work tree's files.
    assert reviewbot("baseline", "--no-cache", "--output", "known.json", cwd=repo).returncode == 0
    assert reviewbot("scan", "--no-cache", cwd=repo).returncode == 0
    trusted = reviewbot("scan", "--no-cache", "--trusted-config", base, cwd=repo)
    assert trusted.returncode == 1 and "app/orders.py:2:1: RB101" in trusted.stdout
    missing = reviewbot("scan", "--no-cache", "--trusted-config", "0" * 40, cwd=repo)
    assert missing.returncode == 2 and "trusted revision" in missing.stderr


# --- attack 4: forged markers in other people's comments, and in the scanned code ------------------
def _review_setup(tmp_path: Path, head_text: str):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches

    repo, base, head = _pull_request(tmp_path, {}, {"app/orders.py": head_text})
    return repo, FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(repo, base, head)), {"write": "write"})


def test_markers_count_only_on_reviewbots_own_comments(tmp_path):
    from tests.test_github import run_action

    repo, server = _review_setup(tmp_path, ORDINARY)
    fingerprint = json.loads(reviewbot("scan", "--no-cache", "--format", "json", "--fail-on", "never", cwd=repo).stdout)["findings"][0]["fingerprint"]
    with server:
        # Someone copies the real finding's marker (to hide it) and a stale one (to get it deleted),
        # answers the stale one, and plants the summary marker in a conversation comment.
        forged = server.comment_as("mallory", f"looks fine <!-- reviewbot:fp={fingerprint} -->", "app/orders.py", 2)
        stale = server.comment_as("mallory", "<!-- reviewbot:fp=0123456789abcdef -->", "app/orders.py", 2)
        server.comment_as("alice", "why?", "app/orders.py", 2, reply_to=stale)
        planted = server.issue_comment_as("mallory", "<!-- reviewbot:summary --> nothing to see")
        result = run_action(repo, server, tmp_path)
        assert result.returncode == 1, result.stderr
        ours = [c for c in server.review_comments.values() if c["user"]["login"] == "github-actions[bot]"]
        assert len(ours) == 1 and ours[0]["line"] == 2
        # Nobody else's comment was deleted or rewritten; a summary of reviewbot's own was written.
        assert server.review_comments[forged]["body"].startswith("looks fine")
        assert server.review_comments[stale]["body"] == "<!-- reviewbot:fp=0123456789abcdef -->"
        assert server.issue_comments[planted]["body"] == "<!-- reviewbot:summary --> nothing to see"
        assert [c for c in server.issue_comments.values() if c["user"]["login"] == "github-actions[bot]"]
        assert server.writes("PATCH", "comments") == 0 and server.writes("DELETE", "comments") == 0


def test_a_marker_in_the_scanned_code_does_not_make_reruns_repost(tmp_path):
    from tests.test_github import run_action

    repo, server = _review_setup(tmp_path, DOC + "from . import models  # <!-- reviewbot:fp=0123456789abcdef -->\n")
    with server:
        assert run_action(repo, server, tmp_path).returncode == 1
        first = len(server.review_comments)
        assert run_action(repo, server, tmp_path).returncode == 1
        assert len(server.review_comments) == first == 1
        assert server.writes("POST", "reviews") == 1


def test_the_token_never_reaches_the_output(tmp_path):
    from tests.test_github import run_action

    repo, server = _review_setup(tmp_path, ORDINARY)
    secret = "ghs_" + "s3cr3t" * 6
    with server:
        server.tokens[secret] = "write"
        result = run_action(repo, server, tmp_path, token=secret + "\n", event_name="pull_request")
        assert result.returncode == 1, result.stderr
        # An API error that echoes the token is redacted before it is printed.
        from tests.github_server import Fault

        server.faults.append(Fault("GET", r"/pulls/5$", 404, message=f"no such pull; Authorization: token {secret}"))
        failed = run_action(repo, server, tmp_path, token=secret + "\n")
        assert failed.returncode == 2 and "no such pull; Authorization: token ***" in failed.stderr, failed.stderr
        assert secret not in failed.stdout + failed.stderr


def test_a_link_in_the_work_tree_cannot_redirect_the_trusted_config(tmp_path):
    repo, base, _ = _pull_request(tmp_path, {".github/reviewbot.yml": "select: [RB101]\n"}, {"app/orders.py": ORDINARY})
    # The pull request turns the config path into a link to an empty file.
    (repo / ".github/reviewbot.yml").unlink()
    (repo / ".github/reviewbot.yml").symlink_to("../app/__init__.py")
    result = reviewbot("scan", "--no-cache", "--trusted-config", base, "--config", ".github/reviewbot.yml", cwd=repo)
    assert result.returncode == 1 and "RB101" in result.stdout, result.stderr


def test_a_hostile_pyproject_or_a_link_alias_does_not_break_the_scan(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": DOC, "app/a.py": ORDINARY.replace("models", "a")})
    (repo / "pyproject.toml").symlink_to("/dev/zero")
    # A link to a file of the repository is an alias: the file is scanned under its own name only.
    (repo / "app/alias.py").symlink_to("a.py")
    result = reviewbot("scan", "--no-cache", "--format", "json", "--fail-on", "never", cwd=repo, timeout=60)
    assert result.returncode == 0, result.stderr
    assert set(report(result)) == {"app/a.py"}
    (repo / "pyproject.toml").unlink()
    (repo / "pyproject.toml").write_bytes(b"[project]\nname = '\xff'\n")
    broken = reviewbot("scan", "--no-cache", "--fail-on", "never", cwd=repo)
    assert broken.returncode == 2 and broken.stderr == "reviewbot: error: pyproject.toml: not UTF-8 (byte 0xff at offset 18)\n"


# --- round two, through the installed wheel ----------------------------------------------------------
def installed_reviewbot(installed, *args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(installed.bin / "reviewbot"), *args], cwd=cwd, env=installed.env, capture_output=True, text=True, timeout=timeout)


def test_the_actions_install_step_never_runs_the_pull_requests_pip(wheelhouse, tmp_path):
    import yaml

    from tests.conftest import ROOT, clean_env, copy_checkout, new_venv

    [install] = [step for step in yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"] if "pip" in step.get("run", "")]
    action_path = copy_checkout(tmp_path / "action")
    venv = new_venv(tmp_path / "venv")
    # The pull request's checkout, the job's working directory, brings a `pip` of its own.
    marker = tmp_path / "ran"
    checkout = make_repo(tmp_path / "checkout", {"pip/__init__.py": "", "pip/__main__.py": f"open({str(marker)!r}, 'w').write('pwned')\n"})
    env = {**clean_env(venv / "bin"), **wheelhouse.pip_env(), "ACTION_PATH": str(action_path)}
    context = {"github.action_path": str(action_path)}
    working_directory = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda match: context[match[1]], install.get("working-directory", "."))
    # As the runner runs the step; then in the checkout itself, where `-I` alone must hold.
    for cwd, path in ((checkout / working_directory, action_path), (checkout, wheelhouse.wheel)):
        process = subprocess.run(["bash", "-e", "-c", install["run"]], cwd=cwd, env={**env, "ACTION_PATH": str(path)}, capture_output=True, text=True, timeout=600)
        assert process.returncode == 0, process.stdout + process.stderr
        assert not marker.exists()
    assert (venv / "bin" / "reviewbot").exists()


def test_gitattributes_cannot_hide_a_changes_lines(installed, tmp_path):
    repo = make_repo(tmp_path / "repo", {".gitattributes": "*.py -diff\n", "app/__init__.py": DOC, "app/models.py": DOC, "app/orders.py": DOC})
    (repo / "app/orders.py").write_text(DOC + "x = 1\n" + "from . import models\n" * 3)
    changed = installed_reviewbot(installed, "scan", "--diff", "HEAD", "--format", "json", "--no-cache", cwd=repo)
    assert changed.returncode == 1, changed.stderr
    assert [f["line"] for f in json.loads(changed.stdout)["findings"] if f["rule"] == "RB101"] == [3, 4, 5]
    # The agent's hook judges the same lines.
    event = {"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(repo / "app/orders.py")}}
    hook = subprocess.run(
        [str(installed.bin / "reviewbot"), "hook", "claude-code"], input=json.dumps(event), cwd=repo,
        env={**installed.env, "REVIEWBOT_HOOK_SERVER": "off"}, capture_output=True, text=True, timeout=180,
    )
    assert hook.returncode == 2 and hook.stderr.count("RB101") == 3, hook.stderr
    git(repo, "commit", "-q", "-am", "orders")
    committed = installed_reviewbot(installed, "scan", "--diff", "HEAD~1", "--head", "HEAD", "--format", "json", "--no-cache", cwd=repo)
    assert [f["line"] for f in json.loads(committed.stdout)["findings"] if f["rule"] == "RB101"] == [3, 4, 5]


def test_the_pull_request_cannot_choose_its_root_packages(installed, tmp_path):
    layout = {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "shop/__init__.py": DOC,
        "shop/services.py": DOC,
        "shop/orders.py": DOC,
    }
    # The pull request names another distribution, with an empty package of that name, and
    # imports an inner module by its bare name: RB102 would look at `zzz` only.
    head = {"pyproject.toml": "[project]\nname = 'zzz'\n", "zzz/__init__.py": "", "shop/orders.py": DOC + "import services\n"}
    repo = make_repo(tmp_path / "repo", layout)
    base = git(repo, "rev-parse", "HEAD").strip()
    for name, text in head.items():
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rename")
    untrusted = installed_reviewbot(installed, "scan", "--diff", base, "--format", "json", "--no-cache", cwd=repo)
    assert "RB102" not in {f["rule"] for f in json.loads(untrusted.stdout)["findings"]}
    trusted = installed_reviewbot(installed, "scan", "--diff", base, "--trusted-config", base, "--format", "json", "--no-cache", cwd=repo)
    assert [(f["rule"], f["path"], f["line"]) for f in json.loads(trusted.stdout)["findings"]] == [("RB102", "shop/orders.py", 2)]
    assert trusted.returncode == 1


def test_a_summary_over_githubs_limit_is_cut_and_replaces_the_old_one(installed, tmp_path):
    from tests.github_server import MAX_BODY, FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, commit_all, patches, run_action

    repo, base, head = _pull_request(tmp_path, {}, {"app/orders.py": DOC})
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(repo, base, head)), {"write": "write"}) as server:
        clean = run_action(repo, server, tmp_path, installed=installed)
        assert clean.returncode == 0, clean.stderr
        [summary] = server.issue_comments.values()
        assert "Gate passed" in summary["body"]
        # 150 relative imports of 400-character names: a summary of well over 65,536 characters.
        names = [f"m{n:03}" + "x" * 400 for n in range(150)]
        (repo / "app/orders.py").write_text(DOC + "".join(f"from .{name} import x\n" for name in names))
        server.pull.head = commit_all(repo, "many")
        server.pull.files = patches(repo, base, server.pull.head)
        sarif = tmp_path / "reviewbot.sarif"
        failed = run_action(repo, server, tmp_path, "--max-comments", "1", "--sarif-file", str(sarif), installed=installed)
        assert failed.returncode == 1, failed.stderr
        [summary] = server.issue_comments.values()
        body = summary["body"]
        assert "Gate failed" in body and len(body) <= MAX_BODY
        listed = body.count("**RB101**")
        assert 0 < listed < 149
        assert f"… and {149 - listed} more findings not listed here: see the job's step summary or the SARIF file" in body
        assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 150


def _target_clone(tmp_path: Path, reachable: bool) -> tuple[Path, Path, str, str]:
    """The pull request as ``pull_request_target`` checks it out: the base alone, at depth 1."""
    origin, base, head = _pull_request(tmp_path, {}, {"app/orders.py": ORDINARY})
    git(origin, "update-ref", "refs/pull/5/head", head)
    [base_branch] = [b for b in git(origin, "branch", "--format=%(refname:short)").split() if b != "feature"]
    git(origin, "checkout", "-q", base_branch)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", base_branch, f"file://{origin}", str(work)], check=True)
    if not reachable:
        git(work, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")
    return origin, work, base, head


def test_pull_request_target_on_the_base_checkout_reviews_the_head(installed, tmp_path):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    origin, work, base, head = _target_clone(tmp_path, reachable=True)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(origin, base, head)), {"write": "write"}) as server:
        result = run_action(work, server, tmp_path, event_name="pull_request_target", installed=installed)
        assert result.returncode == 1, result.stderr
        assert [comment["line"] for comment in server.review_comments.values()] == [2]
        assert "Gate failed" in next(iter(server.issue_comments.values()))["body"]
    # Fetched, never checked out: the work tree is still the base.
    assert git(work, "rev-parse", "HEAD").strip() == base and not (work / "app/orders.py").exists()


def test_pull_request_target_fails_closed_without_the_head(installed, tmp_path):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    origin, work, base, head = _target_clone(tmp_path, reachable=False)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, {"app/orders.py": "@@ -0,0 +1,2 @@\n+x\n+y\n"}), {"write": "write"}) as server:
        result = run_action(work, server, tmp_path, event_name="pull_request_target", installed=installed)
        assert result.returncode == 2, result.stderr
        assert f"head commit {head[:12]} is not in this clone and cannot be fetched" in result.stderr
        assert "ref: ${{ github.event.pull_request.head.sha }}" in result.stderr
        assert not server.issue_comments and not server.reviews


def test_init_never_writes_its_hooks_through_a_committed_link(installed, tmp_path):
    # The repository commits `.claude` as a link to the user's own settings directory.
    home = tmp_path / "home" / ".claude"
    home.mkdir(parents=True)
    (home / "settings.json").write_text("{}\n")
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": DOC})
    (repo / ".claude").symlink_to(home)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    result = installed_reviewbot(installed, "init", "--agent", "claude-code", cwd=repo)
    assert result.returncode == 2 and ".claude is a symbolic link, not followed" in result.stderr, result.stderr
    assert (home / "settings.json").read_text() == "{}\n" and sorted(p.name for p in home.iterdir()) == ["settings.json"]


def test_reports_are_never_written_through_a_committed_link(installed, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": DOC, "app/orders.py": ORDINARY})
    # The pull request commits `reports` as a link to a directory elsewhere on the runner.
    (repo / "reports").symlink_to(victim)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    result = installed_reviewbot(installed, "scan", "--format", "sarif", "--output", "reports/out.sarif", "--no-cache", cwd=repo)
    assert result.returncode == 2 and "reports is a symbolic link, not followed" in result.stderr, result.stderr
    assert not list(victim.iterdir())
    # A report outside the repository is the user's to place.
    outside = installed_reviewbot(installed, "scan", "--format", "json", "--output", str(tmp_path / "out.json"), "--no-cache", cwd=repo)
    assert outside.returncode == 1 and json.loads((tmp_path / "out.json").read_text())["findings"]


def test_pull_request_target_keeps_a_whole_clone_whole(installed, tmp_path):
    from tests.github_server import FakeGitHub, PullRequest
    from tests.test_github import REPOSITORY, patches, run_action

    origin, base, head = _pull_request(tmp_path, {}, {"app/orders.py": ORDINARY})
    git(origin, "update-ref", "refs/pull/5/head", head)
    [base_branch] = [b for b in git(origin, "branch", "--format=%(refname:short)").split() if b != "feature"]
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", base_branch, f"file://{origin}", str(work)], check=True)
    with FakeGitHub(REPOSITORY, PullRequest(5, head, base, patches(origin, base, head)), {"write": "write"}) as server:
        result = run_action(work, server, tmp_path, event_name="pull_request_target", installed=installed)
        assert result.returncode == 1, result.stderr
        assert [comment["line"] for comment in server.review_comments.values()] == [2]
    # The head was fetched with its history: the clone is as whole as before, the merge base in it.
    assert git(work, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert "patches from the API" not in result.stderr
