"""The project phase: facts gathered in phase 1, and the rules that read them (RB802)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewbot.engine import scan_file
from reviewbot.model import Facts
from tests.conftest import git, make_repo, run_main, settings

DOC = '"""Module."""\n'


def test_phase_one_gathers_imports_and_definitions():
    code = (
        "import os.path, json as j\n"
        "from app.models import Order, Line\n"
        "from . import cache\n"
        "\n"
        "@decorate\n"
        "class Cart:\n"
        "    def total(self) -> int:\n"
        "        def inner() -> int:\n"
        "            import re\n"
        "            return 1\n"
        "        return inner()\n"
        "\n"
        "def reset() -> None:\n"
        "    pass\n"
    )
    facts = scan_file("app/service.py", code.encode(), settings()).facts
    assert facts == Facts(
        path="app/service.py",
        is_test=False,
        imports=(("os.path", 1), ("json", 1), ("app.models.Order", 2), ("app.models.Line", 2), ("app.cache", 3), ("re", 9)),
        definitions=(("Cart.total", "function", 7, 11, 7), ("Cart", "class", 5, 11, 6), ("reset", "function", 13, 14, 13)),
        # RB201's call graph: the classes and their bases (no function here calls anything it follows).
        classes=(("Cart", ()),),
    )
    assert Facts.from_record(json.loads(json.dumps(facts.to_record()))) == facts


def test_test_files_record_their_identifiers_and_every_file_its_suppressions():
    code = "from app.orders import place  # noqa: RB501\n\ndef test_it(client):\n    client.refund(place())\n"
    # RB801 reads the names tests use.
    asking = settings({"extend-select": ["RB801"]})
    facts = scan_file("tests/test_orders.py", code.encode(), asking).facts
    assert facts.names == ("app", "client", "orders", "place", "refund", "test_it")
    assert facts.suppressions == ((1, "# noqa: RB501"),)
    assert scan_file("app/orders.py", code.encode(), asking).facts.names == ()


def test_a_file_that_does_not_parse_has_bare_facts():
    assert scan_file("tests/test_x.py", b"def broken(:\n", settings()).facts == Facts("tests/test_x.py", is_test=True)


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def function_lines(count: int) -> str:
    """``count`` lines of clean, documented code."""
    return "".join(f"\n\ndef step_{n}() -> int:\n    \"\"\"Step {n}.\"\"\"\n    return {n}\n" for n in range(count // 5))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/small.py": DOC,
        # RB801 (untested functions) has tests of its own below.
        ".reviewbot.yml": "changes:\n  max-added-lines: 40\nignore: [RB801]\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


@pytest.mark.slow
def test_rb802_flags_a_change_over_the_limit_once_on_the_largest_file(repo):
    (repo / "app/small.py").write_text(DOC + function_lines(20))
    (repo / "app/large.py").write_text(DOC + function_lines(30))
    # Tests do not count: writing them is what the agent should do more of.
    (repo / "tests").mkdir()
    (repo / "tests/test_large.py").write_text(function_lines(200))
    commit(repo)
    result = run_main(repo, "scan", "--diff", "main", "--format", "json")
    assert result.code == 0, result.stderr  # a warning: the default gate fails on errors only
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == ("RB802", "app/large.py", 1)
    assert finding["message"].startswith("this change adds 51 lines of non-test Python (`app/large.py`: 31), more than 40")
    assert finding["quote"] == "Writing full-blown code without incremental review cycles"
    # The same change in smaller steps passes; a full scan has no change to judge.
    assert run_main(repo, "scan", "--diff", "HEAD~0", "--format", "json").stdout.count("RB802") == 0
    assert "RB802" not in run_main(repo, "scan", "--format", "json").stdout


@pytest.mark.slow
def test_rb802_follows_config_and_per_file_ignores(repo):
    (repo / "app/large.py").write_text(DOC + function_lines(60))
    commit(repo)
    (repo / ".reviewbot.yml").write_text("changes:\n  max-added-lines: 100\n")
    assert "RB802" not in run_main(repo, "scan", "--diff", "main", "--format", "json").stdout
    (repo / ".reviewbot.yml").write_text("changes:\n  max-added-lines: 40\nper-file-ignores:\n  'app/large.py': [RB802]\n")
    assert "RB802" not in run_main(repo, "scan", "--diff", "main", "--format", "json").stdout
    # A suppression comment on the line it is reported on works as for any rule.
    (repo / ".reviewbot.yml").write_text("changes:\n  max-added-lines: 40\n")
    (repo / "app/large.py").write_text('"""Module."""  # noqa: RB802\n' + function_lines(60))
    assert "RB802" not in run_main(repo, "scan", "--diff", "main", "--format", "json").stdout


def test_a_shard_leaves_the_project_phase_to_merge(repo, monkeypatch, tmp_path):
    from reviewbot import session
    from reviewbot.cli import main
    from reviewbot.project import load_settings

    (repo / "app/large.py").write_text(DOC + function_lines(60))
    commit(repo)
    request = session.Request(root=repo, settings=load_settings(repo), diff="main", jobs=1, cache=False)
    assert [f.rule for f in session.run(request).findings] == ["RB802"]
    # A shard sees part of the project only: no project rule runs there.
    assert session.run(session.Request(**{**vars(request), "shard": (1, 1)})).findings == ()
    # merge runs the project phase once, over every shard's facts.
    monkeypatch.chdir(repo)
    reports = [str(tmp_path / f"shard-{index}.json") for index in (1, 2)]
    for index, report in enumerate(reports, 1):
        assert main(["scan", "--shard", f"{index}/2", "--jobs", "1", "--format", "json", "--output", report]) == 0
    seen = []
    monkeypatch.setattr(session, "phase2", lambda settings, facts, change: seen.append((sorted(facts), change)) or ([], set()))
    assert main(["merge", *reports, "--format", "json", "--output", str(tmp_path / "merged.json")]) == 0
    assert seen == [(["app/__init__.py", "app/large.py", "app/small.py"], None)]


def test_a_git_command_started_early_answers_the_call_that_asks_for_it(tmp_path):
    import pytest

    from reviewbot import gitcli
    from reviewbot.errors import GitError
    from tests.conftest import make_repo

    root = make_repo(tmp_path / "repo", {"app/a.py": "A = 1\n"})
    (root / "app/untracked.py").write_text("B = 2\n")
    gitcli.start(root, *gitcli.LISTING, ".")
    assert (str(root), *gitcli.LISTING, ".") in gitcli._STARTED
    assert sorted(gitcli.git_output(root, *gitcli.LISTING, ".").split(b"\0")[:-1]) == [b"app/a.py", b"app/untracked.py"]
    # Taken once: the next call runs git again.
    assert not gitcli._STARTED
    gitcli.start(root, "rev-parse", "--verify", "no-such-revision")
    with pytest.raises(GitError, match="git failed: fatal: "):
        gitcli.git_output(root, "rev-parse", "--verify", "no-such-revision")
