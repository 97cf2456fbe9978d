"""The rule registry: status, moved ids, and a team's own rules from an installed distribution."""

from __future__ import annotations

import logging
import sys
import textwrap
from pathlib import Path

import pytest

from reviewbot import checks
from reviewbot.checks.base import Rule
from reviewbot.config import build_settings
from reviewbot.engine import scan_source
from reviewbot.errors import ConfigError
from reviewbot.validate import rule_ids

from tests.conftest import make_repo, run_reviewbot

NO_ASSERT = '''
import libcst as cst

from reviewbot.checks.base import Rule


class NoAssert(Rule):
    id = "ACME1"
    name = "no-assert"
    summary = "assert in service code"
    why = "python -O strips asserts: a check that must hold raises an error of ours."

    def visit_Assert(self, node: cst.Assert) -> None:
        self.report(node, "assert in service code: raise an error python -O cannot strip")


class TryingOut(Rule):
    id = "ACME2"
    name = "trying-out"
    summary = "a rule still being tried"
    why = "Preview."
    status = "preview"

    def visit_Pass(self, node: cst.Pass) -> None:
        self.report(node, "pass")
'''


def make_plugin(where: Path, code: str = NO_ASSERT, entry: str = "rules = acme_rules", name: str = "acme-rules") -> Path:
    """An installed distribution as importlib.metadata finds one on sys.path: a package and its dist-info."""
    package = name.replace("-", "_")
    (where / package).mkdir(parents=True)
    (where / package / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = where / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    if entry:
        (info / "entry_points.txt").write_text(f"[reviewbot.rules]\n{entry}\n", encoding="utf-8")
    return where


@pytest.fixture
def on_path(tmp_path, monkeypatch):
    """Plugins made under a directory on sys.path; the registry and sys.modules as they were, after."""
    rules, options, installed = dict(checks.RULES), dict(checks.OPTIONS), dict(checks.INSTALLED)
    modules = set(sys.modules)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield tmp_path / "site"
    for table, saved in ((checks.RULES, rules), (checks.OPTIONS, options), (checks.INSTALLED, installed)):
        table.clear()
        table.update(saved)
    for module in set(sys.modules) - modules:
        del sys.modules[module]


def test_a_named_plugins_rules_run_as_warnings(on_path):
    make_plugin(on_path)
    settings = build_settings({"plugins": ["acme-rules"]})
    # The stable rule runs; the preview one waits to be selected by its id.
    assert "ACME1" in settings.selected and "ACME2" not in settings.selected
    assert settings.specs["ACME1"].severity.label == "warning"
    found = scan_source("app/service.py", b"def f(x):\n    assert x\n    pass\n", settings)
    assert [(f.rule, f.line, f.message) for f in found if f.rule.startswith("ACME")] == [("ACME1", 2, "assert in service code: raise an error python -O cannot strip")]
    # Known to the cache key: another plugin version is another digest.
    assert settings.plugins["acme-rules"].startswith("1.0 acme_rules:")
    assert settings.digest != build_settings({}).digest


def test_a_plugin_is_loaded_only_when_the_config_names_it(on_path):
    make_plugin(on_path)
    assert "ACME1" not in build_settings({}).specs
    with pytest.raises(ConfigError, match=r"select\[0\]: unknown rule 'ACME1'"):
        build_settings({"select": ["ACME1"]})


@pytest.mark.parametrize(
    ("config", "selected"),
    [
        ({"select": ["ACME"]}, {"ACME1"}),
        ({"select": ["ACME2"]}, {"ACME2"}),
        ({"extend-select": ["ACME2"]}, {"ACME1", "ACME2"}),
        ({"ignore": ["ACME"]}, set()),
        ({"severity": {"ACME1": "error"}, "select": ["ACME1"]}, {"ACME1"}),
    ],
)
def test_selection_of_plugin_rules_and_preview_status(on_path, config, selected):
    make_plugin(on_path)
    settings = build_settings({"plugins": ["acme-rules"], **config})
    assert {rule for rule in settings.selected if rule.startswith("ACME")} == selected


def test_plugin_severity_from_the_config(on_path):
    make_plugin(on_path)
    assert build_settings({"plugins": ["acme-rules"], "severity": {"ACME1": "error"}}).specs["ACME1"].severity.label == "error"


@pytest.mark.parametrize(
    ("code", "entry", "message"),
    [
        (NO_ASSERT, "", r"plugins\[0\]: acme-rules declares no rules \(no entry point in the 'reviewbot.rules' group\)"),
        ("raise ImportError('no libfoo')", "rules = acme_rules", r"entry point acme_rules cannot be loaded: ImportError: no libfoo"),
        (NO_ASSERT.replace('"ACME1"', '"RB901"'), "rules = acme_rules", r"rule id 'RB901' must be 2-8 capital letters then digits, and not start with RB"),
        (NO_ASSERT.replace('"ACME1"', '"acme1"'), "rules = acme_rules", r"rule id 'acme1' must be"),
        (NO_ASSERT.replace('"ACME1"', '"ACME2"'), "rules = acme_rules", r"declares ACME2, which acme_rules declares too"),
        (NO_ASSERT.replace('status = "preview"', 'status = "beta"'), "rules = acme_rules", r"ACME2 has status 'beta'; expected one of stable, preview, deprecated"),
        ("VALUE = 1", "rules = acme_rules:VALUE", r"declares 1, which is not a reviewbot Rule class"),
    ],
    ids=["no-entry-point", "import-fails", "reviewbots-prefix", "lower-case-id", "one-id-twice", "unknown-status", "not-a-rule"],
)
def test_a_plugin_reviewbot_cannot_take_is_a_config_error_naming_it(on_path, code, entry, message):
    make_plugin(on_path, code, entry)
    with pytest.raises(ConfigError, match=message):
        build_settings({"plugins": ["acme-rules"]}, ".reviewbot.yml")


def test_a_plugin_that_is_not_installed():
    with pytest.raises(ConfigError, match=r"\.reviewbot\.yml: plugins\[0\]: no distribution 'acme-nothing' is installed where reviewbot runs"):
        build_settings({"plugins": ["acme-nothing"]}, ".reviewbot.yml")


def test_a_moved_id_stands_for_its_new_one(monkeypatch, caplog):
    monkeypatch.setitem(checks.REDIRECTS, "RB199", "RB101")
    with caplog.at_level(logging.WARNING):
        assert rule_ids("select", ["RB199", "rb2"]) == ["RB101", "RB2"]
    assert "select[0]: RB199 is now RB101; write the new id" in caplog.text
    assert "RB101" in build_settings({"select": ["RB199"]}).selected


def test_a_deprecated_rule_runs_and_says_so_when_named(monkeypatch, caplog):
    monkeypatch.setattr(checks.RULES["RB802"], "status", "deprecated")
    with caplog.at_level(logging.WARNING):
        assert "RB802" in build_settings({"select": ["RB802"]}).selected
    assert "select[0]: RB802 is deprecated" in caplog.text


def test_a_built_in_rule_no_pack_names_runs_only_when_selected(monkeypatch):
    class Unpacked(Rule):
        id = "RB899"
        name = "unpacked"
        summary = why = "a rule without a pack entry"

    monkeypatch.setitem(checks.RULES, "RB899", Unpacked)
    monkeypatch.setattr(checks, "BUILT_IN", checks.BUILT_IN | {"RB899"})
    import reviewbot.config

    monkeypatch.setattr(reviewbot.config, "BUILT_IN", checks.BUILT_IN)
    assert "RB899" not in build_settings({}).selected
    assert "RB899" in build_settings({"extend-select": ["RB899"]}).selected


@pytest.mark.slow
def test_a_plugin_through_the_installed_console_script(installed, tmp_path):
    site = make_plugin(tmp_path / "site")
    repo = make_repo(tmp_path / "repo", {".reviewbot.yml": "plugins: [acme-rules]\n", "app/__init__.py": "", "app/job.py": "def run(done: bool) -> None:\n    assert done\n"})
    env = {"PYTHONPATH": str(site)}
    done = run_reviewbot(repo, "scan", "--no-cache", installed=installed, env=env)
    assert done.code == 0, done.stderr
    assert "app/job.py:2:5: ACME1 [warning] assert in service code: raise an error python -O cannot strip" in done.stdout
    # Workers (and the gate) see the rule too: as an error it fails the run.
    (repo / ".reviewbot.yml").write_text("plugins: [acme-rules]\nseverity: {ACME1: error}\n", encoding="utf-8")
    assert run_reviewbot(repo, "scan", "--no-cache", "--jobs", "2", installed=installed, env=env).code == 1
    assert "ACME1  no-assert" in run_reviewbot(repo, "rules", installed=installed, env=env).stdout
    explained = run_reviewbot(repo, "explain", "ACME1", installed=installed, env=env)
    assert explained.code == 0 and "python -O strips asserts" in explained.stdout
    # Without the distribution, the config is refused with the key named.
    missing = run_reviewbot(repo, "scan", installed=installed)
    assert missing.code == 2 and "plugins[0]: no distribution 'acme-rules' is installed" in missing.stderr


def test_rules_and_explain_show_a_rules_status(on_path):
    from reviewbot.docs import explain, rules_text

    make_plugin(on_path)
    settings = build_settings({"plugins": ["acme-rules"]})
    listed = rules_text(settings).splitlines()
    acme1 = next(line for line in listed if line.startswith("ACME1 "))
    acme2 = next(line for line in listed if line.startswith("ACME2 "))
    assert acme1.split() == ["ACME1", "no-assert", "warning"]
    assert acme2.split("  ")[0] == "ACME2" and "trying-out" in acme2 and "warning, off by default, preview" in acme2
    # Every column starts at the same place on every line, however long the cells.
    quotes = {line.index('"') for line in listed if '"' in line}
    start = acme1.index("warning")
    assert len(quotes) == 1 and all(line[start - 2 : start] == "  " and line[start] != " " for line in listed)
    assert "Preview: runs only when a config or --select names ACME2 itself." in explain(settings.specs["ACME2"], settings)


def test_every_packs_phrases_compile_and_a_broken_one_names_its_key():
    import dataclasses
    import re

    import pytest

    from reviewbot.errors import ConfigError
    from reviewbot.packs import available_packs, load_pack

    # Compiled when agent files are first read, not when a pack loads: this suite compiles them all.
    for name in available_packs():
        pack = load_pack(name)
        assert set(pack.recognise) == set(pack.phrases)
        assert all(pattern.flags & re.IGNORECASE for phrases in pack.recognise.values() for pattern in phrases.wants)
    pack = load_pack(available_packs()[0])
    broken = dataclasses.replace(pack, phrases={"RB101": {"wants": ("absolute (imports",)}})
    with pytest.raises(ConfigError, match=r"recognise\.RB101\.wants\[0\]: not a valid regular expression"):
        broken.recognise
