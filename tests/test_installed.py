"""The installed-wheel stage: every command, run from reviewbot as users install it.

The rest of the suite runs against the development install of the checkout, which can import
modules a real install lacks. Here reviewbot is built (sdist, then the wheel from the sdist),
installed into a fresh virtual environment without system site packages, and run from directories
outside the checkout. The build happens once per test run (the ``wheelhouse`` and ``installed``
fixtures in ``conftest.py``).
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import jsonschema
import pytest

from reviewbot.walk import SUPPORTED_LIBCST
from tests.conftest import (
    ROOT,
    HookServers,
    checked,
    clean_env,
    copy_checkout,
    git,
    make_repo,
    new_venv,
    run_reviewbot,
)
from tests.test_github import pr, run_action  # noqa: F401 - the pull-request fixture
from tests.test_gitlab import mr, ours, pipeline_env  # noqa: F401 - the merge-request fixture

pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
PROJECT = {
    "pyproject.toml": '[project]\nname = "shop-api"\nversion = "1"\n',
    "shop_api/__init__.py": "",
    "shop_api/models.py": DOC + "\n\nclass Order:\n    \"\"\"An order.\"\"\"\n",
    "shop_api/orders.py": DOC + "from .models import Order\n\n\ndef reset(orders: list[Order]):\n    \"\"\"Forget.\"\"\"\n    orders.clear()\n",
}
# Imports each module named on the command line; prints where each came from, or why it failed.
IMPORT_EVERY_MODULE = """\
import importlib, json, os, sys
sys.path[:0] = [entry for entry in os.environ.get("EXTRA_PATH", "").split(os.pathsep) if entry]
found = {}
for name in sys.argv[1:]:
    try:
        found[name] = importlib.import_module(name).__file__
    except Exception as error:
        found[name] = f"{type(error).__name__}: {error}"
