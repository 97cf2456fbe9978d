"""Baselines: a legacy repository adopts reviewbot and from then on sees only new findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git, make_repo, run_main

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

# Each legacy function has 4 findings (RB301, RB302, RB401, RB201) plus RB205: 5 per function.
LEGACY_FUNCTION = "def handler_{n}(request):\n    return requests.get(request)\n\n\n"


def legacy_source(count: int) -> str:
    return "import requests\n\n\n" + "".join(LEGACY_FUNCTION.format(n=n) for n in range(count))


def test_baseline_then_one_new_violation_and_shifted_code(tmp_path: Path):
    repo = make_repo(tmp_path / "legacy", {"app/__init__.py": "", "app/views.py": legacy_source(25)})
    recorded = run_main(repo, "baseline")
    assert recorded.code == 0
    baseline = json.loads((repo / ".reviewbot-baseline.json").read_text())
    assert len(baseline["findings"]) >= 75
    assert run_main(repo, "scan", "--baseline", ".reviewbot-baseline.json").code == 0

    # Thirty new lines above the legacy code shift every finding down, and one new violation appears.
    views = repo / "app/views.py"
    shifted = '"""Views."""\n' + "".join(f"# note {n}\n" for n in range(29)) + views.read_text()
    views.write_text(shifted.replace("import requests\n", "import requests\nfrom . import helpers\n", 1))
    result = run_main(repo, "scan", "--format", "json", "--baseline", ".reviewbot-baseline.json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("RB101", 32)]
    assert result.code == 1


def test_config_baseline_and_update_baseline_prunes_fixed_entries(tmp_path: Path):
    repo = make_repo(tmp_path / "legacy", {"app/__init__.py": "", "app/views.py": legacy_source(2), "app/other.py": "from . import views\n"})
    run_main(repo, "baseline", "--output", "known.json")
    (repo / ".reviewbot.yml").write_text("baseline: known.json\n")
    assert run_main(repo, "scan").code == 0
    before = len(json.loads((repo / "known.json").read_text())["findings"])

    (repo / "app/other.py").write_text("import app.views\n")
    # Only app/other.py is scanned: the entries of app/views.py must survive the update.
    result = run_main(repo, "scan", "app/other.py", "--update-baseline")
    assert (result.code, result.stdout) == (0, "All checks passed (1 file scanned).\n")
    assert "removed 1 fixed finding from" in result.stderr
    after = json.loads((repo / "known.json").read_text())["findings"]
    assert len(after) == before - 1
    assert ("RB101", "app/other.py") not in {(entry["rule"], entry["path"]) for entry in after}
    assert any(entry["path"] == "app/views.py" for entry in after)


def test_bad_baseline_files_are_config_errors(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": ""})
    (repo / "broken.json").write_text("{not json")
    result = run_main(repo, "scan", "--baseline", "broken.json")
    assert result.code == 2 and "broken.json: not a reviewbot baseline" in result.stderr
    missing = run_main(repo, "scan", "--baseline", "missing.json")
    assert missing.code == 2 and "missing.json: cannot read baseline" in missing.stderr
    assert "--update-baseline needs a baseline" in run_main(repo, "scan", "--update-baseline").stderr


def test_a_copied_line_in_a_change_is_one_new_finding_on_the_added_copy(tmp_path: Path):
    lines = "x = 1\nfrom . import a1\ny = 2\nfrom . import a1\n"
    # RB101 asked for everywhere: the file's own relative imports do not make it its style.
    config = "imports:\n  style: absolute\n"
    repo = make_repo(tmp_path / "repeat", {"app/__init__.py": "", "app/m.py": '"""M."""\n' + lines, ".reviewbot.yml": config})
    run_main(repo, "baseline", "--output", "base.json")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app/m.py").write_text('"""M."""\nfrom . import a1\n' + lines)
    git(repo, "commit", "-qam", "copy")
    result = run_main(repo, "scan", "--format", "json", "--diff", "main", "--baseline", "base.json")
    assert [(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]] == [("RB101", 2)]


def test_update_baseline_keeps_what_the_run_could_not_see_and_forgets_deleted_files(tmp_path: Path):
    repo = make_repo(tmp_path / "prune", {"app/__init__.py": "", "app/views.py": legacy_source(1), "app/gone.py": "from . import views\n"})
    run_main(repo, "baseline")
    entries = json.loads((repo / ".reviewbot-baseline.json").read_text())["findings"]
    # A run limited to some rules, or a file that no longer parses, says nothing about the rest.
    run_main(repo, "scan", "--select", "RB101", "--baseline", ".reviewbot-baseline.json", "--update-baseline")
    (repo / "app/views.py").write_text(legacy_source(1) + "def (\n")
    run_main(repo, "scan", "--baseline", ".reviewbot-baseline.json", "--update-baseline")
    assert len(json.loads((repo / ".reviewbot-baseline.json").read_text())["findings"]) == len(entries)
    # A deleted file's entries go on a full run.
    (repo / "app/views.py").write_text(legacy_source(1))
    (repo / "app/gone.py").unlink()
    result = run_main(repo, "scan", "--baseline", ".reviewbot-baseline.json", "--update-baseline")
    assert "removed 2 fixed findings" in result.stderr
    assert all(entry["path"] == "app/views.py" for entry in json.loads((repo / ".reviewbot-baseline.json").read_text())["findings"])


def test_baseline_output_in_a_missing_directory_is_a_clear_error(tmp_path: Path):
    repo = make_repo(tmp_path / "out", {"app/__init__.py": ""})
    result = run_main(repo, "baseline", "--output", "nodir/b.json")
    assert result.code == 2 and "nodir/b.json: cannot write baseline" in result.stderr


def test_baseline_names_itself_in_the_config_so_a_plain_scan_reads_it(tmp_path: Path):
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/core.py": "from . import models\n"})
    assert run_main(repo, "scan").code == 1
    written = run_main(repo, "baseline")
    assert written.code == 0 and '.reviewbot.yml now names it (`baseline: ".reviewbot-baseline.json"`)' in written.stdout
    assert (repo / ".reviewbot.yml").read_text() == 'baseline: ".reviewbot-baseline.json"\n'
    assert run_main(repo, "scan").code == 0
    # Named already: nothing more to say.
    assert run_main(repo, "baseline").stdout.count("reviewbot:") == 1
    # A flow-style config is left as it was, with the line to write; pyproject.toml gets the line to add.
    (repo / ".reviewbot.yml").write_text("{fail-on: error}\n")
    flow = run_main(repo, "baseline")
    assert 'write `baseline: ".reviewbot-baseline.json"`' in flow.stdout
    assert (repo / ".reviewbot.yml").read_text() == "{fail-on: error}\n"
    (repo / ".reviewbot.yml").unlink()
    (repo / "pyproject.toml").write_text('[tool.reviewbot]\nfail-on = "error"\n')
    toml = run_main(repo, "baseline")
    assert 'add `baseline = ".reviewbot-baseline.json"` to [tool.reviewbot] in pyproject.toml' in toml.stdout
    assert (repo / "pyproject.toml").read_text() == '[tool.reviewbot]\nfail-on = "error"\n'
    (repo / "pyproject.toml").unlink()
    # A config with Windows line endings keeps them; one outside the repository is never edited;
    # with --output the line is only said.
    (repo / ".reviewbot.yml").write_bytes(b"# shared settings\r\nfail-on: error\r\n")
    run_main(repo, "baseline")
    assert (repo / ".reviewbot.yml").read_bytes() == b'# shared settings\r\nfail-on: error\r\nbaseline: ".reviewbot-baseline.json"\r\n'
    shared = tmp_path / "shared.yml"
    shared.write_text("fail-on: error\n")
    outside = run_main(repo, "baseline", "--config", str(shared))
    assert outside.code == 0 and f"in {shared}" in outside.stdout and shared.read_text() == "fail-on: error\n"
    (repo / ".reviewbot.yml").unlink()
    said = run_main(repo, "baseline", "--output", "legacy.json")
    assert 'write `baseline: "legacy.json"`' in said.stdout and not (repo / ".reviewbot.yml").exists()
