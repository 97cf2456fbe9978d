"""The engine: broken input becomes findings, checks are isolated, output is deterministic."""

from __future__ import annotations

import pytest

from reviewbot.checks.annotations import MissingParameterAnnotation
from reviewbot.checks.errors import ErrorFlow
from reviewbot.engine import scan_source
from tests.conftest import escaping, lines_of, scan, settings


def rules(findings):
    return [(f.rule, f.line) for f in findings]


def test_syntax_error_is_rb000_at_the_parser_position():
    findings = scan('"""M."""\n\ndef ok() -> None:\n    """Doc."""\n\nx = (1,\ny = 2\n')
    assert rules(findings) == [("RB000", 6)]
    assert findings[0].message == "syntax error: '(' was never closed"


def test_tokenizer_error_gets_a_useful_position():
    [finding] = scan('"""M."""\nx = 1\ns = "unterminated\n')
    assert (finding.rule, finding.line, finding.column) == ("RB000", 3, 5)


def test_latin1_file_with_coding_cookie_is_read():
    source = '# -*- coding: latin-1 -*-\n"""Caf\xe9 module."""\n\nNAME = "caf\xe9"  # the shop\n'.encode("latin-1")
    assert scan(source) == []


def test_undecodable_bytes_are_rb001_on_their_line():
    [finding] = scan(b'"""M."""\nx = "\xff"\n')
    assert (finding.rule, finding.line) == ("RB001", 2)
    assert "not valid utf-8" in finding.message


def test_nul_bytes_are_rb001():
    [finding] = scan(b'"""M."""\n\nx = 1\x00\n')
    assert (finding.rule, finding.line, finding.message) == ("RB001", 3, "file contains a NUL byte at offset 15")


def test_size_limit_is_rb001():
    findings = scan('"""M."""\n' + "# padding\n" * 20, config={"max-file-bytes": 100})
    assert rules(findings) == [("RB001", 1)]


def test_utf8_bom_is_fine():
    assert scan('\ufeff"""M."""\n'.encode("utf-8")) == []


def test_empty_init_has_no_findings():
    assert scan("", "app/__init__.py") == []


def test_a_failing_rule_is_rb002_and_the_other_rules_still_report(monkeypatch):
    def broken(self, node):
        raise KeyError("boom")

    monkeypatch.setattr(MissingParameterAnnotation, "visit_FunctionDef", broken)
    findings = scan("from . import x\n\ndef f(a):\n    pass\n")
    assert ("RB101", 1) in rules(findings)
    assert ("RB302", 3) in rules(findings)
    assert ("RB401", 3) in rules(findings)
    assert not [f for f in findings if f.rule == "RB301"]
    [internal] = [f for f in findings if f.rule == "RB002"]
    assert internal.message == "rule RB301 (missing-parameter-annotation) failed at line 3: KeyError: 'boom'"


def test_a_failing_analysis_takes_only_the_rules_that_read_it(monkeypatch):
    def broken(self, node):
        raise ValueError("lost track")

    monkeypatch.setattr(ErrorFlow, "visit_Raise", broken)
    code = "import requests\n\ntry:\n    raise KeyError\nexcept Exception:\n    requests.get('u')\nexcept:\n    pass\n"
    findings = scan(code)
    # RB201 (through its call graph), RB204 and RB208 read the error flow; RB202, RB203 and RB205 do not.
    assert sorted({f.rule for f in findings} & {"RB201", "RB202", "RB203", "RB204", "RB205"}) == ["RB202", "RB203", "RB205"]
    [internal] = [f for f in findings if f.rule == "RB002"]
    assert internal.message == "analysis ErrorFlow (for RB201, RB204, RB208) failed at line 4: ValueError: lost track"


def test_deep_nesting_does_not_crash_the_scan():
    code = "x = " + "(" * 200 + "1" + ")" * 200 + "\n"
    assert [f.rule for f in scan(code) if f.rule.startswith("RB00")] == []


def test_findings_are_sorted_and_deterministic():
    code = "import requests\n\ndef b(x):\n    requests.get('u')\n\ndef a(y):\n    pass\n"
    first = scan(code)
    assert first == scan(code)
    assert [f.sort_key for f in first] == sorted(f.sort_key for f in first)


def test_fingerprints_survive_moving_code_and_edits_elsewhere():
    before = "from . import x\n\ndef f(a):\n    pass\n"
    after = '"""Docs added."""\n\nimport os\n\n\nfrom . import x\n\ndef f(a):\n    pass\n'
    def prints(code):
        return {(f.rule, f.fingerprint) for f in scan(code) if f.rule != "RB401"}
    assert prints(before) == prints(after)
    changed = "from . import y\n\ndef f(a):\n    pass\n"
    assert prints(changed) != prints(before)


def test_identical_lines_get_distinct_fingerprints():
    findings = [f for f in scan("def f(a) -> None:\n    pass\n\ndef f(a) -> None:\n    pass\n") if f.rule == "RB301"]
    assert len({f.fingerprint for f in findings}) == 2


def test_test_files_skip_rules_marked_not_in_tests():
    code = "import requests\n\ndef test_it(client):\n    requests.get('u')\n"
    assert escaping(code) == [4]
    assert {f.rule for f in scan(code, "app/x.py")} >= {"RB205"}
    # Tests provoke failures and call local servers: neither rule applies there.
    assert {f.rule for f in scan(code, "tests/test_api.py")} == set()


