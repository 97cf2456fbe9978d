"""Checks a config writes (``checks:``): each kind against code it must and must not flag, the
config errors, and the check as a rule wherever rules go: suppression comments, selection,
severities, the statement it enforces, reports, workers and the cache, changed-lines mode."""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reviewbot import checks
from reviewbot.baseline import write as write_baseline
from reviewbot.cli import main
from reviewbot.config import build_settings
from reviewbot.engine import scan_source
from reviewbot.errors import ConfigError
from reviewbot.project import find_root, load_settings, settings_from
from reviewbot.report.base import Run
from reviewbot.report.registry import renderer
from reviewbot.session import Request, run
from reviewbot.trusted import read_trusted
from reviewbot.validate import known_checks, rule_ids
from reviewbot.written import WrittenRule, register, rule_class, run_examples
from tests.conftest import EXAMPLE_PROJECT, git, lines_of, make_repo, run_main, settings

ID = "no-session-commit"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
COMMIT = {"id": ID, "kind": "forbid-call", "calls": ["*.session.commit"], "message": "commit belongs to the request's unit of work"}
AGENTS = "# Rules\n\n## Prohibited\n\n- Never call `session.commit()` in service code:\n  the request owns the transaction.\n- Do not print.\n"


@pytest.fixture(autouse=True)
def registry():
    """Each test's checks leave the registry as they found it."""
    yield
    register(())


def check_config(*entries: dict[str, Any], **config: Any) -> dict[str, Any]:
    """A config with ``entries`` as its checks (each with a message unless it says one)."""
    return {"checks": [{"message": "m", **entry} for entry in entries], **config}


def found(code: str, config: dict[str, Any], path: str = "app/service.py", rule: str = ID) -> list[int]:
    """The lines ``rule`` flags in ``code``."""
    return lines_of(scan_source(path, code.encode(), settings(config)), rule)


# (the check without id and message, the file, its code, the lines flagged)
CASES = [
    # forbid-call: `*.` is any receiver, one name or more, or an expression.
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "self.session.commit()\n", [1]),
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "db.session.commit()\n", [1]),
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "self.db.session.commit()\n", [1]),
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "get_db().session.commit()\n", [1]),
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "session.commit()\ncommit()\nself.session.flush()\n", []),
    ({"kind": "forbid-call", "calls": ["*.session.commit"]}, "app/service.py", "from app.db import session\nsession.commit()\n", [2]),
    # A qualified name, however the module is imported.
    ({"kind": "forbid-call", "calls": ["requests.get"]}, "app/service.py", "import requests\nrequests.get(url)\n", [2]),
    ({"kind": "forbid-call", "calls": ["requests.get"]}, "app/service.py", "import requests as r\nr.get(url)\n", [2]),
    ({"kind": "forbid-call", "calls": ["requests.get"]}, "app/service.py", "from requests import get\nget(url)\n", [2]),
    ({"kind": "forbid-call", "calls": ["requests.get"]}, "app/service.py", "import requests\nrequests.post(url)\nclient.get(url)\nget(url)\n", []),
    # `*` after the first name is one name: `requests.Session()` is a call of `requests.*`, its `.get` not.
    ({"kind": "forbid-call", "calls": ["requests.*"]}, "app/service.py", "import requests\nrequests.post(url)\nrequests.Session().get(url)\n", [2, 3]),
    # A bare name: that name called, not a method of the same name.
    ({"kind": "forbid-call", "calls": ["eval"]}, "app/service.py", "eval(text)\nast.eval(text)\n", [1]),
    # forbid-import: the module or one inside it, however imported.
    ({"kind": "forbid-import", "modules": ["requests"]}, "app/service.py", "import requests\nimport requests.adapters\n", [1, 2]),
    ({"kind": "forbid-import", "modules": ["requests"]}, "app/service.py", "from requests import get\nfrom requests.adapters import HTTPAdapter\n", [1, 2]),
    ({"kind": "forbid-import", "modules": ["requests"]}, "app/service.py", "import requests_oauthlib\nimport httpx\n", []),
    ({"kind": "forbid-import", "modules": ["app.db.session"]}, "app/service.py", "from app.db import session\nfrom app.db import engine\n", [1]),
    ({"kind": "forbid-import", "modules": ["app.db"]}, "app/services/orders.py", "from ..db import engine\nfrom .db import engine\n", [1]),
    # only-in: the calls and modules outside the allowed files, never inside them.
    ONLY_IN := ({"kind": "only-in", "calls": ["*.query", "*.execute"], "modules": ["sqlalchemy"], "allowed": ["**/repository.py", "**/repositories/**"]}, "app/service.py", "import sqlalchemy\ndb.query(User)\nconn.execute(sql)\n", [1, 2, 3]),
    (ONLY_IN[0], "app/repository.py", ONLY_IN[2], []),
    (ONLY_IN[0], "app/repositories/users.py", ONLY_IN[2], []),
    # forbid-expression: `_` is any expression; layout does not count.
    ({"kind": "forbid-expression", "pattern": "UserOrganization.user_id == _"}, "app/service.py", "q.filter(UserOrganization.user_id == user.id)\n", [1]),
    ({"kind": "forbid-expression", "pattern": "UserOrganization.user_id == _"}, "app/service.py", "ok = (UserOrganization.user_id)  ==  (\n    x  # who\n)\n", [1]),
    ({"kind": "forbid-expression", "pattern": "UserOrganization.user_id == _"}, "app/service.py", "UserOrganization.org_id == x\nUserOrganization.user_id != x\nx == UserOrganization.user_id\n", []),
    ({"kind": "forbid-expression", "pattern": "open(_, 'w')"}, "app/service.py", 'open(path, "w")\nopen(path, "r")\nopen(path)\nopen(path, "w", encoding="utf-8")\n', [1]),
    ({"kind": "forbid-expression", "pattern": "os.environ[_]"}, "app/service.py", "home = os.environ['HOME']\nhome = os.environ.get('HOME')\n", [1]),
    ({"kind": "forbid-expression", "pattern": "os.environ"}, "app/service.py", "import os.environ\nhome = os.environ.get('HOME')\nx.os.environ\n", [2]),
    ({"kind": "forbid-expression", "pattern": "DEBUG"}, "app/service.py", "print(DEBUG)\nsettings.DEBUG\nf(DEBUG=1)\ndef DEBUG(): pass\n", [1]),
]


