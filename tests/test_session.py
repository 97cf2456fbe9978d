"""The session's phase 1: worker processes, crash isolation and the SQLite cache."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from reviewbot import engine
from reviewbot import session as session_module
from reviewbot import cache as cache_module
from reviewbot.cache import DATABASE, DEFAULT_DIRECTORY, FORMAT
from reviewbot.merge import missing_shards
from reviewbot.project import find_root, load_settings
from reviewbot.session import Progress, Request, run
from tests.conftest import git, make_repo, on_a_terminal, run_main

DOC = '"""Module."""\n'
FILES = {
    "pyproject.toml": '[project]\nname = "app"\n',
    "app/__init__.py": "",
    "app/orders.py": DOC + "from .models import Order\n\n\ndef reset(orders: list[Order]):\n    \"\"\"Forget.\"\"\"\n    orders.clear()\n",
    "app/models.py": DOC + "\n\nclass Order:\n    \"\"\"An order.\"\"\"\n",
    "app/client.py": DOC + "import requests\n\n\ndef get(url: str) -> bytes:\n    \"\"\"Fetch.\"\"\"\n    return requests.get(url).content\n",
    "app/broken.py": "def broken(:\n",
}
# Slow enough to parse that a worker is still holding it a second later (about 40,000 lines).
BIG = DOC + "".join(f"VALUE_{n} = {n}  # one\n" for n in range(40_000))


def request(repo: Path, **changes: object) -> Request:
    root, is_git = find_root(repo)
    return replace(Request(root=root, settings=load_settings(root), is_git=is_git), **changes)  # type: ignore[arg-type]


def summary(findings) -> list[tuple[str, str, int]]:
    return [(f.path, f.rule, f.line) for f in findings]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", FILES)


def test_workers_report_exactly_what_one_process_reports(repo):
    alone = run(request(repo, jobs=1, cache=False))
    pooled = run(request(repo, jobs=2, cache=False))
    assert pooled.findings == alone.findings
    assert ("app/broken.py", "RB000", 1) in summary(alone.findings)
    assert ("app/orders.py", "RB101", 2) in summary(alone.findings)


def test_a_warm_run_parses_nothing_and_reports_the_same(repo, monkeypatch):
    cold = run(request(repo, jobs=1))
    assert (repo / DEFAULT_DIRECTORY / DATABASE).is_file()
    assert (repo / DEFAULT_DIRECTORY / ".gitignore").read_text() == "*\n"
    assert (repo / DEFAULT_DIRECTORY / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")

    def parse_nothing(*args: object) -> None:
        raise AssertionError("a cached file was scanned again")

    monkeypatch.setattr(engine, "scan_source", parse_nothing)
    for jobs in (1, 2):
        assert run(request(repo, jobs=jobs)).findings == cold.findings
    # Without the remembered scan: every file's cached result, then the project phase.
    monkeypatch.setattr(cache_module.Cache, "run", lambda self, key: None)
    assert run(request(repo, jobs=1)).findings == cold.findings


def test_an_unchanged_repository_answers_as_the_scan_that_saw_it(repo, monkeypatch, caplog):
    cold = run(request(repo, jobs=1))

    def no_phase1(*args: object, **keywords: object) -> None:
        raise AssertionError("phase 1 ran for an unchanged repository")

    monkeypatch.setattr(session_module, "phase1", no_phase1)
    with caplog.at_level(logging.INFO, logger="reviewbot"):
        warm = run(request(repo, jobs=1))
    assert warm.findings == warm.everything == cold.findings and warm.files == cold.files
    assert "5 files unchanged since a scan: its findings, from the cache" in caplog.messages
    # Another set of files, a shard or a change is another question: phase 1 answers it.
    for changes in ({"paths": (repo / "app/orders.py",)}, {"shard": (1, 2)}, {"diff": "HEAD"}):
        with pytest.raises(AssertionError, match="phase 1 ran"):
            run(request(repo, jobs=1, **changes))


@pytest.mark.parametrize(
    "change",
    ["an edited file", "a new file", "conventions off", "a commit changing the Ruff config"],
)
def test_what_a_remembered_scan_depends_on_makes_it_scan_again(tmp_path, change):
    # Untyped code: the repository's convention leaves RB301-RB303 out (see test_conventions).
    untyped = {f"app/m{n}.py": DOC + "".join(f"\n\ndef f{k}(x):\n    return x\n" for k in range(3)) for n in range(8)}
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", **untyped})
    before = summary(run(request(repo, jobs=1)).findings)
    assert not any(rule.startswith("RB30") for _, rule, _ in before)
    if change == "an edited file":
        (repo / "app/m0.py").write_text(DOC + "from . import m1\n")
        expected = ("app/m0.py", "RB101", 2)
    elif change == "a new file":
        (repo / "app/extra.py").write_text(DOC + "from . import m1\n")
        expected = ("app/extra.py", "RB101", 2)
    elif change == "conventions off":
        (repo / ".reviewbot.yml").write_text("conventions: false\n")
        expected = ("app/m0.py", "RB301", 4)
    else:
        (repo / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["ANN"]\n')
        # Uncommitted, the Ruff configuration is not yet the team's: nothing changes.
        assert summary(run(request(repo, jobs=1)).findings) == before
        git(repo, "add", "pyproject.toml")
        git(repo, "commit", "-qm", "ruff")
        expected = ("app/m0.py", "RB301", 4)
    assert expected in summary(run(request(repo, jobs=1)).findings)


@pytest.mark.parametrize("settled", [True, False])
def test_a_file_is_read_once_and_only_an_edited_one_twice(repo, monkeypatch, settled):
    # Files changed in the last SETTLED_NS are hashed again: their stat signature may not tell.
    if settled:
        monkeypatch.setattr(session_module, "SETTLED_NS", 0)
    run(request(repo, jobs=1))
    (repo / "app/models.py").write_text(DOC + "from . import orders\n")
    reads: list[str] = []
    real = session_module.read_source

    def counted(path: Path, limit: int) -> bytes:
        reads.append(path.relative_to(repo).as_posix())
        return real(path, limit)

    monkeypatch.setattr(session_module, "read_source", counted)
    run(request(repo, jobs=1))
    # Hashed for the remembered scan's key (those the cache knows by their stat signature are not
    # read); then the cache answers for all but the edited file, which is read to be scanned.
    hashed = ["app/models.py"] if settled else [f for f in FILES if f.endswith(".py")]
    assert sorted(reads) == sorted([*hashed, "app/models.py"])


def test_a_file_rewritten_with_its_size_and_modification_time_is_read_again(repo, monkeypatch):
    # A write moves the change time, which nothing else can set: the stat signature tells.
    monkeypatch.setattr(session_module, "SETTLED_NS", 0)
    client = repo / "app/client.py"
    assert [f.line for f in run(request(repo, jobs=1)).findings if f.path == "app/client.py" and f.rule == "RB205"] != []
    before = client.stat()
    client.write_text(client.read_text().replace("requests.get(url)", "requests_get(url)"))
    os.utime(client, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert client.stat().st_size == before.st_size and client.stat().st_mtime_ns == before.st_mtime_ns
    assert [f.line for f in run(request(repo, jobs=1)).findings if f.path == "app/client.py" and f.rule == "RB205"] == []


def test_verbose_says_how_much_came_from_the_cache(repo, caplog):
    with caplog.at_level(logging.INFO, logger="reviewbot"):
        run(request(repo, jobs=1))
        (repo / "app/models.py").write_text(DOC + "from . import orders\n")
        run(request(repo, jobs=2))
    notes = [record.getMessage() for record in caplog.records if "from the cache" in record.getMessage()]
    assert notes == ["5 files: 0 from the cache, 5 parsed by 1 worker process", "5 files: 4 from the cache, 1 parsed by 1 worker process"]


def test_an_edited_file_and_a_changed_config_are_scanned_again(repo):
    run(request(repo, jobs=1))
    (repo / "app/models.py").write_text(DOC + "from . import orders\n")
    assert ("app/models.py", "RB101", 2) in summary(run(request(repo, jobs=1)).findings)
    (repo / ".reviewbot.yml").write_text("ignore: [RB101]\n")
    assert [f for f in run(request(repo, jobs=1)).findings if f.rule == "RB101"] == []


@pytest.mark.parametrize("damage", ["random bytes", "foreign format", "foreign table"])
def test_a_damaged_cache_is_discarded_and_rebuilt(repo, damage):
    expected = run(request(repo, jobs=1, cache=False)).findings
    run(request(repo, jobs=1))
    database = repo / DEFAULT_DIRECTORY / DATABASE
    if damage == "random bytes":
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.write_bytes(os.urandom(8192))
    else:
        with sqlite3.connect(database) as connection:
            if damage == "foreign format":
                connection.execute("UPDATE meta SET value = 'reviewbot-cache 99' WHERE key = 'format'")
            else:
                connection.execute("CREATE TABLE other (x)")
    assert run(request(repo, jobs=1)).findings == expected
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT value FROM meta").fetchone() == (FORMAT,)
        assert connection.execute("SELECT count(*) FROM phase1").fetchone() == (len([f for f in FILES if f.endswith(".py")]),)


def test_no_cache_neither_reads_nor_writes(repo):
    run(request(repo, jobs=1, cache=False))
    assert not (repo / DEFAULT_DIRECTORY).exists()


def test_a_file_over_the_time_limit_costs_one_rb002_and_nothing_else(repo):
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    result = run(request(repo, jobs=2, cache=False, file_timeout=0.5))
    big = [f for f in result.findings if f.path == "app/big.py"]
    assert [(f.rule, f.message) for f in big] == [
        ("RB002", "internal error: took longer than --file-timeout (0.5 s); the other files were scanned")
    ]
    others = run(request(repo, jobs=1, cache=False, paths=tuple(repo / name for name in FILES if name.endswith(".py"))))
    assert [f for f in result.findings if f.path != "app/big.py"] == list(others.findings)


def test_in_place_too_a_file_over_the_time_limit_costs_one_rb002(repo):
    # The hook server's child scans in place: the same limit, and the process as it was after it.
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    limit = sys.getrecursionlimit()
    result = run(request(repo, jobs=1, cache=False, file_timeout=0.5, isolate=False))
    assert [(f.rule, f.message) for f in result.findings if f.path == "app/big.py"] == [
        ("RB002", "internal error: took longer than --file-timeout (0.5 s); the other files were scanned")
    ]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and sys.getrecursionlimit() == limit


# Scans a two-megabyte line in place under a 300 MiB cap, in a process of its own (the cap is the
# address space of the process that scans), and prints what the scan and the process became.
IN_PLACE_OVER_MEMORY = """
import resource
from reviewbot.config import build_settings
from reviewbot.workers import scan_in_place