def test_per_file_ignores_and_select():
    code = "from . import x\n"
    config = {"per-file-ignores": {"app/legacy/**": ["RB1"]}}
    assert lines_of(scan(code, "app/legacy/old.py", config=config), "RB101") == []
    assert lines_of(scan(code, "app/new.py", config=config), "RB101") == [1]
    assert {f.rule for f in scan(code, config={"select": ["RB101"]})} == {"RB101"}


def test_no_enabled_rules_means_no_parse():
    assert scan_source("app/x.py", b"def (", settings({"select": ["RB4"], "per-file-ignores": {"app/**": ["RB4"]}})) == []


def test_a_finished_scan_frees_its_tree_without_the_cycle_collector():
    # Rules hold the context, the context holds the walk, the walk held the rules' methods: a cycle
    # that kept every file's tree alive until Python's cycle collector ran.
    import gc
    import weakref

    import libcst as cst

    from reviewbot.engine import FileScan

    code = "import requests\n\ndef f(a):\n    try:\n        requests.get(a)\n    except Exception:\n        pass\n"
    gc.collect()
    gc.disable()
    try:
        scan = FileScan("app/service.py", code, cst.parse_module(code), settings(), settings().rules_for("app/service.py"))
        assert scan.run()
        alive = weakref.ref(scan)
        del scan
        assert alive() is None
    finally:
        gc.enable()


def test_a_finished_scan_frees_the_tree_its_scopes_read_without_the_cycle_collector():
    # A function's locals hold its bindings and each binding its scope: were that reference
    # strong, the cycle would keep the function's nodes (the file's, through the module) alive.
    import gc

    import libcst as cst

    from reviewbot.engine import FileScan

    code = (
        "import requests\n\n"
        "class Client:\n    def __init__(self, session: requests.Session):\n        self.session = session\n\n"
        "    def fetch(self, url):\n        reply = self.session.get(url)\n        return reply\n\n"
        "def outer(a):\n    s = requests.Session()\n    def inner():\n        return s.get(a)\n    return inner\n"
    )
    gc.collect()
    gc.disable()
    try:
        found = FileScan("app/service.py", code, cst.parse_module(code), settings(), settings().rules_for("app/service.py")).run()
        # The clients are still known through their bindings' scopes: a session parameter (line
        # 8, through the method's locals that the class's members keep) and an enclosing local (14).
        assert [finding.line for finding in found if finding.rule == "RB205"] == [8, 14]
        # What only the collector would free, kept in ``gc.garbage`` to be looked at.
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        assert [leftover for leftover in gc.garbage if isinstance(leftover, cst.CSTNode)] == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_a_finding_copied_with_changes_equals_dataclasses_replace():
    import dataclasses

    from reviewbot.model import Finding, Severity

    finding = Finding("RB205", "missing-timeout", Severity.ERROR, "app/a.py", 3, 4, 5, 6, "message", scope=(1, 9))
    changed = finding.but(fingerprint="f" * 20, scope=None)
    assert changed == dataclasses.replace(finding, fingerprint="f" * 20, scope=None) and finding.scope == (1, 9)
    with pytest.raises(TypeError, match="no field scop"):
        finding.but(scop=None)


def test_a_finding_read_back_from_its_record_is_equal_field_for_field():
    import dataclasses
    import json

    from reviewbot.model import Edit, Finding, Fix, Severity

    finding = Finding(
        "RB205", "missing-timeout", Severity.ERROR, "app/a.py", 3, 4, 5, 6, "message", "quote",
        Fix("add a timeout", (Edit(3, 4, 3, 9, "x"),)), "f" * 20, "g" * 20, (1, 9), ("AGENTS.md", 7), (("app/b.py", 1, 2),),
    )
    back = Finding.from_record(json.loads(json.dumps(finding.to_record())))
    # Every field comes back, none from a class default: a field added to Finding must be read too.
    assert back == finding and set(vars(back)) == {field.name for field in dataclasses.fields(Finding)}
    bare = dataclasses.replace(finding, quote=None, fix=None, scope=None, source=None, via=())
    assert Finding.from_record(json.loads(json.dumps(bare.to_record()))) == bare
    # The cache's rows: the same values without their names; a record in their place is refused.
    for each in (finding, bare):
        assert Finding.from_row(json.loads(json.dumps(each.to_row()))) == each
    with pytest.raises(ValueError):
        Finding.from_row(finding.to_record())  # type: ignore[arg-type]


def test_a_name_resolved_again_follows_the_scope_and_a_rebinding():
    # Rules resolve the same callee over and over, and the table remembers the answer: only until
    # the walk enters another function's locals or a module-level name is rebound.
    import libcst as cst

    from reviewbot.imports import ImportTable
    from reviewbot.scopes import function_locals

    module = cst.parse_module("import requests\n\ndef f(requests):\n    pass\n")
    table = ImportTable()
    table.add(module.body[0].body[0])
    callee = cst.parse_expression("requests.get")
    assert table.resolve(callee) == "requests.get"
    table.scope = function_locals(module.body[1], None, None)
    assert table.resolve(callee) is None  # the parameter shadows the import
    table.scope = None
    assert table.resolve(callee) == "requests.get"
    table.forget("requests")
    assert table.resolve(callee) is None
    table.add(module.body[0].body[0])  # imported again
    assert table.resolve(callee) == "requests.get"