@pytest.mark.parametrize(("entry", "path", "code", "lines"), CASES)
def test_each_kind_flags_what_it_says(entry, path, code, lines):
    assert found(code, check_config({"id": ID, **entry}, select=[ID]), path) == lines


def test_paths_and_exclude_choose_the_files():
    config = check_config({**COMMIT, "paths": ["app/**"], "exclude": ["app/migrations/**"]}, select=[ID])
    code = "db.session.commit()\n"
    assert [found(code, config, path) for path in ("app/service.py", "scripts/fix.py", "app/migrations/0001.py")] == [[1], [], []]


ERRORS = [
    ({"checks": {"id": ID}}, "checks: expected a list of checks"),
    ({"checks": ["no-commit"]}, "checks[0]: expected a mapping"),
    (check_config({**COMMIT, "calsl": []}), "checks[0].calsl: unknown key (did you mean 'calls'?)"),
    (check_config({"kind": "forbid-call", "calls": ["x"]}), "checks[0].id: missing; every check has an id, a kind and a message"),
    (check_config({**COMMIT, "id": "NoSessionCommit"}), "checks[0].id: 'NoSessionCommit' is not a check id"),
    (check_config({**COMMIT, "id": "rb101"}), "checks[0].id: 'rb101' is not a check id"),
    (check_config({**COMMIT, "id": "relative-import"}), "checks[0].id: 'relative-import' is the name of RB101; choose another id"),
    (check_config(COMMIT, {**COMMIT, "calls": ["*.commit"]}), "checks[1].id: 'no-session-commit' is the id of checks[0] too"),
    (check_config({**COMMIT, "kind": "forbid-calls"}), "checks[0].kind: unknown kind 'forbid-calls' (did you mean 'forbid-call'?)"),
    (check_config({"id": ID, "kind": "forbid-call"}), "checks[0].calls: required by a forbid-call check"),
    (check_config({"id": ID, "kind": "forbid-import", "modules": []}), "checks[0].modules: required by a forbid-import check"),
    (check_config({"id": ID, "kind": "only-in", "calls": ["*.query"]}), "checks[0].allowed: required by an only-in check"),
    (check_config({"id": ID, "kind": "only-in", "allowed": ["**/repository.py"]}), "checks[0].calls: an only-in check names calls or modules"),
    (check_config({"id": ID, "kind": "forbid-expression"}), "checks[0].pattern: required by a forbid-expression check"),
    (check_config({**COMMIT, "pattern": "x == _"}), "checks[0].pattern: a forbid-call check takes no pattern (it takes calls)"),
    (check_config({"id": ID, "kind": "forbid-expression", "pattern": "== x"}), "checks[0].pattern: '== x' is not a Python expression"),
    (check_config({"id": ID, "kind": "forbid-expression", "pattern": "_"}), "checks[0].pattern: `_` alone would match every expression"),
    (check_config({**COMMIT, "calls": ["requests..get"]}), "checks[0].calls[0]: 'requests..get' is not a call pattern"),
    (check_config({**COMMIT, "calls": ["*.*"]}), "checks[0].calls: a pattern of `*` alone would match every call"),
    (check_config({"id": ID, "kind": "forbid-import", "modules": ["requests/api"]}), "checks[0].modules[0]: 'requests/api' is not a dotted module name"),
    (check_config({**COMMIT, "severity": "fatal"}), "checks[0].severity: unknown severity 'fatal'"),
    (check_config({**COMMIT, "paths": "app/**"}), "checks[0].paths: expected a list of strings, got 'app/**'"),
    (check_config({**COMMIT, "message": " "}), "checks[0].message: empty"),
    (check_config({**COMMIT, "examples": {"bda": ["x"]}}), "checks[0].examples.bda: unknown key (did you mean 'bad'?)"),
    (check_config({**COMMIT, "examples": {"bad": "x"}}), "checks[0].examples.bad: expected a list of strings"),
    (check_config({**COMMIT, "enforces": "AGENTS.md"}), "checks[0].enforces: expected the statement's file and line, such as 'AGENTS.md:42'"),
    (check_config(COMMIT, select=["No-Session-Commit"]), "select[0]: unknown rule 'NO-SESSION-COMMIT' (did you mean 'no-session-commit'?)"),
    (check_config(COMMIT, ignore=["no-such-check"]), "ignore[0]: unknown rule 'no-such-check'"),
]