before = resource.getrlimit(resource.RLIMIT_AS)
result, lost = scan_in_place("app/line.py", b"x = [" + b"1," * 1_000_000 + b"]\\n", build_settings({"max-memory": "300MiB"}), 60)
print(lost, [(f.rule, f.message) for f in result.findings], resource.getrlimit(resource.RLIMIT_AS) == before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux enforces RLIMIT_AS")
def test_in_place_a_file_over_max_memory_costs_one_rb002_and_the_process_gets_its_limit_back():
    done = subprocess.run([sys.executable, "-c", IN_PLACE_OVER_MEMORY], capture_output=True, text=True, timeout=120)
    message = "internal error: went over max-memory (300 MiB); the other files were scanned"
    assert done.stdout == f"True {[('RB002', message)]} True\n", done.stderr


def test_in_place_a_lost_file_is_not_cached(repo):
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    run(request(repo, jobs=1, file_timeout=0.5, isolate=False))
    with sqlite3.connect(repo / DEFAULT_DIRECTORY / DATABASE) as connection:
        # Every file but the lost one.
        assert connection.execute("SELECT count(*) FROM phase1").fetchone() == (len([f for f in FILES if f.endswith(".py")]),)


def test_a_scan_that_lost_a_file_is_not_remembered(repo, caplog):
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    with caplog.at_level(logging.INFO, logger="reviewbot"):
        for _ in range(2):
            run(request(repo, jobs=1, file_timeout=0.3))
    assert not [message for message in caplog.messages if "unchanged since a scan" in message]
    assert [message for message in caplog.messages if message.startswith("6 files: 5 from the cache, 1 parsed")]


def test_the_base_is_read_in_the_work_tree_where_git_says_nothing_changed(tmp_path):
    # At the base every file mentions `charge`; in the work tree one is edited, one deleted, one
    # added (staged) and one excluded, none of them committed.
    mentions = DOC + "from app.payments import charge\n"
    files = {"app/__init__.py": "", "app/kept.py": mentions, "app/edited.py": mentions, "app/deleted.py": mentions, "vendor/lib.py": mentions}
    repo = make_repo(tmp_path / "repo", {**files, ".reviewbot.yml": "exclude: ['vendor/**']\n"})
    (repo / "app/edited.py").write_text(DOC + "X = 1\n")
    (repo / "app/deleted.py").unlink()
    (repo / "app/added.py").write_text(mentions)
    git(repo, "add", "app/added.py")
    from reviewbot.diff import compute

    history = session_module.GitHistory(request(repo), compute(repo, "HEAD", None, False, None))
    assert history._changed_since_base() == {"app/edited.py": "M", "app/deleted.py": "D", "app/added.py": "A"}
    # What the base holds: the edited and the deleted file as they were, the added one not at all.
    found = history.base(["charge"], lambda path: True)
    assert found is not None and sorted(found) == ["app/deleted.py", "app/edited.py", "app/kept.py"]
    assert found["app/edited.py"].imports == found["app/kept.py"].imports != ()
    assert history.base([], lambda path: True) == {}


def test_mentions_in_the_work_tree_are_the_bases_kept_for_its_commit_but_the_changed_files_as_they_are(tmp_path, monkeypatch):
    # At the last commit three files mention `charge`; in the work tree one stops, one starts,
    # one is deleted and one is added (staged). The answer is what `git grep` says of the work tree.
    mentions = DOC + "from app.payments import charge\n"
    quiet = DOC + "X = 1\n"
    files = {"app/__init__.py": "", "app/kept.py": mentions, "app/edited.py": mentions, "app/deleted.py": mentions, "app/quiet.py": quiet, "vendor/lib.py": mentions}
    repo = make_repo(tmp_path / "repo", {**files, ".reviewbot.yml": "exclude: ['vendor/**']\n"})
    monkeypatch.setattr(session_module, "MAX_SOURCE_BYTES", 1000)
    (repo / "app/edited.py").write_text(quiet)
    # Too large to read here: git says whether it mentions the word.
    (repo / "app/quiet.py").write_text(mentions + "#" * 2000 + "\n")
    (repo / "vendor/lib.py").write_text(mentions + "charge()\n")
    (repo / "app/deleted.py").unlink()
    (repo / "app/added.py").write_text(mentions)
    git(repo, "add", "app/added.py")
    from reviewbot.diff import compute

    grepped = git(repo, "grep", "-l", "-w", "-F", "charge", "--", "*.py").split()
    assert sorted(path for path in grepped if not path.startswith("vendor/")) == ["app/added.py", "app/kept.py", "app/quiet.py"]
    scan = request(repo)
    cache = session_module._cache(scan)
    for attempt in range(2):
        history = session_module.GitHistory(scan, compute(repo, "HEAD", None, False, None), cache)
        run_git = history._git
        greps: list[tuple[str, ...]] = []
        history._git = lambda *args: (greps.append(args) if "grep" in args else None, run_git(*args))[1]  # type: ignore[method-assign]
        assert history.mentions("charge") == ["app/added.py", "app/kept.py", "app/quiet.py"]
        found = history.base(["charge"], lambda path: True)
        assert found is not None and sorted(found) == ["app/deleted.py", "app/edited.py", "app/kept.py"]
        # The base's answer is the commit's: grepped once, then kept; the large file is asked alone.
        assert [args[-1] for args in greps] == (["*.py", ":(literal)app/quiet.py"] if attempt == 0 else [":(literal)app/quiet.py"]), greps
    assert cache is not None
    cache.close()


def test_the_file_waiting_behind_a_lost_one_goes_to_the_fresh_worker(repo):
    expected = run(request(repo, jobs=1, cache=False)).findings
    # One worker holds the big file and, in its pipe, the next one (app/broken.py).
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    found = run(request(repo, jobs=1, cache=False, file_timeout=0.3)).findings
    assert [f.message for f in found if f.path == "app/big.py"] == ["internal error: took longer than --file-timeout (0.3 s); the other files were scanned"]
    assert [f for f in found if f.path != "app/big.py"] == list(expected)
    assert ("app/broken.py", "RB000", 1) in summary(found)


def test_a_large_file_waits_for_an_idle_worker_so_the_time_out_still_holds(repo):
    # Behind the big file comes one larger than a pipe holds: sent to the busy worker, it would
    # block this process past the big file's time-out.
    (repo / "app/big.py").write_text(BIG)
    (repo / "app/big_too.py").write_text(DOC + "DATA = \"" + "x" * 400_000 + "\"\n")
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    found = run(request(repo, jobs=1, cache=False, file_timeout=1.0)).findings
    assert [f.message for f in found if f.path == "app/big.py"] == ["internal error: took longer than --file-timeout (1 s); the other files were scanned"]
    assert not [f for f in found if f.path == "app/big_too.py" and f.rule == "RB002"]


@pytest.mark.slow
def test_a_killed_worker_costs_the_file_it_held(repo):
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    process = subprocess.Popen(
        [shutil.which("reviewbot"), "scan", "--jobs", "2", "--no-cache", "--format", "json"], cwd=repo, stdout=subprocess.PIPE, text=True
    )
    # Once the workers run and the small files are done, the only busy worker holds the big file
    # (a loaded machine starts the workers late: wait for them first).
    deadline = time.monotonic() + 60
    while not children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    for child in children(process.pid):
        os.kill(child, signal.SIGKILL)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    findings = json.loads(output)["findings"]
    big = [f["message"] for f in findings if f["path"] == "app/big.py"]
    assert big == ["internal error: the worker process scanning it died (signal SIGKILL); the other files were scanned"]
    everything_else = run_main(repo, "scan", "--no-cache", "--format", "json", "app/__init__.py", "app/orders.py", "app/models.py", "app/client.py", "app/broken.py")
    assert [f for f in findings if f["path"] != "app/big.py"] == json.loads(everything_else.stdout)["findings"]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_two_scans_on_a_cold_cache_at_once_both_report_correctly(repo):
    expected = run_main(repo, "scan", "--no-cache", "--format", "json").stdout
    command = [shutil.which("reviewbot"), "scan", "--format", "json"]
    both = [subprocess.Popen(command, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in both]
    assert [output for output, _ in outputs] == [expected, expected]
    assert [error for _, error in outputs] == ["", ""]
    # And the cache they wrote serves a third scan, byte for byte.
    assert run_main(repo, "scan", "--format", "json").stdout == expected


def test_a_cache_committed_to_the_repository_is_not_trusted(repo, caplog):
    # A commit that brings a cache claiming its files are clean must not switch the gate off.
    run(request(repo, jobs=1))
    cache = repo / DEFAULT_DIRECTORY / DATABASE
    with sqlite3.connect(cache) as connection:
        # Well-formed rows that claim every file is clean.
        connection.execute("UPDATE phase1 SET result = json_set(result, '$.findings', json('[]'))")
    subprocess.run(["git", "add", "-f", str(cache)], cwd=repo, check=True)
    result = run(request(repo, jobs=1))
    assert ("app/orders.py", "RB101", 2) in summary(result.findings)
    assert "is committed to the repository" in caplog.text


def test_shards_split_the_files_disjointly_and_stably():
    from reviewbot.session import in_shard

    files = [f"pkg/module_{n}.py" for n in range(200)]
    parts = [in_shard(files, (index, 3)) for index in (1, 2, 3)]
    assert sorted(path for part in parts for path in part) == sorted(files)
    assert all(len(part) > 40 for part in parts)
    assert in_shard(files, (2, 3)) == parts[1]


@pytest.mark.slow
def test_shards_merged_equal_the_full_scan(repo):
    full = {report: run_main(repo, "scan", "--no-cache", "--format", report) for report in ("json", "sarif")}
    shards = []
    for index in (1, 2):
        shard = repo.parent / f"shard-{index}.json"
        result = run_main(repo, "scan", "--shard", f"{index}/2", "--format", "json", "--output", str(shard))
        assert result.code in (0, 1), result.stderr
        shards.append(shard)
    paths = [{f["path"] for f in json.loads(shard.read_text())["findings"]} for shard in shards]
    assert paths[0] and paths[1] and not paths[0] & paths[1]
    # Each shard carries its files' facts for the project phase, which merge runs over all of them.
    facts = [{f["path"] for f in json.loads(shard.read_text())["facts"]} for shard in shards]
    assert not facts[0] & facts[1]
    assert facts[0] | facts[1] == {name for name in FILES if name.endswith(".py")}
    assert "facts" not in json.loads(full["json"].stdout)
    for report, expected in full.items():
        merged = run_main(repo, "merge", *map(str, shards), "--format", report)
        assert (merged.code, merged.stdout) == (expected.code, expected.stdout)
    twice = run_main(repo, "merge", str(shards[0]), str(shards[0]))
    assert twice.code == 2 and "merge the reports of disjoint shards" in twice.stderr
    # Each report says which shard it is: half a matrix is merged with a warning, or refused under --strict.
    assert [json.loads(shard.read_text())["shard"] for shard in shards] == ["1/2", "2/2"]
    half = run_main(repo, "merge", str(shards[0]), "--format", "json")
    assert half.code in (0, 1) and "merging an incomplete scan: shard 2/2 is missing, and the findings of its files with it" in half.stderr
    assert json.loads(half.stdout)["findings"]
    strict = run_main(repo, "merge", str(shards[0]), "--strict")
    assert strict.code == 2 and "shard 2/2 is missing" in strict.stderr
    # A whole scan's report does not mix with shards, and a shard is not K/N with K beyond N.
    whole = repo.parent / "whole.json"
    whole.write_text(json.dumps({**json.loads(full["json"].stdout), "findings": []}))
    mixed = run_main(repo, "merge", str(whole), *map(str, shards))
    assert mixed.code == 2 and "some reports are shards" in mixed.stderr
    bad = repo.parent / "bad.json"
    bad.write_text(shards[0].read_text().replace('"shard": "1/2"', '"shard": "3/2"'))
    refused = run_main(repo, "merge", str(bad), str(shards[1]))
    assert refused.code == 2 and "shard '3/2' is not K/N with 1 <= K <= N" in refused.stderr


def test_missing_shards_are_named():
    assert missing_shards([]) == ""
    assert missing_shards([(1, 3), (2, 3), (3, 3)]) == ""
    assert missing_shards([(2, 4)]) == "shards 1/4, 3/4, 4/4 are missing, and the findings of their files with them"
    assert missing_shards([(1, 2), (1, 3)]) == "the reports are shards of different matrices (of 2, of 3)"


def _stderr_on_a_terminal(cwd: Path, *args: str, env: dict[str, str]) -> bytes:
    """What ``reviewbot scan`` writes to standard error when that is a terminal."""
    return on_a_terminal([shutil.which("reviewbot"), "scan", *args], cwd, env, stream="stderr")


@pytest.mark.slow
def test_a_progress_line_only_for_a_person_at_a_terminal(repo):
    (repo / "app/big.py").write_text(BIG)
    (repo / ".reviewbot.yml").write_text("max-file-bytes: 10000000\n")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    shown = _stderr_on_a_terminal(repo, "--no-cache", "--jobs", "1", env=env)
    assert re.search(rb"\rreviewbot: [1-6]/6 files, [\d,]+ findings", shown), shown
    # Erased before the report, so nothing of it stays on the screen.
    assert shown.endswith(b"\r\033[K")


@pytest.mark.parametrize(
    ("terminal", "quiet", "ci", "wanted"),
    [(True, False, None, True), (True, True, None, False), (True, False, "true", False), (False, False, None, False)],
    ids=["terminal", "quiet", "ci", "pipe"],
)
def test_who_sees_the_progress_line(monkeypatch, terminal, quiet, ci, wanted):
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    monkeypatch.setattr(sys, "stderr", Stream())
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert Progress.wanted(quiet) is wanted
    # A scan that is not watched draws nothing, however long it takes.
    progress = Progress(3, enabled=wanted)
    progress.started -= 60
    progress.advance(2)
    progress.finish()
    assert ("files, " in sys.stderr.getvalue()) is wanted


def test_scan_asks_for_the_progress_line_unless_quiet(repo, monkeypatch):
    from reviewbot.arguments import build_parser
    from reviewbot.cli import _request

    monkeypatch.chdir(repo)
    monkeypatch.setattr(Progress, "wanted", staticmethod(lambda quiet: not quiet))
    assert _request(build_parser().parse_args(["scan"])).progress is True
    assert _request(build_parser().parse_args(["scan", "--quiet"])).progress is False


def test_a_busy_cache_is_waited_for_never_discarded(repo, monkeypatch):
    # Another scan holding the database (creating it, say) is no sign of damage.
    run(request(repo, jobs=1))
    database = repo / DEFAULT_DIRECTORY / DATABASE
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_MS", 10)
    monkeypatch.setattr(cache_module, "OPEN_ATTEMPTS", 3)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert cache_module.Cache.open(database.parent, "digest") is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM phase1").fetchone()[0] > 0


def test_a_warm_rerun_of_a_change_parses_nothing_either_side(tmp_path, caplog):
    # A change that adds an import between sibling packages: RB503 reads the base's side of
    # the changed files too, which must not take the place of the new side's cache rows.
    files = {"app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "", "app/a/x.py": DOC + "X = 1\n", "app/b/y.py": DOC + "from app.a.x import X\n"}
    repo = make_repo(tmp_path / "repo", files)
    (repo / "app/a/x.py").write_text(DOC + "from app.b import y\n\nX = 1\n")
    (repo / "app/b/y.py").write_text(DOC + "from app.a.x import X\n\nY = X\n")
    run(request(repo, diff="HEAD", jobs=1))
    with caplog.at_level(logging.INFO, logger="reviewbot"):
        again = run(request(repo, diff="HEAD", jobs=1))
    assert [f.rule for f in again.findings] == ["RB503"]
    counts = [message for message in caplog.messages if " from the cache, " in message]
    assert len(counts) >= 2 and all(message.endswith("0 parsed by 0 worker processes") for message in counts), counts