print(json.dumps(found))
"""


def source_modules() -> list[str]:
    """Every module of the package, from the source tree (a new module is covered at once)."""
    names = (".".join(path.relative_to(ROOT).with_suffix("").parts) for path in (ROOT / "reviewbot").rglob("*.py"))
    # ``__main__`` runs the program when imported; ``python -m reviewbot`` is checked on its own.
    return sorted(name.removesuffix(".__init__") for name in names if not name.endswith(".__main__"))


def imported_from(python: list[str], cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """Module name -> the file ``python`` imported it from (or the error), for every module."""
    return json.loads(checked([*python, "-c", IMPORT_EVERY_MODULE, *source_modules()], cwd=cwd, env=env))


def not_from(found: dict[str, str], place: Path) -> dict[str, str]:
    """The modules that did not come from ``place``, with where they came from instead."""
    return {name: where for name, where in found.items() if not where.startswith(str(place))}


def test_every_module_imports_from_the_installation(installed, tmp_path):
    found = imported_from([str(installed.bin / "python")], tmp_path, installed.env)
    assert len(found) > 30
    assert not_from(found, installed.venv) == {}
    version = checked([str(installed.bin / "python"), "-m", "reviewbot", "--version"], cwd=tmp_path, env=installed.env)
    assert version.startswith("reviewbot ")


def test_the_stage_catches_a_subpackage_left_out_of_the_wheel(wheelhouse, tmp_path):
    # The mistake this stage exists for: a subpackage missing from the wheel (reviewbot.github once was).
    source = copy_checkout(tmp_path / "source")
    setup = source / "setup.py"
    setup.write_text(setup.read_text().replace('include=["reviewbot", "reviewbot.*"]', 'include=["reviewbot", "reviewbot.*"], exclude=["reviewbot.github"]'))
    wheels = tmp_path / "wheels"
    build_env = {**clean_env(), **wheelhouse.pip_env()}
    checked([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source)], env=build_env)
    [wheel] = wheels.glob("reviewbot-*.whl")
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    # Without ``site`` (so without the development install's import hook), the unpacked wheel first,
    # then this interpreter's site-packages for the dependencies.
    env = {**clean_env(), "EXTRA_PATH": os.pathsep.join([str(unpacked), *site.getsitepackages()])}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = not_from(imported_from([sys.executable, "-S"], elsewhere, env), unpacked)
    assert sorted(missing) == ["reviewbot.github", "reviewbot.github.client", "reviewbot.github.run"]
    assert all(error.startswith("ModuleNotFoundError: No module named 'reviewbot.github'") for error in missing.values())


def test_the_sdist_and_the_wheel_carry_the_rule_packs(wheelhouse):
    assert "reviewbot/rules/backend-engineer.yml" in zipfile.ZipFile(wheelhouse.wheel).namelist()
    with tarfile.open(wheelhouse.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"rules/backend-engineer.yml", "setup.py", "pyproject.toml", "README.md"} <= names


def test_scan_json_and_sarif_match_the_development_install(installed, tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    reports = {}
    for report in ("json", "sarif"):
        result = run_reviewbot(repo, "scan", "--format", report, installed=installed)
        assert result.code == 1, result.stderr
        # Byte for byte what the checkout produces: the installed pack and code are the same.
        assert result.stdout == run_reviewbot(repo, "scan", "--format", report).stdout
        reports[report] = json.loads(result.stdout)
    assert [(f["rule"], f["line"]) for f in reports["json"]["findings"]] == [("RB101", 2), ("RB302", 5)]
    jsonschema.validate(reports["sarif"], json.loads((ROOT / "tests/data/sarif-schema-2.1.0.json").read_text()))


def test_scan_diff_and_baseline(installed, tmp_path):
    repo = make_repo(tmp_path / "repo", {**PROJECT, ".reviewbot.yml": "extend-select: [RB801]\n"})
    recorded = run_reviewbot(repo, "baseline", installed=installed)
    assert (recorded.code, recorded.stdout.split(" in ")[0]) == (0, "reviewbot: recorded 2 findings")
    assert run_reviewbot(repo, "scan", "--baseline", ".reviewbot-baseline.json", installed=installed).code == 0
    (repo / "shop_api/orders.py").write_text(PROJECT["shop_api/orders.py"] + "\n\ndef again(x: int):\n    \"\"\"Again.\"\"\"\n    return x\n")
    changed = run_reviewbot(repo, "scan", "--diff", "HEAD", "--format", "json", installed=installed)
    assert changed.code == 1
    # The new function misses its return type, and no test names it (RB801: the change's history
    # is read through git by the installed package too).
    assert [(f["rule"], f["line"]) for f in json.loads(changed.stdout)["findings"]] == [("RB302", 10), ("RB801", 10)]
    baselined = run_reviewbot(repo, "scan", "--baseline", ".reviewbot-baseline.json", "--format", "json", installed=installed)
    assert [(f["rule"], f["line"]) for f in json.loads(baselined.stdout)["findings"]] == [("RB302", 10)]


def test_github_review_from_the_installation(installed, pr):  # noqa: F811 - pytest fixture
    repo, server, tmp_path = pr
    result = run_action(repo, server, tmp_path, installed=installed)
    assert result.returncode == 1, result.stderr
    assert len(server.reviews) == 1 and len(server.review_comments) == 2
    assert (tmp_path / "output.txt").read_text() == "findings=2\n"


def test_gitlab_review_from_the_installation(installed, mr):  # noqa: F811 - pytest fixture
    repo, server = mr
    env = {**installed.env, **pipeline_env(server)}
    result = subprocess.run([str(installed.bin / "reviewbot"), "gitlab", "--write-interval", "0"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert len(ours(server)) == 2 and len(json.loads((repo / "gl-code-quality-report.json").read_text())) == 2


def test_hook_claude_code_post_tool_use(installed, tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    (repo / "shop_api/new.py").write_text(DOC + "from . import models\n")
    event = {"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(repo / "shop_api/new.py")}}
    result = run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=json.dumps(event))
    assert result.code == 2
    assert "`shop_api/new.py:2` RB101 relative import `.`: use `shop_api`" in result.stderr


def test_hook_server_of_the_installation(own_installation, tmp_path):
    installed = own_installation  # an upgrade is simulated: its files change
    servers = HookServers()
    try:
        repo = make_repo(tmp_path / "repo", PROJECT)
        new = repo / "shop_api/new.py"
        new.write_text(DOC + "from . import models\n")
        event = json.dumps({"session_id": "s1", "hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Write", "tool_input": {"file_path": str(new)}})
        first = run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=event, env=servers.env)
        assert first.code == 2 and "`shop_api/new.py:2` RB101" in first.stderr
        where = servers.listening()
        # The next edit is answered by the server, told once as ever.
        new.write_text(DOC + "from . import models\nfrom . import orders\n")
        second = run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=event, env=servers.env)
        assert second.code == 2 and "`shop_api/new.py:3` RB101" in second.stderr and ":2` RB101" not in second.stderr
        assert len(servers.answered()) == 1
        # Changed files of the installation (an upgrade) are served by a new server, never by the old one.
        [pack] = installed.venv.glob("lib/python*/site-packages/reviewbot/rules/backend-engineer.yml")
        os.utime(pack, ns=(pack.stat().st_atime_ns, pack.stat().st_mtime_ns + 10**9))
        stop = json.dumps({"session_id": "s1", "hook_event_name": "Stop", "cwd": str(repo), "stop_hook_active": False})
        third = run_reviewbot(repo, "hook", "claude-code", installed=installed, stdin=stop, env=servers.env)
        assert third.code == 2 and ":2` RB101" in third.stderr and ":3` RB101" in third.stderr
        assert len(servers.answered()) == 1
        assert servers.listening(besides=(where,)) != where
        # The old server notices at its next look that its code changed, and leaves.
        deadline = time.monotonic() + 60
        while where.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not where.exists()
    finally:
        servers.stop()


@pytest.mark.parametrize("agent", ["cursor", "gemini", "codex", "copilot"])
def test_hook_adapters_of_other_agents(installed, tmp_path, agent):
    from tests.test_hook_agents import EDITS, told

    repo = make_repo(tmp_path / "repo", {**PROJECT, "app/__init__.py": "", "app/old.py": DOC})
    (repo / "app/new.py").write_text(DOC + "from . import old\n")
    result = run_reviewbot(repo, "hook", agent, installed=installed, stdin=json.dumps(EDITS[agent](repo, "app/new.py")))
    completed = subprocess.CompletedProcess([], result.code, result.stdout, result.stderr)
    assert "`app/new.py:2` RB101 relative import `.`" in (told(agent, completed) or "")


def test_init_in_an_empty_repository(installed, tmp_path):
    repo = make_repo(tmp_path / "empty", {"README.md": "# Empty\n"})
    result = run_reviewbot(repo, "init", installed=installed)
    assert result.code == 0, result.stderr
    written = sorted(line.split()[-1] for line in result.stdout.splitlines())
    assert written == [".claude/settings.json", ".github/workflows/reviewbot.yml", ".reviewbot.yml"]
    assert run_reviewbot(repo, "init", installed=installed).stdout == "reviewbot init: nothing to change\n"
    doctor = run_reviewbot(repo, "doctor", installed=installed)
    assert (doctor.code, doctor.stdout) == (0, "reviewbot doctor: no problem found in the agents' hook settings\n")
    git(repo, "add", "-A")
    assert run_reviewbot(repo, "scan", installed=installed).code == 0


def test_rules_and_explain(installed, tmp_path):
    listed = run_reviewbot(tmp_path, "rules", installed=installed)
    assert listed.code == 0 and "RB201" in listed.stdout and "unguarded-external-call" in listed.stdout
    explained = run_reviewbot(tmp_path, "explain", "RB101", installed=installed)
    assert explained.code == 0
    assert 'Agent rule: "Use absolute imports with @ alias for all internal modules"' in explained.stdout
    # The way one call's failure goes, through the installed product's phase 1.
    client = "import requests\n\n\ndef fetch(url: str) -> bytes:\n    return requests.get(url, timeout=5).content\n"
    script = "from app.client import fetch\n\nif __name__ == '__main__':\n    fetch('https://example.com')\n"
    config = "errors:\n  boundaries: [script]\n"
    repo = make_repo(tmp_path / "traced", {"app/__init__.py": "", "app/client.py": client, "app/__main__.py": script, ".reviewbot.yml": config})
    traced = run_reviewbot(repo, "explain", "RB201", "--at", "app/client.py:5", installed=installed)
    assert traced.code == 0, traced.stderr
    assert traced.stdout.splitlines()[-1].endswith("is the `__main__` block and nothing handles it: RB201")


def test_agents_reads_the_repositorys_agent_files(installed, tmp_path):
    files = {**PROJECT, "AGENTS.md": "## Rules\n\n- Never use relative imports\n- Keep it simple\n- Never call `session.commit()`\n", ".reviewbot.yml": "packs: [auto]\n"}
    repo = make_repo(tmp_path / "repo", files)
    result = run_reviewbot(repo, "agents", "--format", "json", installed=installed)
    assert result.code == 0
    assert json.loads(result.stdout)["files"][0]["statements"][0]["rules"] == ["RB101"]
    checked = run_reviewbot(repo, "agents", "--check", installed=installed)
    assert checked.code == 1 and "AGENTS.md:4: requirement not enforced by any rule or check: Keep it simple" in checked.stderr
    # The installed markdown-it-py reads the file; --suggest drafts a check for the prohibition naming code.
    drafted = run_reviewbot(repo, "agents", "--suggest", installed=installed)
    assert drafted.code == 0 and 'calls: ["session.commit", "*.session.commit"]' in drafted.stdout
    # The agent file chooses the rules: RB101 with its line, and not RB302, which nothing asked for.
    scanned = json.loads(run_reviewbot(repo, "scan", "--format", "json", installed=installed).stdout)["findings"]
    assert [(f["rule"], f["source"]) for f in scanned] == [("RB101", {"path": "AGENTS.md", "line": 3})]


def test_the_rule_tests_pass_on_the_oldest_supported_libcst(wheelhouse, tmp_path):
    # The newest LibCST is what the rest of the suite runs on; the floor gets the tests that parse and walk.
    floor = SUPPORTED_LIBCST.split(",")[0].removeprefix(">=")
    # The floor LibCST alone in a folder put first on the path: the test run's other packages
    # (pytest, PyGithub, …) stay as they are, and no environment needs building.
    floor_only = tmp_path / "floor"
    checked([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(floor_only), "--find-links", str(wheelhouse.directory), f"libcst=={floor}.0"])
    env = {**clean_env(), "PYTHONPATH": str(floor_only)}
    tests = ["tests/test_walk.py", "tests/test_rules.py", "tests/test_examples.py", "tests/test_engine.py", "tests/test_fix.py"]
    # The checkout's code (tests import it from the rootdir), on the floor LibCST.
    output = checked([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], cwd=ROOT, env=env)
    assert " passed" in output and " failed" not in output
    found = checked([sys.executable, "-c", "import libcst, importlib.metadata as m; print(m.version('libcst'), libcst.__file__)"], env=env).split()
    assert found[0] == f"{floor}.0" and found[1].startswith(str(floor_only))