@pytest.mark.parametrize(("config", "message"), ERRORS)
def test_a_config_error_names_the_key(config, message):
    with pytest.raises(ConfigError, match="^" + re.escape(f".reviewbot.yml: {message}")):
        build_settings(config, ".reviewbot.yml")


@pytest.mark.parametrize(
    ("enforces", "message"),
    [
        ("AGENTS.md:99", "AGENTS.md has 7 lines; there is no line 99"),
        ("MISSING.md:1", "MISSING.md: no such file"),
        ("AGENTS.md:2", "no statement of AGENTS.md covers line 2"),
        ("app/service.py:1", "app/service.py is not an agent file"),
        ("../AGENTS.md:1", "'../AGENTS.md' is not a path inside the repository"),
    ],
)
def test_enforces_names_a_statement_of_an_agent_file(tmp_path, enforces, message):
    (tmp_path / "AGENTS.md").write_text(AGENTS)
    with pytest.raises(ConfigError, match=re.escape(f"checks[0].enforces: {message}")):
        build_settings(check_config({**COMMIT, "enforces": enforces}), agents_root=tmp_path)
    with pytest.raises(ConfigError, match=re.escape("checks[0].enforces: names a statement of the repository's agent files, and there is no repository here")):
        build_settings(check_config({**COMMIT, "enforces": "AGENTS.md:5"}))


def test_a_finding_quotes_the_statement_it_enforces(tmp_path):
    (tmp_path / "AGENTS.md").write_text(AGENTS)
    # The statement's second line is part of it: either line names it.
    config = check_config({**COMMIT, "enforces": "AGENTS.md:6", "severity": "error"}, select=[ID])
    checked = replace(build_settings(config, agents_root=tmp_path), project=EXAMPLE_PROJECT)
    [finding] = scan_source("app/service.py", b"db.session.commit()\n", checked)
    assert (finding.rule, finding.name, finding.severity.label, finding.message) == (ID, ID, "error", COMMIT["message"])
    assert finding.quote == "Never call `session.commit()` in service code: the request owns the transaction."
    assert finding.source == ("AGENTS.md", 6)
    assert checked.specs[ID].quote == finding.quote


def test_suppression_comments_name_the_check():
    config = check_config(COMMIT, select=[ID, "RB003"])
    assert found("db.session.commit()  # reviewbot: ignore[no-session-commit]\n", config) == []
    assert found("db.session.commit()  # reviewbot: ignore[RB101, no-session-commit]\n", config) == []
    # A bare `# noqa` silences every rule on its line, unless config `noqa: codes-only`.
    assert found("db.session.commit()  # noqa\n", config) == []
    assert found("db.session.commit()  # noqa\n", {**config, "noqa": "codes-only"}) == [1]
    # Another check's id, or one no check has, silences nothing and says so.
    assert found("db.session.commit()  # reviewbot: ignore[no-other-check]\n", config) == [1]
    unused = scan_source("app/service.py", b"x = 1  # reviewbot: ignore[no-session-commit]\ny = 2  # reviewbot: ignore[no-other-check]\n", settings(config))
    assert [(f.rule, f.line, f.message) for f in unused] == [
        ("RB003", 1, "suppression of no-session-commit suppressed nothing"),
        ("RB003", 2, "suppression of unknown rule no-other-check"),
    ]


