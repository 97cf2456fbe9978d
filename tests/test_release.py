"""Compatibility across releases: a finding that remains keeps 0.1.0's fingerprint, so baselines
and posted review comments keep working after an upgrade."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reviewbot import __version__
from reviewbot.project import find_root, load_settings
from reviewbot.session import Request, run
from tests.conftest import git

DATA = Path(__file__).parent / "data"


def test_findings_that_remain_keep_their_fingerprints(tmp_path):
    # tests/data/release scanned by reviewbot 0.1.0 with `scan --select RB --format json`.
    recorded = {(f["rule"], f["path"], f["line"], f["column"]): f for f in json.loads((DATA / "fingerprints-0.1.0.json").read_text())["findings"]}
    repo = shutil.copytree(DATA / "release", tmp_path / "repo")
    git(repo, "init", "-q")
    root, _ = find_root(repo)
    settings = load_settings(root, select=["RB"])
    found = run(Request(root=root, settings=settings, cache=False, jobs=1)).findings
    same = [f for f in found if (f.rule, f.path, f.line, f.column) in recorded]
    assert len(same) >= len(recorded) - 2, sorted(recorded.keys() - {(f.rule, f.path, f.line, f.column) for f in found})
    for finding in same:
        old = recorded[(finding.rule, finding.path, finding.line, finding.column)]
        assert (finding.fingerprint, finding.group) == (old["fingerprint"], old["group"]), finding


def test_the_changelog_names_this_release():
    changelog = (DATA.parent.parent / "CHANGELOG.md").read_text()
    assert changelog.startswith(f"# Changelog\n\n## {__version__}\n")
