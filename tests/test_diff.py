"""Changed-lines mode on real git repositories: only what a change adds is judged."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reviewbot.diff import parse_patch
from tests.conftest import git, make_repo, run_reviewbot

# A whole program per test (the quick run, `pytest -m 'not slow'`, leaves these out).
pytestmark = pytest.mark.slow

DOC = '"""Module."""\n'
# A clean, documented function whose body has two violations on lines 8 and 10.
OLD = (
    DOC
    + "import requests\n\n\n"
    + "def fetch(url: str) -> bytes:\n"
    + '    """Fetch."""\n'
    + "    # Plain GET.\n"
    + "    first = requests.get(url, timeout=5)\n"
    + "    # And again.\n"
    + "    second = requests.get(url, timeout=5)\n"
    + "    return first.content + second.content\n"
)


# RB801 (no test names a changed function) is tried in tests/test_architecture.py.
CONFIG = "ignore: [RB801]\nerrors:\n  boundaries: [route, view, loop, script]\n"


def write(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def found(repo: Path, *args: str) -> list[tuple[str, str, int]]:
    result = run_reviewbot(repo, "scan", "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    # The client's calls reach the ``__main__`` block, where nothing handles their failure (RB201,
    # with scripts among its boundaries).
    main = DOC + "from app.client import fetch\n\nif __name__ == '__main__':\n    fetch('https://example.com')\n"
    files = {"app/__init__.py": "", "app/client.py": OLD, "app/__main__.py": main, "app/legacy.py": "def bad(x):\n    pass\n", ".reviewbot.yml": CONFIG}
    root = make_repo(tmp_path / "repo", files)
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_an_added_function_is_reported_and_nothing_else(repo):
    write(repo, "app/client.py", OLD + "\n\ndef extra(a):\n    return a\n")
    commit(repo)
    assert found(repo, "--diff", "main") == [
        ("RB302", "app/client.py", 14),
        ("RB401", "app/client.py", 14),
        ("RB301", "app/client.py", 14),
    ]


def test_an_edited_line_inside_an_old_function_reports_only_that_line(repo):
    write(repo, "app/client.py", OLD.replace("second = requests.get(url, timeout=5)", "second = requests.get(url)"))
    commit(repo)
    # RB201 follows failures through functions: both calls' failures pass through the changed `fetch`
    # (one finding for the function, at its first call).
    assert found(repo, "--diff", "main") == [("RB201", "app/client.py", 8), ("RB205", "app/client.py", 10)]


def test_a_line_added_inside_an_old_function_does_not_make_its_signature_the_changes(repo):
    body = "    x += 1\n" + "    x *= 2\n" * 4 + "    return x\n"
    write(repo, "app/legacy.py", "def bad(x):\n" + body)
    commit(repo, "old")
    git(repo, "branch", "-f", "main")
    write(repo, "app/legacy.py", "def bad(x):\n" + body.replace("x += 1", "x += 2"))
    commit(repo)
    # The def line did not change: its missing annotations were there before the change.
    assert found(repo, "--diff", "main") == []
    write(repo, "app/legacy.py", "def bad(x, y):\n" + body.replace("x += 1", "x += 2"))
    commit(repo)
    assert found(repo, "--diff", "main") == [("RB302", "app/legacy.py", 1), ("RB301", "app/legacy.py", 1), ("RB301", "app/legacy.py", 1)]


def test_an_untouched_bad_file_reports_nothing(repo):
    write(repo, "README.md", "docs only\n")
    commit(repo)
    result = run_reviewbot(repo, "scan", "--diff", "main")
    assert result.code == 0
    assert result.stdout == "No Python file changed: nothing to check (0 files).\n"


def test_a_renamed_file_with_one_edit_reports_only_that_line(repo):
    git(repo, "mv", "app/client.py", "app/http_client.py")
    write(repo, "app/http_client.py", OLD.replace("first = requests.get(url, timeout=5)", "first = requests.get(url, timeout=None)"))
    commit(repo)
    # The ``__main__`` block still imports ``app.client``: no path reaches it from the renamed module.
    assert found(repo, "--diff", "main") == [("RB205", "app/http_client.py", 8)]


def test_deleted_files_are_ignored(repo):
    git(repo, "rm", "-q", "app/legacy.py")
    commit(repo)
    assert found(repo, "--diff", "main") == []


def test_merge_base_ignores_what_main_did_after_branching(repo):
    write(repo, "app/feature.py", DOC + "from . import client\n")
    commit(repo)
    git(repo, "checkout", "-q", "main")
    write(repo, "app/mainline.py", "from . import legacy\n")
    commit(repo, "main moves on")
    git(repo, "checkout", "-q", "feature")
    assert found(repo, "--diff", "main") == [("RB101", "app/feature.py", 2)]


def test_uncommitted_staged_and_untracked_changes(repo):
    write(repo, "app/client.py", OLD.replace("timeout=5)\n    # And", "timeout=None)\n    # And"))
    git(repo, "add", "app/client.py")
    write(repo, "app/legacy.py", "def bad(x):\n    return x\n")
    write(repo, "app/new.py", DOC + "from . import legacy\n")
    everything = found(repo, "--diff", "HEAD")
    assert ("RB205", "app/client.py", 8) in everything
    # Half of `bad` is rewritten: it is the change's, though its signature is not.
    assert ("RB401", "app/legacy.py", 1) in everything and ("RB302", "app/legacy.py", 1) not in everything
    assert ("RB101", "app/new.py", 2) in everything
    # The index holds only the client change; the work tree's other edits are not judged.
    assert found(repo, "--diff", "HEAD", "--staged") == [("RB201", "app/client.py", 8), ("RB205", "app/client.py", 8)]


def test_staged_content_is_read_from_the_index(repo):
    write(repo, "app/client.py", OLD + "\n\ndef staged(a: int) -> int:\n    \"\"\"Doc.\"\"\"\n    return a\n")
    git(repo, "add", "app/client.py")
    # Breaking the work tree copy afterwards must not change what the staged scan sees.
    write(repo, "app/client.py", "def broken(:\n")
    assert found(repo, "--diff", "HEAD", "--staged") == []


def test_head_compares_with_a_commit(repo):
    write(repo, "app/feature.py", DOC + "from . import client\n")
    commit(repo)
    feature = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    assert found(repo, "--diff", "main", "--head", feature) == [("RB101", "app/feature.py", 2)]


def test_filter_modes(repo):
    write(repo, "app/client.py", OLD.replace("    return first", "    _ = len(first.content)\n    return first"))
    commit(repo)
    # RB201's failures pass through the changed function: they are the change's; line rules see nothing new.
    assert found(repo, "--diff", "main") == [("RB201", "app/client.py", 8)]
    context = found(repo, "--diff", "main", "--filter-mode", "diff_context")
    assert context == [("RB201", "app/client.py", 8)]
    whole = found(repo, "--diff", "main", "--filter-mode", "file")
    assert ("RB201", "app/client.py", 8) in whole and not [f for f in whole if f[1] == "app/legacy.py"]
    everything = found(repo, "--diff", "main", "--filter-mode", "nofilter")
    assert ("RB302", "app/legacy.py", 1) in everything


def test_binary_and_non_python_files_are_skipped(repo):
    (repo / "app" / "blob.py").write_bytes(b"\x00\x01binary")
    write(repo, "app/notes.txt", "from . import x\n")
    commit(repo)
    # Git shows no lines of a binary file: it changed as a whole, and reading it says why it is no Python.
    result = run_reviewbot(repo, "scan", "--diff", "main", "--filter-mode", "file")
    assert result.stdout.startswith("app/blob.py:1:1: RB001 [error] file contains a NUL byte at offset 0\n")


def test_fail_on_applies_after_filtering(repo):
    # A public function without a docstring: RB401, an info.
    write(repo, "app/client.py", OLD + "\n\ndef helper(x: int) -> int:\n    return x\n")
    commit(repo)
    assert run_reviewbot(repo, "scan", "--diff", "main").code == 0
    assert run_reviewbot(repo, "scan", "--diff", "main", "--fail-on", "info").code == 1


def test_fix_in_changed_lines_mode(repo):
    write(repo, "app/feature.py", DOC + "from . import client\n")
    commit(repo)
    result = run_reviewbot(repo, "scan", "--diff", "main", "--fix")
    assert result.code == 0
    assert (repo / "app/feature.py").read_text() == DOC + "from app import client\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--diff", "nope"), "--diff nope: unknown revision"),
        (("--diff", "main", "--head", "nope"), "--head nope: unknown revision"),
        (("--staged",), "--staged only makes sense with --diff REV"),
        (("--diff", "main", "--staged", "--fix"), "--fix changes the work tree"),
    ],
)
def test_errors_exit_2(repo, args, message):
    result = run_reviewbot(repo, "scan", *args)
    assert result.code == 2
    assert message in result.stderr


def test_no_git_repository_is_a_clear_error(tmp_path):
    (tmp_path / "plain").mkdir()
    result = run_reviewbot(tmp_path / "plain", "scan", "--diff", "main")
    assert result.code == 2
    assert "--diff needs a git repository" in result.stderr


def test_shallow_clone_without_the_merge_base_says_how_to_fetch(tmp_path, repo):
    write(repo, "app/feature.py", DOC + "from . import client\n")
    commit(repo)
    git(repo, "checkout", "-q", "main")
    write(repo, "app/later.py", DOC)
    commit(repo, "main moves on")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", "--no-single-branch", "--branch", "feature", f"file://{repo}", str(shallow)], check=True)
    result = run_reviewbot(shallow, "scan", "--diff", "origin/main")
    assert result.code == 2
    assert "no merge base with HEAD in this shallow clone" in result.stderr
    assert "git fetch --deepen" in result.stderr


def test_first_commit_in_a_new_repository(tmp_path):
    repo = make_repo(tmp_path / "fresh", {"app/__init__.py": "", "app/core.py": DOC + "from . import x\n"}, commit=False)
    git(repo, "add", "-A")
    assert found(repo, "--diff", "HEAD", "--staged") == [("RB101", "app/core.py", 2)]


def test_parse_patch_reads_added_lines_hunks_and_quoted_renamed_paths():
    patch = (
        "diff --git a/old.py \"b/n\\303\\251w.py\"\n"
        "similarity index 90%\nrename from old.py\nrename to \"n\\303\\251w.py\"\n"
        "--- a/old.py\n+++ \"b/n\\303\\251w.py\"\n"
        "@@ -1,3 +1,4 @@\n a\n-b\n+B\n++++ not a header\n c\n"
        "diff --git a/gone.txt b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x\n"
    )
    renamed, created = parse_patch(patch)
    assert (renamed.path, sorted(renamed.added), renamed.hunks, renamed.new) == ("n\u00e9w.py", [2, 3], ((1, 4),), False)
    assert (created.path, sorted(created.added), created.new) == ("new.py", [1], True)


def test_names_with_spaces_and_undecodable_bytes(repo):
    write(repo, "app/my file.py", DOC)
    (repo / "app").joinpath(b"caf\xe9.py".decode("utf-8", "surrogateescape")).write_bytes(DOC.encode())
    commit(repo)
    write(repo, "app/my file.py", DOC + "from . import a\n")
    (repo / "app").joinpath(b"caf\xe9.py".decode("utf-8", "surrogateescape")).write_bytes((DOC + "from . import b\n").encode())
    rules = [(rule, line) for rule, _, line in found(repo, "--diff", "HEAD")]
    assert rules == [("RB101", 2), ("RB101", 2)]


def test_line_numbers_survive_git_settings_and_odd_characters(repo):
    git(repo, "config", "diff.suppressBlankEmpty", "true")
    write(repo, "app/odd.py", DOC + "\ns = 'a\u2028b'\n\nx = 1\n")
    commit(repo)
    write(repo, "app/odd.py", DOC + "\ns = 'a\u2028b'\n\nx = 1\nfrom . import c\n")
    assert found(repo, "--diff", "HEAD") == [("RB101", "app/odd.py", 6)]


def test_a_missing_final_newline_does_not_make_the_old_last_line_new(repo):
    # RB101 asked for everywhere: the file's own relative import does not make it its style.
    write(repo, ".reviewbot.yml", "ignore: [RB801]\nimports:\n  style: absolute\n")
    write(repo, "app/tail.py", DOC + "from . import old")
    commit(repo)
    write(repo, "app/tail.py", DOC + "from . import old\nfrom . import new\n")
    assert found(repo, "--diff", "HEAD") == [("RB101", "app/tail.py", 3)]


def test_a_function_that_only_lost_lines_or_changed_a_decorator_is_not_the_changes(repo):
    # Whole-definition findings judge code the change wrote: a docstring removed from an old
    # function, or a decorator changed on it, does not make its old signature or body new.
    write(repo, "app/client.py", OLD.replace('    """Fetch."""\n', ""))
    # RB201 is the exception: lines removed from a function on a failure's path (a handler,
    # say) change where the failure goes.
    assert [f for f in found(repo, "--diff", "HEAD") if f[0] != "RB201"] == []
    write(repo, "app/deco.py", "import functools\n\n\n@functools.cache\ndef bad(x):\n    pass\n")
    commit(repo)
    write(repo, "app/deco.py", "import functools\n\n\n@functools.lru_cache\ndef bad(x):\n    pass\n")
    assert found(repo, "--diff", "HEAD") == []


def test_committing_a_merge_judges_only_the_committers_own_lines(repo):
    write(repo, "app/feature.py", DOC + "x = 1\n")
    commit(repo)
    git(repo, "checkout", "-q", "main")
    write(repo, "app/mainline.py", DOC + "from . import legacy\n")
    commit(repo, "main")
    git(repo, "checkout", "-q", "feature")
    git(repo, "merge", "-q", "--no-commit", "--no-ff", "main")
    write(repo, "app/feature.py", DOC + "x = 1\nfrom . import y\n")
    git(repo, "add", "-A")
    assert found(repo, "--diff", "HEAD", "--staged") == [("RB101", "app/feature.py", 3)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--diff", "main", "--head", "main", "--staged"), "--head and --staged name two different new sides"),
        (("--diff", "main", "--staged", "--filter-mode", "nofilter"), "cannot be combined with --head or --staged"),
        (("--diff", "main", "ap"), "ap: no such file or directory"),
    ],
)
def test_more_usage_errors(repo, args, message):
    result = run_reviewbot(repo, "scan", *args)
    assert result.code == 2 and message in result.stderr


def test_diff_against_a_branch_before_the_first_commit(tmp_path):
    repo = make_repo(tmp_path / "empty", {"app/__init__.py": ""}, commit=False)
    result = run_reviewbot(repo, "scan", "--diff", "main")
    assert result.code == 2 and "this repository has no commit yet" in result.stderr


def test_a_binary_file_in_the_patch_changed_as_a_whole():
    patch = "diff --git a/app/nul.py b/app/nul.py\nnew file mode 100644\nindex 0000000..625d174\nBinary files /dev/null and b/app/nul.py differ\n"
    [change] = parse_patch(patch)
    assert (change.path, change.new, change.added) == ("app/nul.py", True, frozenset({1}))


def test_a_binary_file_whose_name_holds_and():
    patch = "diff --git a/x and y.py b/x and y.py\nnew file mode 100644\nBinary files /dev/null and b/x and y.py differ\n"
    assert [change.path for change in parse_patch(patch)] == ["x and y.py"]