@pytest.mark.parametrize(
    ("config", "selected"),
    [
        ({}, {"no-commit", "no-commit-here"}),
        ({"select": ["RB1"]}, set()),
        ({"select": ["RB1"], "extend-select": ["no-commit"]}, {"no-commit"}),
        # A check's id is never a prefix of another's.
        ({"ignore": ["no-commit"]}, {"no-commit-here"}),
        ({"select": ["no-commit-here", "rb101"]}, {"no-commit-here"}),
    ],
)
def test_select_and_ignore_take_check_ids_as_written(config, selected):
    both = check_config({**COMMIT, "id": "no-commit"}, {**COMMIT, "id": "no-commit-here"}, **config)
    assert {rule for rule in build_settings(both).selected if not rule.startswith("RB")} == selected


def test_the_command_lines_check_ids_are_known_once_the_config_is_read():
    codes = rule_ids("--select", ["rb1", "no-session-commit"], checks_later=True)
    assert codes == ["RB1", "no-session-commit"]
    with pytest.raises(ConfigError, match=re.escape("--select[1]: unknown rule 'no-session-commit'")):
        known_checks("--select", codes)
    build_settings(check_config(COMMIT))
    known_checks("--select", codes)


def test_per_file_ignores_and_severity_treat_a_check_as_a_rule():
    config = check_config(COMMIT, select=[ID], **{"per-file-ignores": {"app/legacy/**": [ID]}, "severity": {ID: "error"}})
    findings = scan_source("app/service.py", b"db.session.commit()\n", settings(config))
    assert [(f.rule, f.severity.label) for f in findings] == [(ID, "error")]
    assert found("db.session.commit()\n", config, "app/legacy/old.py") == []
    assert build_settings(check_config(COMMIT)).specs[ID].severity.label == "warning"


def test_examples_are_run_and_each_failure_named():
    good = check_config({**COMMIT, "examples": {"bad": ["self.session.commit()"], "good": ["self.session.flush()"]}, "paths": ["nowhere/**"]})
    assert run_examples(build_settings(good)) == []
    wrong = check_config(
        {**COMMIT, "examples": {"bad": ["self.session.commit()", "commit()"], "good": ["db.session.commit()"]}},
        {"id": "no-eval", "kind": "forbid-call", "calls": ["eval"], "examples": {"bad": ["eval(("]}},
    )
    problems = run_examples(build_settings(wrong))
    assert problems[:2] == ["checks[0].examples.bad[1]: not flagged", "checks[0].examples.good[0]: flagged"]
    assert len(problems) == 3 and problems[2].startswith("checks[1].examples.bad[0]: syntax error")


def test_explain_and_rules_show_the_check(tmp_path, monkeypatch, capsys):
    root = make_repo(tmp_path / "repo", {"AGENTS.md": AGENTS, ".reviewbot.yml": json.dumps(check_config({**COMMIT, "enforces": "AGENTS.md:5", "paths": ["app/**"], "examples": {"bad": ["self.session.commit()"], "good": ["self.session.flush()"]}}))})
    monkeypatch.chdir(root)
    assert main(["explain", ID]) == 0
    explained = capsys.readouterr().out
    assert explained.startswith(f"{ID} {ID} [warning]\nAgent rule: \"Never call `session.commit()` in service code")
    for line in ("  kind        forbid-call", "  calls       *.session.commit", "  paths       app/**", "  enforces    AGENTS.md:5", "Examples it flags", "    self.session.flush()"):
        assert line in explained.splitlines()
    assert f"Suppress on a line with `# reviewbot: ignore[{ID}]`." in explained
    assert main(["rules"]) == 0
    assert f"{ID}  {ID}" in capsys.readouterr().out


def test_sarif_describes_the_check_and_links_its_statement(tmp_path):
    (tmp_path / "AGENTS.md").write_text(AGENTS)
    checked = build_settings(check_config({**COMMIT, "enforces": "AGENTS.md:5"}, select=[ID]), agents_root=tmp_path)
    findings = scan_source("app/service.py", b"db.session.commit()\n", checked)
    log = json.loads(renderer("sarif")(findings, Run.of(checked, 1)))
    jsonschema.validate(log, SCHEMA)
    [rule] = log["runs"][0]["tool"]["driver"]["rules"]
    assert (rule["id"], rule["shortDescription"]["text"]) == (ID, COMMIT["message"])
    assert rule["properties"]["quote"].startswith("Never call `session.commit()`")
    [result] = log["runs"][0]["results"]
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 5}


