"""The repository's own conventions outrank the generic pack: its Ruff configuration and how typed
its code is, read at the change's base (shapes of the services where the pack's findings were noise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.project import Ruff, find_root, load_settings, ruff_config
from reviewbot.session import Request, run
from tests.conftest import make_repo

pytestmark = pytest.mark.slow

UNTYPED = "".join(f"def helper_{n}(request, value):\n    return value\n\n\n" for n in range(25))
TYPED = "".join(f"def helper_{n}(request: object, value: int) -> int:\n    return value\n\n\n" for n in range(25))
# What the agent's commit adds: a Django-style view without annotations, and a bare docstring-less function.
ADDED = '"""Views."""\n\n\ndef handle(request, *args):\n    return None\n'


# unstract's pyproject.toml: Ruff's docstring and annotation checks, each one ignored.
UNSTRACT = (
    '[tool.ruff.lint]\nselect = ["D", "ANN"]\nignore = ["ANN001", "ANN002", "ANN003", "ANN201", "ANN202", "ANN204", "ANN205", "ANN206",'
    ' "D100", "D101", "D102", "D103", "D104", "D105", "D106", "D107"]\n'
)


def rules_reported(tmp_path: Path, existing: str, files: dict[str, str] | None = None) -> set[str]:
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/helpers.py": existing, **(files or {})})
    (repo / "app/views.py").write_text(ADDED)
    root, _ = find_root(repo)
    result = run(Request(root=root, settings=load_settings(root), diff="HEAD", cache=False, jobs=1))
    return {finding.rule for finding in result.findings if finding.path == "app/views.py" and finding.rule in ("RB301", "RB302", "RB401")}


def test_untyped_code_is_not_asked_for_annotations(tmp_path):
    # unstract's and mitxonline's shape: most functions declare no return type.
    assert rules_reported(tmp_path, UNTYPED) == {"RB401"}


def test_typed_code_is(tmp_path):
    assert rules_reported(tmp_path, TYPED) == {"RB301", "RB302", "RB401"}


@pytest.mark.parametrize(
    ("existing", "config", "expected"),
    [
        # In typed code, so that only the configuration can be what leaves them out.
        (TYPED, UNSTRACT, set()),
        # One code of several (ANN204: `__init__`) leaves the rest of the rule on; the family turns it off.
        (TYPED, '[tool.ruff.lint]\nignore = ["ANN204"]\n', {"RB301", "RB302", "RB401"}),
        (TYPED, '[tool.ruff.lint]\nignore = ["ANN2"]\n', {"RB301", "RB401"}),
        # A Ruff configuration that asks for annotations asks for them in untyped code too.
        (UNTYPED, '[tool.ruff]\nextend-select = ["ANN"]\n', {"RB301", "RB302", "RB401"}),
        (UNTYPED, '[tool.ruff.lint]\nignore = ["D1"]\n', set()),
        # mitxonline's and DefectDojo's shape: a chosen list of Ruff rules without annotations or
        # docstrings, in typed code, decides against them; pydocstyle chosen asks for docstrings.
        (TYPED, '[tool.ruff.lint]\nselect = ["E", "F", "B"]  # "ANN" left out\n', set()),
        (TYPED, '[tool.ruff.lint]\nselect = ["E", "F", "D"]\n', {"RB401"}),
    ],
    ids=["ignored", "one-code-ignored", "return-types-ignored", "selected", "docstrings-ignored", "chosen-without", "chosen-with-docstrings"],
)
def test_the_repositorys_ruff_configuration_decides(tmp_path, existing, config, expected):
    assert rules_reported(tmp_path, existing, {"pyproject.toml": config}) == expected


def test_ruff_toml_wins_and_is_read_like_ruff():
    assert ruff_config('[tool.ruff.lint]\nselect = ["ANN"]\n', 'extend-ignore = ["d1"]\n[lint]\nselect = ["E"]\n') == Ruff(frozenset({"E"}), frozenset({"D1"}), True)
    assert ruff_config('[tool.ruff]\nextend-select = ["ANN"]\n', None) == Ruff(frozenset({"ANN"}), frozenset(), False)
    assert ruff_config('[tool.ruff.lint.flake8-tidy-imports]\nban-relative-imports = "all"\n', None).ban_relative_imports == "all"
    assert ruff_config("not toml [", None) == Ruff()


def test_conventions_false_applies_the_pack_as_written(tmp_path):
    assert rules_reported(tmp_path, UNTYPED, {".reviewbot.yml": "conventions: false\n"}) == {"RB301", "RB302", "RB401"}


@pytest.mark.parametrize(
    ("selector", "code", "meet"),
    [("ANN", "ANN2", True), ("ANN201", "ANN2", True), ("ANN2", "ANN0", False), ("A", "ANN0", False), ("D", "D1", True), ("DJ", "D1", False), ("ALL", "T201", True), ("S", "S113", True)],
)
def test_a_ruff_selector_reaches_codes_of_its_own_linter(selector, code, meet):
    from reviewbot.conventions import _covers

    assert _covers(selector, code) is meet


def test_what_git_counted_at_a_commit_is_kept_and_a_new_commit_counts_again(tmp_path, monkeypatch):
    import subprocess

    from reviewbot import conventions
    from tests.conftest import git

    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/helpers.py": UNTYPED})
    (repo / "app/views.py").write_text(ADDED)
    root, _ = find_root(repo)

    def reported() -> set[str]:
        result = run(Request(root=root, settings=load_settings(root), diff="HEAD", jobs=1))
        return {finding.rule for finding in result.findings if finding.path == "app/views.py" and finding.rule in ("RB301", "RB302", "RB401")}

    assert reported() == {"RB401"}
    greps: list[list[str]] = []
    real = subprocess.Popen

    def counted(command: list[str], **options: object) -> subprocess.Popen[bytes]:
        if "grep" in command and "-c" in command:
            greps.append(command)
        return real(command, **options)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(conventions.subprocess, "Popen", counted)
    # The same commit: the counts come from the cache, and so does the answer.
    assert reported() == {"RB401"} and greps == []
    # A commit that makes the code typed is measured again.
    (repo / "app/helpers.py").write_text(TYPED)
    git(repo, "commit", "-qam", "typed")
    assert reported() == {"RB301", "RB302", "RB401"} and greps


def test_a_full_scan_greps_a_clean_work_tree_and_otherwise_the_last_commit(tmp_path):
    from reviewbot import conventions
    from tests.conftest import git

    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/helpers.py": TYPED})
    root = find_root(repo)[0]
    patterns = (r"^\s*(async\s+)?def\s", r"\)\s*->[^:]*:\s*(#.*)?$")
    clean = conventions.Sides(root, None)
    assert clean.searched() == [] and clean.revision != []
    in_clean_work_tree = conventions._run_greps(clean, ["-E"], patterns, "*.py")
    # An edit nobody committed: the counts are still the last commit's, read from git.
    (repo / "app/helpers.py").write_text(UNTYPED)
    edited = conventions.Sides(root, None)
    assert edited.searched() == edited.revision
    assert conventions._run_greps(edited, ["-E"], patterns, "*.py") == in_clean_work_tree != conventions._run_greps(clean, ["-E"], patterns, "*.py")
    # A file git does not look at in the work tree (left out of a sparse checkout, say): the commit.
    git(repo, "checkout", "--", "app/helpers.py")
    git(repo, "update-index", "--skip-worktree", "app/helpers.py")
    skipped = conventions.Sides(root, None)
    assert skipped.searched() == skipped.revision


def test_perl_and_posix_patterns_count_the_same_lines_and_a_git_without_pcre_gets_posix(tmp_path, monkeypatch):
    from reviewbot import conventions

    code = (
        "from . import a\n  from .b import c\nimport app.x\nfrom app import y\nimport application\n"
        "async  def f(x) -> int:  # typed\n    pass\n\tdef g(self, y: int) -> None:\n        pass\ndefault = 1\n"
    )
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/m.py": code})
    sides = conventions.Sides(find_root(repo)[0], None)
    patterns = (r"^\s*(async\s+)?def\s", r"\)\s*->[^:]*:\s*(#.*)?$", r"^\s*from\s+\.", conventions.absolute_import("app"))
    perl, posix = (conventions._run_greps(sides, [syntax], patterns, "*.py") for syntax in ("-P", "-E"))
    assert perl == posix == (2, 2, 2, 2)
    # A git built without PCRE refuses -P: the counts come from POSIX patterns, from then on.
    run = conventions._run_greps
    monkeypatch.setattr(conventions, "_PCRE", [True])
    monkeypatch.setattr(conventions, "_run_greps", lambda sides, syntax, *rest: None if syntax == ["-P"] else run(sides, syntax, *rest))
    assert conventions._grep_counts(sides, patterns, "*.py") == (2, 2, 2, 2) and conventions._PCRE == []


def test_files_at_a_commit_are_read_in_one_go_and_a_directory_or_a_missing_file_is_none(tmp_path):
    from reviewbot.conventions import git_texts
    from tests.conftest import git

    repo = make_repo(tmp_path / "repo", {"pyproject.toml": "[tool.ruff]\nline-length = 99\n", ".ruff.toml/inner": "x\n", "ruff.toml": "a\n\nb\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    names = (".ruff.toml", "pyproject.toml", "missing.toml", "ruff.toml")
    expected = [None, "[tool.ruff]\nline-length = 99\n", None, "a\n\nb\n"]
    assert git_texts(repo, [head], names) == git_texts(repo, [], names) == expected
    assert git_texts(repo, ["no-such-revision"], names) == [None] * 4
