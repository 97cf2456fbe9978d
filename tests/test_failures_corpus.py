"""The labelled corpus of failure shapes (tests/data/failures-corpus, INDEX.md there): small
projects in the shapes of real services, one per framework and boundary kind, each line where
RB201 or RB206-RB209 must report marked ``# expect: RBxxx``; every other line must stay silent.

The markers are removed before the scan, so that no marker reads as a comment justifying a handler.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbot.model import Project
from tests.conftest import scan_files

CORPUS = Path(__file__).parent / "data" / "failures-corpus"
RULES = ("RB201", "RB206", "RB207", "RB208", "RB209")
MARKER = re.compile(r"\s*# expect: (RB\d{3}(?:, *RB\d{3})*)\s*$")
# Every kind of boundary: the corpus holds tasks, commands and scripts as well (RB201 reports at
# routes, views and loops by default; tests/test_failures.py holds that).
CONFIG = {"extend-select": list(RULES), "errors": {"boundaries": ["route", "view", "task", "command", "script", "loop"]}}
GROUPS = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())


def read_group(group: Path) -> tuple[dict[str, str], set[tuple[str, int, str]]]:
    """The group's Python files without their markers, and the findings the markers expect."""
    files: dict[str, str] = {}
    expected: set[tuple[str, int, str]] = set()
    for path in sorted(group.rglob("*.py")):
        name = path.relative_to(group).as_posix()
        lines = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            marker = MARKER.search(line)
            if marker is not None:
                expected |= {(name, number, rule.strip()) for rule in marker.group(1).split(",")}
                line = line[: marker.start()]
            lines.append(line)
        files[name] = "\n".join(lines) + "\n"
    return files, expected


def roots_of(files: dict[str, str]) -> dict[str, str]:
    """Every top-level package of the group is a root package."""
    return {name.split("/")[0]: name.split("/")[0] for name in files if "/" in name and name.split("/")[0].isidentifier()}


@pytest.mark.parametrize("group", GROUPS)
def test_the_corpus_findings_are_exactly_the_marked_ones(group):
    files, expected = read_group(CORPUS / group)
    found = scan_files(files, CONFIG, Project(roots=roots_of(files)))
    assert sorted((f.path, f.line, f.rule) for f in found if f.rule in RULES) == sorted(expected)


def test_the_corpus_covers_every_rule_both_ways():
    marked = {rule for group in GROUPS for _, _, rule in read_group(CORPUS / group)[1]}
    assert marked == set(RULES)