def test_the_settings_digest_and_pickle_carry_the_checks():
    first = build_settings(check_config(COMMIT))
    assert first.digest != build_settings(check_config({**COMMIT, "calls": ["*.commit"]})).digest
    assert first.digest != build_settings(check_config({**COMMIT, "message": "other"})).digest
    # A spawned worker receives the settings pickled, before its registry knows the check.
    data = pickle.dumps(first)
    register(())
    rule_class.cache_clear()
    received = pickle.loads(data)
    register(received.checks)
    assert issubclass(checks.RULES[ID], WrittenRule) and received.specs[ID].rule is checks.RULES[ID]
    assert [f.rule for f in scan_source("app/service.py", b"db.session.commit()\n", received) if f.rule == ID] == [ID]


def test_a_trusted_revision_gives_the_statement(tmp_path):
    root = make_repo(tmp_path / "repo", {"AGENTS.md": AGENTS, ".reviewbot.yml": json.dumps(check_config({**COMMIT, "enforces": "AGENTS.md:5"}))})
    (root / "AGENTS.md").write_text(AGENTS.replace("Never call", "Feel free to call"))
    trusted = read_trusted(root, "HEAD")
    checked = settings_from(root, trusted.config, trusted.source, agents_root=trusted.agents, layout=None)
    assert checked.specs[ID].quote is not None and checked.specs[ID].quote.startswith("Never call")


def scanned(request: Request) -> list[tuple[str, str, int]]:
    return [(f.rule, f.path, f.line) for f in run(request).findings if f.rule == ID]


def test_changed_lines_mode_and_baselines_anchor_a_check_on_its_lines(tmp_path):
    old = '"""Orders."""\n\n\ndef save(db: object) -> None:\n    """Save."""\n    db.session.commit()\n'
    root = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/orders.py": old, ".reviewbot.yml": json.dumps(check_config(COMMIT))})
    git(root, "checkout", "-q", "-b", "feature")
    (root / "app/orders.py").write_text(old + "\n\ndef close(db: object) -> None:\n    \"\"\"Close.\"\"\"\n    db.session.commit()\n")
    top, is_git = find_root(root)
    request = Request(root=top, settings=load_settings(top), is_git=is_git, jobs=1, cache=False)
    assert scanned(replace(request, diff="main")) == [(ID, "app/orders.py", 11)]
    # A baseline of today's findings: only a new one is reported.
    everything = run(request).findings
    write_baseline(root / "baseline.json", [f for f in everything if f.line == 6], root)
    assert scanned(replace(request, baseline=root / "baseline.json")) == [(ID, "app/orders.py", 11)]


def test_workers_and_the_cache_through_the_console_script(tmp_path):
    files = {
        "app/__init__.py": "",
        "AGENTS.md": AGENTS,
        **{f"app/m{n}.py": f'"""Module {n}."""\n\n\ndef save(db: object) -> None:\n    """Save."""\n    db.session.commit()\n' for n in range(4)},
        ".reviewbot.yml": json.dumps(check_config({**COMMIT, "enforces": "AGENTS.md:5", "severity": "error"})),
    }
    root = make_repo(tmp_path / "repo", files)
    cold = run_main(root, "scan", "--jobs", "2", "--format", "json")
    warm = run_main(root, "scan", "--jobs", "2", "--format", "json", "--verbose")
    assert cold.code == warm.code == 1 and cold.stdout == warm.stdout
    assert "5 files unchanged since a scan: its findings, from the cache" in warm.stderr, warm.stderr
    report = json.loads(cold.stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["source"]) for f in report if f["rule"] == ID] == [(ID, f"app/m{n}.py", 6, {"path": "AGENTS.md", "line": 5}) for n in range(4)]
    # Another message is another digest: the files are scanned again, and say it.
    (root / ".reviewbot.yml").write_text(json.dumps(check_config({**COMMIT, "message": "let the request commit", "severity": "error"})))
    edited = run_main(root, "scan", "--jobs", "2", "--format", "json", "--select", ID)
    assert {f["message"] for f in json.loads(edited.stdout)["findings"]} == {"let the request commit"}
    unknown = run_main(root, "scan", "--select", "no-such-check")
    assert unknown.code == 2 and "--select[0]: unknown rule 'no-such-check'" in unknown.stderr
