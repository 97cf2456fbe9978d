"""What a change must have done for changed-lines mode to report a finding: each rule's anchor,
tried on the shapes of real agent-written commits that reviewers judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.change import FileChange
from reviewbot.checks import RULES
from reviewbot.checks.base import ANCHORS
from reviewbot.diff import keep, parse_patch
from reviewbot.model import Finding, Severity
from reviewbot.project import find_root, load_settings
from reviewbot.session import Request, run
from tests.conftest import git, make_repo

pytestmark = pytest.mark.slow


def judged(repo: Path, config: str = "") -> list[tuple[str, int]]:
    """(rule, line) of what ``scan --diff HEAD~1`` reports in ``app/service.py``."""
    (repo / ".reviewbot.yml").write_text(config or "ignore: [RB801]\n")
    root, _ = find_root(repo)
    result = run(Request(root=root, settings=load_settings(root), diff="HEAD~1", cache=False, jobs=1))
    return sorted((f.rule, f.line) for f in result.findings)


def changed(tmp_path: Path, before: str, after: str, extra: dict[str, str] | None = None) -> Path:
    """A repository whose last commit turns ``app/service.py`` from ``before`` into ``after``."""
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/service.py": before, **(extra or {})})
    (repo / "app/service.py").write_text(after)
    git(repo, "commit", "-qam", "change")
    return repo


def undocumented_method(number: int) -> str:
    return f"    def step_{number}(self, value):\n        total = value + {number}\n        total = total * 2\n        return total\n\n"


# A long class without a docstring or annotations, as the legacy code agents are asked to extend.
BIG_CLASS = '"""Orders."""\n\n\nclass Orders:\n' + "".join(undocumented_method(n) for n in range(40))


def test_seven_lines_changed_in_a_long_class_do_not_make_it_the_changes(tmp_path):
    after = BIG_CLASS.replace("total = value + 3\n", "total = value + 3\n        total = total - 1\n        total = total + 1\n")
    repo = changed(tmp_path, BIG_CLASS, after)
    # No docstring for the class, none for step_3, no annotations for its old signature.
    assert judged(repo) == []


def test_dict_entries_added_inside_a_function_leave_its_signature_alone(tmp_path):
    before = '"""Settings."""\n\n\ndef defaults(env):\n    """The defaults."""\n    return {\n        "debug": False,\n        "region": env,\n    }\n'
    after = before.replace('        "region": env,\n', '        "region": env,\n        "retries": 3,\n        "timeout": 10,\n')
    assert judged(changed(tmp_path, before, after)) == []


def test_a_deleted_block_does_not_make_the_next_function_changed(tmp_path):
    doomed = "".join(f"# Step {n} of the old migration.\n" for n in range(26))
    body = "".join(f"    value = value + {n}\n" for n in range(30))
    before = f'"""Jobs."""\n\n\n{doomed}def run(value):\n{body}    return value\n'
    after = f'"""Jobs."""\n\n\ndef run(value):\n{body}    return value\n'
    repo = changed(tmp_path, before, after, {"tests/test_jobs.py": "def test_nothing():\n    pass\n"})
    # The lines went just in front of `def run`, which is the next line of the new side.
    assert "-# Step 25 of the old migration.\n def run(value):" in git(repo, "diff", "HEAD~1", "--", "app/service.py")
    assert judged(repo, "select: [RB3, RB4, RB801]\n") == []


def test_a_new_function_is_the_changes_whole(tmp_path):
    before = '"""Jobs."""\n'
    after = before + "\n\ndef run(value):\n" + "".join(f"    value = value + {n}\n" for n in range(30)) + "    return value\n"
    assert judged(changed(tmp_path, before, after), "select: [RB3, RB4]\n") == [("RB301", 4), ("RB302", 4), ("RB401", 4), ("RB402", 4)]


def test_comment_density_judges_functions_the_change_mostly_wrote(tmp_path):
    lines = [f"    value = value + {n}\n" for n in range(40)]
    before = '"""Jobs."""\n\n\ndef run(value: int) -> int:\n    """Run."""\n' + "".join(lines) + "    return value\n"
    # 17 lines of 42 rewritten: the function is still mostly what it was.
    edited = before.replace("".join(lines[:17]), "".join(line.replace("+", "-") for line in lines[:17]))
    assert judged(changed(tmp_path, before, edited), "select: [RB402]\n") == []


def test_a_function_half_rewritten_is_judged_whole(tmp_path):
    lines = [f"    value = value + {n}\n" for n in range(40)]
    before = '"""Jobs."""\n\n\ndef run(value: int) -> int:\n    """Run."""\n' + "".join(lines) + "    return value\n"
    rewritten = before.replace("".join(lines[:22]), "".join(line.replace("+", "-") for line in lines[:22]))
    assert judged(changed(tmp_path, before, rewritten), "select: [RB402]\n") == [("RB402", 4)]


def finding(rule: str, line: int, end_line: int | None = None, scope: tuple[int, int] | None = None) -> Finding:
    return Finding(rule, RULES[rule].name, Severity.ERROR, "app/a.py", line, 1, end_line or line, 2, "m", scope=scope)


# A change that adds lines 10-12 of a file and removes lines in front of line 20 and inside 30-40.
CHANGE = FileChange("app/a.py", frozenset({10, 11, 12}), ((7, 15), (17, 23), (33, 38)), False, frozenset({20, 35}))


@pytest.mark.parametrize(
    ("found", "mode", "kept"),
    [
        # line: one of the finding's own lines added (a call spanning 9-10 whose argument changed).
        (finding("RB201", 9, 10), "added", True),
        (finding("RB201", 13), "added", False),
        # diff_context reads "added" as "inside a hunk".
        (finding("RB201", 13), "diff_context", True),
        (finding("RB201", 16), "diff_context", False),
        # definition: at least half of the function's lines added.
        (finding("RB401", 10, scope=(10, 14)), "added", True),
        (finding("RB401", 10, scope=(10, 17)), "added", False),
        # changed-definition: a line added, or lines removed inside it, never in front of it.
        (finding("RB801", 20, scope=(20, 25)), "added", False),
        (finding("RB801", 30, scope=(30, 40)), "added", True),
        (finding("RB801", 5, scope=(5, 10)), "added", True),
        # file and change: whenever the file changed.
        (finding("RB000", 1), "added", True),
        (finding("RB802", 1), "added", True),
        # file and nofilter keep everything.
        (finding("RB201", 99), "file", True),
        (finding("RB401", 99, scope=(99, 120)), "nofilter", True),
    ],
)
def test_each_anchor(found, mode, kept):
    assert keep(found, CHANGE, mode) is kept


def test_every_rule_declares_a_known_anchor():
    assert {rule.anchor for rule in RULES.values()} <= set(ANCHORS)
    # The whole-definition rules judge what the change wrote; signatures and nodes, their own lines.
    assert {rule: RULES[rule].anchor for rule in ("RB301", "RB302", "RB401", "RB402", "RB403", "RB801", "RB802")} == {
        "RB301": "line", "RB302": "line", "RB401": "definition", "RB402": "definition", "RB403": "definition",
        "RB801": "changed-definition", "RB802": "change",
    }


def test_a_deletion_records_no_added_line():
    [change] = parse_patch("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -96,26 +95,0 @@\n" + "-x\n" * 26)
    assert change.added == frozenset() and change.hunks == () and change.removed_at == {96}


def relative_style_repo(tmp_path: Path, config: str = "") -> Path:
    """A package whose modules import each other relatively, as saleor's and airweave's do."""
    files = {"shop/__init__.py": "", "shop/base.py": "X = 1\n", ".reviewbot.yml": config or "select: [RB101]\n"}
    files.update({f"shop/m{n}.py": "from .base import X\n" for n in range(12)})
    return make_repo(tmp_path / "repo", files)


def rb101(repo: Path, diff: str | None = "HEAD") -> list[tuple[str, int]]:
    root, _ = find_root(repo)
    result = run(Request(root=root, settings=load_settings(root), diff=diff, cache=False, jobs=1))
    return sorted((f.path, f.line) for f in result.findings if f.rule == "RB101")


def test_relative_imports_where_they_are_the_house_style(tmp_path):
    repo = relative_style_repo(tmp_path)
    (repo / "shop/new.py").write_text("from .base import X\nfrom .m1 import X as Y\n")
    assert rb101(repo) == []
    # A new file that imports its own package both ways: the inconsistency is the change's.
    (repo / "shop/mixed.py").write_text("from .base import X\nfrom shop.m1 import X as Y\n")
    assert rb101(repo) == [("shop/mixed.py", 1)]
    # A full scan reports what mixes styles, not the house style itself.
    assert rb101(repo, None) == [("shop/mixed.py", 1)]


def test_an_explicit_ask_outranks_the_measured_style(tmp_path):
    repo = relative_style_repo(tmp_path, "select: [RB101]\nimports:\n  style: absolute\n")
    (repo / "shop/new.py").write_text("from .base import X\n")
    assert rb101(repo) == [("shop/new.py", 1)]


def test_a_files_own_relative_imports_and_the_ones_the_change_extends(tmp_path):
    files = {"shop/__init__.py": "", "shop/base.py": "X = Y = 1\n", ".reviewbot.yml": "select: [RB101]\n"}
    files["shop/a.py"] = "from .base import X\n"
    # b.py already mixes both ways, in a package that imports absolutely.
    files["shop/b.py"] = "from .base import X\nfrom shop.m1 import X as Z\n"
    files.update({f"shop/m{n}.py": "from shop.base import X\n" for n in range(12)})
    repo = make_repo(tmp_path / "repo", files)
    # a.py imported relatively, and only so: its new relative import follows the file's own way.
    (repo / "shop/a.py").write_text("from .base import X, Y\nfrom . import m1\n")
    # In b.py the first statement only gains a name; the third is the change's own.
    (repo / "shop/b.py").write_text("from .base import X, Y\nfrom shop.m1 import X as Z\nfrom . import m2\n")
    assert rb101(repo) == [("shop/b.py", 3)]


@pytest.mark.parametrize(("ban", "expected"), [("", [("shop/sub/new.py", 2)]), ('ban-relative-imports = "all"\n', [("shop/sub/new.py", 1), ("shop/sub/new.py", 2)])])
def test_ruffs_rule_about_relative_imports_is_the_teams(tmp_path, ban, expected):
    # DefectDojo's shape: Ruff's TID selected, which by default bans only imports from parent packages.
    ruff = f'[tool.ruff.lint]\nselect = ["E", "TID"]\n[tool.ruff.lint.flake8-tidy-imports]\n{ban}'
    files = {"shop/__init__.py": "", "shop/base.py": "X = 1\n", "shop/sub/__init__.py": "", "shop/sub/a.py": "X = 1\n", "pyproject.toml": ruff}
    files.update({f"shop/m{n}.py": "from shop.base import X\n" for n in range(12)})
    repo = make_repo(tmp_path / "repo", {**files, ".reviewbot.yml": "select: [RB101]\n"})
    (repo / "shop/sub/new.py").write_text("from .a import X\nfrom ..base import X as Y\n")
    assert rb101(repo) == expected


def test_nofilter_scans_files_outside_the_change_without_tripping_on_them(tmp_path):
    # A file the change does not touch, with a relative import; another file the change adds.
    repo = make_repo(tmp_path / "repo", {"shop/__init__.py": "", "shop/old.py": "from .base import X\n", "shop/base.py": "X = 1\n", ".reviewbot.yml": "select: [RB101]\n"})
    (repo / "shop/new.py").write_text("from shop.base import X\n")
    root, _ = find_root(repo)
    result = run(Request(root=root, settings=load_settings(root), diff="HEAD", filter_mode="nofilter", cache=False, jobs=1))
    assert [(f.rule, f.path) for f in result.findings] == [("RB101", "shop/old.py")]


def test_ruffs_parents_rule_holds_whatever_else_ruff_decides(tmp_path):
    ruff = '[tool.ruff.lint]\nextend-select = ["TID252", "ANN"]\n'
    files = {"shop/__init__.py": "", "shop/base.py": "X = 1\n", "shop/sub/__init__.py": "", "pyproject.toml": ruff, ".reviewbot.yml": "select: [RB101, RB302]\n"}
    repo = make_repo(tmp_path / "repo", files)
    (repo / "shop/sub/new.py").write_text("from ..base import X\n\n\ndef f(a: int):\n    return a\n")
    root, _ = find_root(repo)
    result = run(Request(root=root, settings=load_settings(root), diff="HEAD", cache=False, jobs=1))
    assert sorted((f.rule, f.line) for f in result.findings) == [("RB101", 1), ("RB302", 4)]


def test_a_renamed_file_keeps_its_own_import_style(tmp_path):
    files = {"shop/__init__.py": "", "shop/base.py": "X = Y = 1\n", "shop/old.py": "from .base import X\n\nA = X\n" + "B = 2\n" * 20, ".reviewbot.yml": "select: [RB101]\n"}
    files.update({f"shop/m{n}.py": "from shop.base import X\n" for n in range(12)})
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "mv", "shop/old.py", "shop/renamed.py")
    (repo / "shop/renamed.py").write_text("from .base import X\nfrom . import m1\n\nA = X\n" + "B = 2\n" * 20)
    git(repo, "commit", "-qam", "rename")
    # Followed to its base version, the file imported only relatively: the new import keeps its way.
    assert rb101(repo, "HEAD~1") == []
