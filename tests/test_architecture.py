"""RB5xx and RB801 over whole repositories: established layers, dependency directions against the
base revision, and tests for changed functions, on real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewbot import session
from reviewbot.project import load_settings
from tests.conftest import git, make_repo, run_main

DOC = '"""Module."""\n'

# A layered FastAPI application: routes in api/, logic in services/, queries in repositories/,
# calls to other services in clients/.
LAYERED = {
    "app/__init__.py": "",
    "app/api/__init__.py": "",
    "app/api/orders.py": DOC + "from app.repositories.orders import OrderRepository\nfrom app.services.orders import place\n",
    "app/services/__init__.py": "",
    "app/services/orders.py": DOC + "from app.clients.payments import charge\n",
    "app/repositories/__init__.py": "",
    "app/repositories/orders.py": DOC + "import sqlite3\n\nDB = sqlite3.connect(\"shop.db\")\n",
    "app/clients/__init__.py": "",
    "app/clients/payments.py": DOC + "import httpx\n\nCLIENT = httpx.Client(timeout=5)\n",
    # RB801 is judged on its own below.
    ".reviewbot.yml": "ignore: [RB801]\n",
}


def findings(repo: Path, *rules: str, diff: str | None = None) -> list[tuple[str, str, int]]:
    """(rule, path, line) of the findings of ``rules`` in a scan of ``repo`` (in-process, one worker)."""
    request = session.Request(root=repo, settings=load_settings(repo), diff=diff, jobs=1, cache=False)
    return sorted((f.rule, f.path, f.line) for f in session.run(request).findings if f.rule in rules)


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_rb501_and_rb504_flag_direct_calls_around_an_established_layer(tmp_path):
    files = {
        **LAYERED,
        "app/services/billing.py": DOC
        + "import httpx\nfrom httpx import HTTPStatusError, Response\nimport redis\n\n\n"
        + "def pay(url: str) -> Response:\n    try:\n        return httpx.post(url, timeout=5)\n    except HTTPStatusError:\n        raise\n\n\n"
        + "def cache() -> redis.Redis:\n    return redis.Redis()\n",
        "app/services/report.py": DOC + "import sqlite3\n\n\ndef rows() -> list:\n    return sqlite3.connect(\"shop.db\").execute(\"SELECT 1\").fetchall()\n",
        "tests/test_billing.py": "import httpx\n\nhttpx.get(\"http://x\", timeout=1)\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    # httpx is called by app/clients/payments.py, so the call around it counts (its exception and
    # its types are no calls); redis has no caller in the data layer (only sqlite3 has), so it is
    # left alone; tests are exempt.
    assert findings(repo, "RB501", "RB504") == [("RB501", "app/services/billing.py", 9), ("RB504", "app/services/report.py", 6)]
    request = session.Request(root=repo, settings=load_settings(repo), jobs=1, cache=False)
    [message] = [f.message for f in session.run(request).findings if f.rule == "RB501"]
    assert message == (
        "`httpx.post()` called outside the client layer (architecture.client-layer): this project calls `httpx` through that layer "
        "(`app/clients/payments.py`); make this call there too (a client for this service), where it gets the layer's timeouts, retries and error handling"
    )


def test_without_an_established_layer_rb501_and_rb504_are_silent(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/service.py": DOC + "import requests\nimport sqlite3\n\nrequests.get(\"http://x\", timeout=1)\nsqlite3.connect(\"x.db\")\n",
        # Schema migrations run SQL by nature: they establish no data layer.
        "app/migrations/0001_init.py": DOC + "import sqlite3\n\nsqlite3.connect(\"x.db\")\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    assert findings(repo, "RB501", "RB504") == []


def test_layers_are_configurable_and_a_suppression_comment_reaches_project_rules(tmp_path):
    files = {
        **LAYERED,
        "app/gateway/__init__.py": "",
        "app/gateway/stripe.py": DOC + "import requests\n\nSESSION = requests.Session()\n",
        "app/services/refunds.py": DOC + "import httpx\nimport requests\n\nrequests.get(\"http://x\", timeout=1)\nrequests.post(\"http://x\", timeout=1)  # noqa: RB501\nhttpx.get(\"http://x\", timeout=1)\n",
        ".reviewbot.yml": "ignore: [RB801]\narchitecture:\n  client-layer: ['app/gateway/**']\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    # The layer is app/gateway/ now, and calls requests only: httpx has no wrapper (app/clients/ is
    # no layer any more); the second call sits on a suppressed line, and no RB003 says the
    # suppression was unused.
    assert findings(repo, "RB501", "RB003") == [("RB501", "app/services/refunds.py", 5)]


def test_in_changed_lines_mode_the_layer_must_be_established_at_the_base(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/service.py": DOC, ".reviewbot.yml": "ignore: [RB801]\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    # The change creates the client layer and bypasses it at once: the base had no layer to bypass.
    (repo / "app/clients").mkdir()
    (repo / "app/clients/http.py").write_text(DOC + "import requests\n\nSESSION = requests.Session()\n")
    (repo / "app/service.py").write_text(DOC + "import requests\n\nrequests.get(\"http://x\", timeout=1)\n")
    commit(repo)
    assert findings(repo, "RB501", diff="main") == []
    # Once the layer is on main, a new direct import is reported, on its added line only.
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "feature")
    git(repo, "checkout", "-q", "-b", "second")
    (repo / "app/report.py").write_text(DOC + "import requests\n\n\ndef fetch():\n    return requests.get(\"http://x\", timeout=1)\n")
    assert findings(repo, "RB501", diff="main") == [("RB501", "app/report.py", 6)]


def test_rb502_reports_a_bad_forbidden_entry_as_a_config_error(tmp_path):
    repo = make_repo(tmp_path / "repo", {**LAYERED, ".reviewbot.yml": "architecture:\n  forbidden: ['app.models']\n"})
    result = run_main(repo, "scan")
    assert result.code == 2
    assert "architecture.forbidden[0]: expected \"source.module -> target.module\", got 'app.models'" in result.stderr


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", LAYERED)
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


@pytest.mark.slow
def test_rb503_flags_an_added_import_against_the_established_direction(layered):
    repo = layered
    (repo / "app/repositories/orders.py").write_text(DOC + "import sqlalchemy\nfrom app.api.orders import router\n")
    # The direction main already has is no new pattern.
    (repo / "app/api/users.py").write_text(DOC + "from app.repositories.orders import OrderRepository\n")
    commit(repo)
    result = run_main(repo, "scan", "--diff", "main", "--format", "json")
    assert result.code == 0, result.stderr  # a warning does not fail the default gate
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "RB503"]
    assert (finding["path"], finding["line"]) == ("app/repositories/orders.py", 3)
    assert finding["message"] == (
        "new dependency `app.repositories -> app.api` (importing `app.api.orders.router`): at the base, `app.api` imports "
        "`app.repositories` (`app/api/orders.py:2`) and nothing goes back; this makes a cycle between them: move what both need into a lower module"
    )
    # A full scan has no base to compare with.
    assert "RB503" not in run_main(repo, "scan", "--format", "json").stdout


@pytest.mark.slow
def test_rb503_is_silent_where_the_base_already_goes_both_ways(layered):
    repo = layered
    (repo / "app/repositories/audit.py").write_text(DOC + "from app.api import orders\n")
    commit(repo, "both ways")
    git(repo, "branch", "-f", "main")
    (repo / "app/repositories/orders.py").write_text(DOC + "import sqlalchemy\nfrom app.api.orders import router\n")
    commit(repo)
    assert findings(repo, "RB503", diff="main") == []


def test_rb503_reads_the_base_in_the_work_tree_and_the_changed_files_at_the_base(layered, monkeypatch):
    # Uncommitted, as the hook and pre-commit see it: the base is the last commit. The direction
    # `api -> repositories` is the base's, though the work tree's app/api/orders.py dropped it.
    repo = layered
    (repo / "app/api/orders.py").write_text(DOC + "from app.services.orders import place\n")
    (repo / "app/repositories/orders.py").write_text(DOC + "import sqlite3\nfrom app.api.orders import router\n")
    greps: list[tuple[str, ...]] = []
    real = session.GitHistory._git

    def recorded(self: session.GitHistory, *args: str):  # type: ignore[no-untyped-def]
        greps.extend([args] if args[0] == "grep" else [])
        return real(self, *args)

    monkeypatch.setattr(session.GitHistory, "_git", recorded)
    request = session.Request(root=repo, settings=load_settings(repo), diff="HEAD", jobs=1, cache=False)
    [finding] = [f for f in session.run(request).findings if f.rule == "RB503"]
    assert (finding.path, finding.line) == ("app/repositories/orders.py", 3) and "(`app/api/orders.py:2`)" in finding.message
    # No grep read a commit: every one searched the work tree.
    head = git(repo, "rev-parse", "HEAD").strip()
    assert greps and not [args for args in greps if head in args]


FUNCTIONS = DOC + (
    "\n\ndef capture(amount: int) -> int:\n    \"\"\"Capture.\"\"\"\n    return amount\n"
    "\n\ndef refund(amount: int) -> int:\n    \"\"\"Refund.\"\"\"\n    return -amount\n"
    "\n\ndef _round(amount: int) -> int:\n    \"\"\"Round.\"\"\"\n    return amount\n"
    "\n\nclass Ledger:\n    \"\"\"Ledger.\"\"\"\n\n    def __init__(self) -> None:\n        \"\"\"Empty.\"\"\"\n        self.rows: list[int] = []\n"
    "\n    @router.get(\"/ledger\")\n    def show(self) -> list[int]:\n        \"\"\"Rows.\"\"\"\n        return self.rows\n"
)


@pytest.mark.slow
def test_rb801_flags_changed_public_functions_no_test_names(tmp_path):
    # No rule applies to the tests here, and git colours its output: neither hides a test's names.
    files = {
        "app/__init__.py": "",
        "app/payments.py": DOC,
        "tests/test_refunds.py": "from app.payments import refund\n",
        ".reviewbot.yml": "extend-select: [RB801]\nper-file-ignores:\n  'tests/**': [RB]\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "config", "color.ui", "always")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/payments.py").write_text(FUNCTIONS)
    commit(repo)
    result = run_main(repo, "scan", "--diff", "main", "--format", "json")
    # refund is named by a test file the change did not touch; _round is private, __init__ a
    # dunder method, show a route (tested through its URL).
    rb801 = [(f["line"], f["message"]) for f in json.loads(result.stdout)["findings"] if f["rule"] == "RB801"]
    assert rb801 == [(4, "`capture` is new or changed and no test file names `capture`: add a unit test for it (its error cases too)")]
    # A test written in the same change counts.
    (repo / "tests/test_capture.py").write_text("from app import payments\n\n\ndef test_capture():\n    assert payments.capture(1) == 1\n")
    assert "RB801" not in run_main(repo, "scan", "--diff", "main", "--format", "json").stdout


@pytest.mark.slow
def test_rb801_keeps_a_function_whose_body_changed_and_anchors_on_its_def_line(tmp_path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/payments.py": FUNCTIONS, ".reviewbot.yml": "extend-select: [RB801]\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/payments.py").write_text(FUNCTIONS.replace("return -amount", "return -abs(amount)"))
    commit(repo)
    assert findings(repo, "RB801", diff="main") == [("RB801", "app/payments.py", 9)]


def test_an_ignore_without_codes_that_a_project_rule_needed_is_not_called_unused(tmp_path):
    files = {**LAYERED, "app/services/report.py": DOC + "import sqlite3\n\nDB = sqlite3.connect(\"x.db\")  # reviewbot: ignore\n# reviewbot: ignore\n"}
    repo = make_repo(tmp_path / "repo", files)
    # The first comment silences RB504, the second nothing at all.
    assert findings(repo, "RB504", "RB003") == [("RB003", "app/services/report.py", 5)]
