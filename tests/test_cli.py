"""End to end: the installed `reviewbot` console script on real temporary git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import libcst as cst
import pytest

from tests.conftest import git, make_repo, on_a_terminal, run_reviewbot

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'

FLAT = {
    "pyproject.toml": '[project]\nname = "shop-api"\nversion = "1"\n',
    ".gitignore": "ignored/\n",
    "shop_api/__init__.py": "",
    "shop_api/models.py": DOC + "\n\nclass Order:\n    \"\"\"An order.\"\"\"\n",
    "shop_api/services/__init__.py": "",
    "shop_api/services/cache.py": DOC + "\n\ndef memo(key: str) -> str:\n    \"\"\"Remember.\"\"\"\n    return key\n",
    "shop_api/orders.py": (
        DOC
        + "from .models import Order\n"
        + "from services.cache import memo\n"
        + "\n\ndef reset(orders: list[Order]):\n    \"\"\"Forget all orders.\"\"\"\n    orders.clear()\n"
    ),
    "tests/test_orders.py": "from shop_api.orders import reset\n\n\ndef test_reset(tmp_path):\n    reset([])\n",
    "ignored/junk.py": "from . import nothing\n",
}


def findings(result):
    assert result.stderr == "" or "error" not in result.stderr, result.stderr
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "flat", FLAT)


def test_flat_layout_json_report_and_exit_code(flat):
    result = run_reviewbot(flat, "scan", "--format", "json")
    assert result.code == 1
    assert findings(result) == [
        ("RB101", "shop_api/orders.py", 2),
        ("RB102", "shop_api/orders.py", 3),
        ("RB302", "shop_api/orders.py", 6),
    ]
    report = json.loads(result.stdout)
    assert report["version"] == 2 and report["tool"]["name"] == "reviewbot"
    assert report["summary"] == {
        "files": 6,
        "findings": 3,
        "by_rule": {"RB101": 1, "RB102": 1, "RB302": 1},
        "by_severity": {"error": 3, "warning": 0, "info": 0},
    }
    first = report["findings"][0]
    assert first["quote"] == "Use absolute imports with @ alias for all internal modules"
    assert first["fix"] == {
        "description": "import `shop_api.models` absolutely",
        "edits": [{"line": 2, "column": 6, "end_line": 2, "end_column": 13, "replacement": "shop_api.models"}],
    }
    assert report["findings"][1]["message"] == "`services.cache` exists only inside root package `shop_api`: import `shop_api.services.cache`"


def test_scan_from_a_subdirectory_scans_the_whole_repository(flat):
    result = run_reviewbot(flat / "shop_api" / "services", "scan", "--format", "json")
    assert len(findings(result)) == 3


def test_paths_limit_the_scan(flat):
    result = run_reviewbot(flat, "scan", "--format", "json", "shop_api/models.py", "tests")
    assert result.code == 0 and findings(result) == []


def test_fix_rewrites_files_and_a_rescan_finds_nothing_to_fix(flat):
    result = run_reviewbot(flat, "scan", "--fix")
    fixed = (flat / "shop_api/orders.py").read_text()
    assert "from shop_api.models import Order\n" in fixed
    assert "def reset(orders: list[Order]) -> None:\n" in fixed
    cst.parse_module(fixed)
    assert "Fixed 2 findings." in result.stdout
    # RB102 has no autofix and is still reported, so the gate still fails.
    assert result.code == 1
    again = run_reviewbot(flat, "scan", "--format", "json")
    assert findings(again) == [("RB102", "shop_api/orders.py", 3)]


def test_src_layout_with_detected_roots(tmp_path):
    repo = make_repo(
        tmp_path / "src-layout",
        {
            "src/ledger/__init__.py": "",
            "src/ledger/models.py": DOC,
            "src/ledger/api/__init__.py": "",
            "src/ledger/api/views.py": DOC + "from ..models import Account\nfrom src.ledger.models import Entry\n",
            "docs/conf.py": DOC,
        },
    )
    result = run_reviewbot(repo, "scan", "--format", "json", "--verbose")
    assert "root packages: ledger (src/ledger/)" in result.stderr
    assert findings(result) == [("RB101", "src/ledger/api/views.py", 2), ("RB102", "src/ledger/api/views.py", 3)]
    run_reviewbot(repo, "scan", "--fix")
    assert "from ledger.models import Account\n" in (repo / "src/ledger/api/views.py").read_text()


def test_broken_latin1_empty_and_nul_files(tmp_path):
    repo = make_repo(
        tmp_path / "mixed",
        {
            "app/__init__.py": "",
            "app/broken.py": DOC + "def oops(:\n    pass\n",
            "app/latin.py": '# -*- coding: latin-1 -*-\n"""Caf\xe9."""\n'.encode("latin-1"),
            "app/nul.py": b'"""M."""\nx = 1\x00\n',
            "app/relative.py": DOC + "from . import latin\n",
        },
    )
    result = run_reviewbot(repo, "scan", "--format", "json")
    assert findings(result) == [
        ("RB000", "app/broken.py", 2),
        ("RB001", "app/nul.py", 2),
        ("RB101", "app/relative.py", 2),
    ]
    assert result.code == 1


def test_plain_directory_without_git(tmp_path):
    project = tmp_path / "plain"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "mod.py").write_text(DOC + "from . import other\n")
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / ".venv" / "lib" / "site.py").write_text("from . import x\n")
    result = run_reviewbot(project, "scan", "--format", "json")
    assert findings(result) == [("RB101", "pkg/mod.py", 2)]


def test_text_output_and_summary(flat):
    result = run_reviewbot(flat, "scan")
    lines = result.stdout.splitlines()
    assert lines[0] == "shop_api/orders.py:2:1: RB101 [error] relative import `.models`: use `shop_api.models` [*]"
    assert "\033[" not in result.stdout
    assert "Found 3 findings in 6 files (3 errors)." in result.stdout
    assert '      1  RB101 [*] relative-import                 "Use absolute imports with @ alias for all internal modules"' in lines
    assert lines[-1] == "[*] 2 fixable with `reviewbot scan --fix`."
    quiet = run_reviewbot(flat, "scan", "--quiet")
    assert quiet.stdout.splitlines() == lines[:3]
    # Only errors here: --show error lists them all, and --show rejects what is no severity.
    assert run_reviewbot(flat, "scan", "--show", "error").stdout == result.stdout
    assert run_reviewbot(flat, "scan", "--show", "fatal").code == 2


def test_fail_on_and_clean_repository(flat, tmp_path):
    assert run_reviewbot(flat, "scan", "--fail-on", "never").code == 0
    # Ruff's and pylint's spellings: --exit-zero, --output-format.
    spelled = run_reviewbot(flat, "scan", "--exit-zero", "--output-format", "json")
    assert spelled.code == 0 and json.loads(spelled.stdout)["findings"]
    assert run_reviewbot(flat, "scan", "--ignore", "RB1,RB3").code == 0
    assert run_reviewbot(flat, "scan", "--select", "RB4").code == 0
    # --show never hides what fails the gate.
    informed = make_repo(tmp_path / "informed", {"app/__init__.py": "", "app/core.py": "VALUE = 1\n"})
    hidden = run_reviewbot(informed, "scan", "--show", "error")
    assert hidden.code == 0 and "RB401" not in hidden.stdout.splitlines()[0]
    gated = run_reviewbot(informed, "scan", "--show", "error", "--fail-on", "info")
    assert gated.code == 1 and gated.stdout.startswith("app/core.py:1:1: RB401 [info]")
    clean = make_repo(tmp_path / "clean", {"app/__init__.py": "", "app/core.py": DOC})
    result = run_reviewbot(clean, "scan")
    assert result.code == 0
    assert result.stdout == "All checks passed (2 files scanned).\n"


def test_warnings_fail_the_gate_only_when_asked(tmp_path):
    # RB103 is a warning: it fails the gate only at --fail-on warning.
    repo = make_repo(tmp_path / "warn", {"app/__init__.py": "", "app/core.py": '"""Core."""\nimport sys\n\nsys.path.insert(0, "lib")\n'})
    assert run_reviewbot(repo, "scan").code == 0
    assert run_reviewbot(repo, "scan", "--fail-on", "warning").code == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("comments:\n  min-lenes: 3\n", "comments.min-lenes: unknown key (did you mean 'min-lines'?)"),
        ("comments:\n  min-lines: ten\n", "comments.min-lines: expected an integer, got 'ten'"),
        ("selcet: [RB1]\n", "selcet: unknown key (did you mean 'select'?)"),
        ("select: [RB999]\n", "select[0]: unknown rule 'RB999'"),
        ("severity:\n  RB101: fatal\n", "severity.RB101: unknown severity 'fatal'"),
        ("fail-on: sometimes\n", "fail-on: expected one of error, warning, info, never, got 'sometimes'"),
        ("packs: [frontend]\n", "packs[0]: unknown pack 'frontend' (available: backend-engineer)"),
        ("exclude: build/\n", "exclude: expected a list of strings, got 'build/'"),
        ("select: [RB1\n", "invalid YAML"),
    ],
)
def test_config_errors_exit_2_and_name_the_key(flat, config, message):
    (flat / ".reviewbot.yml").write_text(config)
    result = run_reviewbot(flat, "scan")
    assert result.code == 2
    assert message in result.stderr
    assert result.stderr.startswith("reviewbot: error: .reviewbot.yml")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_pyproject_config_is_read_and_validated(flat):
    pyproject = flat / "pyproject.toml"
    pyproject.write_text(FLAT["pyproject.toml"] + '\n[tool.reviewbot]\nignore = ["RB102"]\n[tool.reviewbot.severity]\nRB101 = "warning"\n')
    result = run_reviewbot(flat, "scan", "--format", "json")
    report = json.loads(result.stdout)
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("RB101", "warning"), ("RB302", "error")]
    # With both files, .reviewbot.yml wins.
    (flat / ".reviewbot.yml").write_text("select: [RB302]\n")
    assert [f["rule"] for f in json.loads(run_reviewbot(flat, "scan", "--format", "json").stdout)["findings"]] == ["RB302"]
    (flat / ".reviewbot.yml").unlink()
    pyproject.write_text(FLAT["pyproject.toml"] + '\n[tool.reviewbot]\nfail_on = "error"\n')
    result = run_reviewbot(flat, "scan")
    assert result.code == 2
    assert "pyproject.toml [tool.reviewbot]: fail_on: unknown key (did you mean 'fail-on'?)" in result.stderr


def test_exclude_and_per_file_ignores_from_config(flat):
    (flat / ".reviewbot.yml").write_text("exclude: ['shop_api/orders.py']\n")
    assert run_reviewbot(flat, "scan").code == 0
    (flat / ".reviewbot.yml").write_text("per-file-ignores:\n  'shop_api/*.py': [RB101, RB3]\n")
    assert findings(run_reviewbot(flat, "scan", "--format", "json")) == [("RB102", "shop_api/orders.py", 3)]


def test_command_line_errors_exit_2(flat):
    result = run_reviewbot(flat, "scan", "--select", "RB9")
    assert (result.code, result.stderr.strip()) == (2, "reviewbot: error: --select[0]: unknown rule 'RB9' (did you mean 'RB209'?)")
    missing = run_reviewbot(flat, "scan", "nowhere.py")
    assert missing.code == 2 and "nowhere.py: no such file or directory" in missing.stderr
    assert run_reviewbot(flat, "scan", "--format", "xml").code == 2


def test_sarif_output_validates_against_the_official_schema(flat):
    result = run_reviewbot(flat, "scan", "--format", "sarif", "--output", "report.sarif")
    assert result.code == 1 and result.stdout == ""
    log = json.loads((flat / "report.sarif").read_text())
    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["RB101", "RB102", "RB302"]
    assert run["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {"text": "shop_api.models"}
    rule = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert rule["id"] == "RB101" and rule["properties"]["quote"].startswith("Use absolute imports")


def test_github_workflow_commands(flat):
    result = run_reviewbot(flat, "scan", "--format", "github")
    first = result.stdout.splitlines()[0]
    assert first == (
        "::error file=shop_api/orders.py,line=2,endLine=2,col=1,endColumn=26,title=RB101::"
        "relative-import: relative import `.models`: use `shop_api.models`"
        '%0AAgent rule: "Use absolute imports with @ alias for all internal modules"'
    )


def test_output_is_byte_identical_across_runs(flat):
    first = run_reviewbot(flat, "scan", "--format", "json").stdout
    assert first == run_reviewbot(flat, "scan", "--format", "json").stdout


def test_rules_and_explain(flat):
    listing = run_reviewbot(flat, "rules")
    assert listing.code == 0
    assert any(line.startswith("RB201  unguarded-external-call") for line in listing.stdout.splitlines())
    explained = run_reviewbot(flat, "explain", "rb201")
    assert explained.code == 0
    assert 'Agent rule: "Integrate external APIs with proper error handling and rate limiting"' in explained.stdout
    assert "Use instead" in explained.stdout and "What it does" in explained.stdout
    assert run_reviewbot(flat, "explain", "missing-timeout").stdout.startswith("RB205 missing-timeout")
    unknown = run_reviewbot(flat, "explain", "RB2O1")
    assert unknown.code == 2 and "did you mean 'RB201'?" in unknown.stderr


def test_python_dash_m_runs_the_same_cli(flat):
    process = subprocess.run([sys.executable, "-m", "reviewbot", "scan", "--format", "json"], cwd=flat, capture_output=True, text=True)
    assert process.returncode == 1 and len(json.loads(process.stdout)["findings"]) == 3


def test_help_explains_exit_codes_and_suppression(flat):
    result = run_reviewbot(flat, "scan", "--help")
    assert "exit status: 0 = no finding at or above --fail-on" in result.stdout
    assert "# reviewbot: ignore[RB101]" in result.stdout


def test_untracked_files_are_scanned_and_gitignored_ones_are_not(flat):
    (flat / "shop_api" / "new.py").write_text(DOC + "from . import models\n")
    git(flat, "status")
    result = findings(run_reviewbot(flat, "scan", "--format", "json"))
    assert ("RB101", "shop_api/new.py", 2) in result
    assert not [f for f in result if f[1].startswith("ignored/")]


def _on_a_terminal(cwd: Path, env: dict[str, str]) -> bytes:
    """What ``reviewbot scan`` writes when its standard output is a terminal."""
    return on_a_terminal([shutil.which("reviewbot"), "scan"], cwd, env)


def test_colour_only_on_a_terminal_and_never_with_no_color(flat):
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    assert b"\033[31mRB101 [error]\033[0m" in _on_a_terminal(flat, env)
    assert b"\033[" not in _on_a_terminal(flat, {**env, "NO_COLOR": "1"})
    assert "\033[" not in run_reviewbot(flat, "scan").stdout
    # FORCE_COLOR (a CI log) paints the text report, but not other formats, files, or under NO_COLOR.
    assert "\033[31mRB101 [error]\033[0m" in run_reviewbot(flat, "scan", env={"FORCE_COLOR": "1"}).stdout
    assert "\033[" not in run_reviewbot(flat, "scan", "--format", "json", env={"FORCE_COLOR": "1"}).stdout
    assert "\033[" not in run_reviewbot(flat, "scan", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_one_pathological_file_does_not_stop_the_scan(tmp_path):
    # Each of these would crash LibCST's native parser (the whole process) if it were parsed.
    repo = make_repo(
        tmp_path / "deep",
        {
            "app/__init__.py": "",
            "app/chain.py": "x = " + " + ".join(['"a"'] * 9000) + "\n",
            "app/lines.py": "x = (\n" + " +\n".join(["1"] * 9000) + "\n)\n",
            "app/nested.py": "x = " + "[" * 1500 + "]" * 1500 + "\n",
            "app/fine.py": DOC + "from . import chain\n",
        },
    )
    result = run_reviewbot(repo, "scan", "--format", "json")
    assert findings(result) == [
        ("RB000", "app/chain.py", 1),
        ("RB101", "app/fine.py", 2),
        ("RB000", "app/lines.py", 1),
        ("RB000", "app/nested.py", 1),
    ]


def test_sarif_uris_are_percent_encoded(tmp_path):
    repo = make_repo(tmp_path / "odd", {"app/__init__.py": "", "app/my file#1.py": DOC + "from . import x\n"})
    log = json.loads(run_reviewbot(repo, "scan", "--format", "sarif").stdout)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/my%20file%231.py"
    jsonschema.validate(log, json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text()))


def test_gitlab_code_quality_report_has_gitlabs_fields(flat):
    result = run_reviewbot(flat, "scan", "--format", "gitlab", "--fail-on", "never")
    report = json.loads(result.stdout)
    jsonschema.validate(report, json.loads((Path(__file__).parent / "data" / "gitlab-code-quality-schema.json").read_text()))
    assert report and len({issue["fingerprint"] for issue in report}) == len(report)
    assert {issue["severity"] for issue in report} <= {"major", "minor", "info"}
    assert all(issue["description"].startswith(issue["check_name"].split()[0] + " ") for issue in report)


def test_markdown_summary(flat):
    result = run_reviewbot(flat, "scan", "--format", "markdown")
    lines = result.stdout.splitlines()
    assert lines[:4] == ["<!-- reviewbot:summary -->", "## reviewbot", "", ":x: **Gate failed**: 3 findings at or above `error`."]
    assert "3 findings in 6 scanned files: :x: 3 errors." in lines
    assert "| `RB101` | relative-import | 1 | “Use absolute imports with &#64; alias for all internal modules” |" in lines
    assert "- :x: `shop_api/orders.py:2` **RB101** relative import `.models`: use `shop_api.models`" in lines
    clean = run_reviewbot(flat, "scan", "--format", "markdown", "--fail-on", "never", "--select", "RB4")
    assert clean.stdout.splitlines()[3] == "Gate: off (`--fail-on never`), 0 findings."
