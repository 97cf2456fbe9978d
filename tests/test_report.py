"""The sinks: a registry of formats that the command line reads, one direction of imports, and
reports rendered without the config, the rules or LibCST."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from reviewbot.arguments import build_parser
from reviewbot.config import build_settings
from reviewbot.model import Finding, Severity
from reviewbot.report import registry
from reviewbot.report.base import RuleInfo, Run
from tests.test_layers import cycles, imports_of, modules

ROOT = Path(__file__).resolve().parent.parent


def test_no_import_cycle_runs_through_the_report_package():
    known = modules()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    # Beyond the import statements: importing a module runs its package's ``__init__`` first, and
    # the registry imports every format once it is chosen.
    for name in graph:
        graph[name] |= {name.rpartition(".")[0]} - {""}
    graph["reviewbot.report.registry"] |= {registry.renderer(name).__module__ for name in registry.names()}
    assert [cycle for cycle in cycles(graph) if any(module.startswith("reviewbot.report") for module in cycle)] == []


def test_every_format_is_found_and_renders():
    assert registry.names() == ("text", "github", "gitlab", "json", "markdown", "sarif")
    for name in registry.names():
        assert callable(registry.renderer(name))


def test_the_report_format_choices_come_from_the_registry():
    commands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    for command in ("scan", "merge"):
        [choice] = [action for action in commands.choices[command]._actions if "--format" in action.option_strings]
        assert tuple(choice.choices or ()) == registry.names(), command


def test_the_agents_report_format_choices_are_its_own():
    from reviewbot.agents_report import FORMATS

    commands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    [choice] = [action for action in commands.choices["agents"]._actions if "--format" in action.option_strings]
    assert tuple(choice.choices or ()) == FORMATS


def test_the_readme_names_every_format():
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"## Output and exit codes\n\n(.*?)\n\n", readme, re.S)
    assert section is not None
    for name in registry.names():
        assert f"`{name}`" in section.group(1) or f"`--format {name}`" in section.group(1), name


def test_a_report_needs_neither_the_config_nor_libcst():
    # A fresh interpreter: this one has imported both already.
    program = (
        "import sys\n"
        "import reviewbot.report.text\n"
        "assert 'libcst' not in sys.modules\n"
        "from reviewbot.model import Finding, Severity\n"
        "from reviewbot.report import registry\n"
        "from reviewbot.report.base import RuleInfo, Run\n"
        "finding = Finding('RB101', 'relative-import', Severity.ERROR, 'app/a.py', 1, 1, 1, 9, 'message', quote='Q')\n"
        "rules = {'RB101': RuleInfo('relative-import', 'Summary.', 'Why.', Severity.ERROR, 'Q')}\n"
        "for name in registry.names():\n"
        "    registry.renderer(name)([finding], Run(1, rules, frozenset(rules)))\n"
        "assert not {'libcst', 'reviewbot.config', 'reviewbot.checks'} & set(sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", program], cwd=ROOT, check=True)


def test_run_of_settings_is_the_view_the_reports_read():
    settings = build_settings({"fail-on": "warning"})
    run = Run.of(settings, 3)
    assert (run.files, run.selected, run.fail_on) == (3, settings.selected, Severity.WARNING)
    assert run.rules.keys() == settings.specs.keys()
    spec = settings.specs["RB101"]
    assert run.rules["RB101"] == RuleInfo(spec.rule.name, spec.rule.summary, spec.rule.why, spec.severity, spec.quote)
    for severity in Severity:
        finding = Finding("RB101", spec.rule.name, severity, "a.py", 1, 1, 1, 2, "m")
        assert run.fails(finding) == settings.fails(finding)


def _text(findings: list[Finding], **run: object) -> list[str]:
    from reviewbot.report.text import render

    rules = {rule: RuleInfo(rule.lower(), "Summary.", "Why.", Severity.INFO, None) for rule in {f.rule for f in findings}}
    files = run.pop("files", 3)
    return render(findings, replace(Run(files, rules, frozenset(rules)), **run)).splitlines()  # type: ignore[arg-type]


def test_the_text_report_lists_errors_first_then_warnings_then_info_each_by_path():
    found = [
        Finding("RB401", "n", Severity.INFO, "a.py", 1, 1, 1, 2, "info a"),
        Finding("RB101", "n", Severity.ERROR, "b.py", 3, 1, 3, 2, "error b"),
        Finding("RB201", "n", Severity.WARNING, "a.py", 9, 1, 9, 2, "warning a"),
        Finding("RB101", "n", Severity.ERROR, "c.py", 1, 1, 1, 2, "error c"),
    ]
    listed = [line.rpartition("] ")[2] for line in _text(found) if line.endswith(("a", "b", "c"))]
    assert listed == ["error b", "error c", "warning a", "info a"]
    # --show: the list keeps the severities asked for; the summary counts every finding and says so.
    shown = _text(found, show=Severity.WARNING)
    assert [line for line in shown if line.endswith("info a")] == []
    assert "Found 4 findings in 3 files (2 errors, 1 warning, 1 info)." in shown
    assert shown[-1] == "1 finding below warning not listed (`--show info` lists every one)."


def test_the_text_report_says_when_nothing_was_scanned_and_how_to_adopt_many_findings():
    assert _text([], files=0) == ["No Python file to scan: nothing was checked (0 files)."]
    assert _text([], files=2) == ["All checks passed (2 files scanned)."]
    many = [Finding("RB401", "n", Severity.INFO, f"m{n}.py", 1, 1, 1, 2, "info") for n in range(51)]
    assert _text(many)[-1].startswith("Adopting reviewbot in existing code? `reviewbot baseline` records these findings")
    assert not _text(many, baseline=True)[-1].startswith("Adopting")
    assert not _text(many[:50])[-1].startswith("Adopting")
