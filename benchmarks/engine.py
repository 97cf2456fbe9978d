"""Benchmark: reviewbot's engine against a bare parse loop and the peers, in one run, with medians.

    python benchmarks/engine.py                         # django==5.2.8 from PyPI, 3 rounds
    python benchmarks/engine.py --package sentry-sdk==2.44.0 --repeat 5
    python benchmarks/engine.py --peers /path/to/venv/bin  # where ruff, flake8, pylint, fixit live

The corpus is the unpacked wheel of a PyPI package, committed as a git repository, then a commit
that changes 10 files (for ``--diff``). Each round measures every command once, one after another,
so machine load affects them alike; the medians are printed and written to ``docs/benchmarks.md``.
Peak memory is the largest sum of resident memory over the process and its children, sampled.
The findings of every full scan (cold, with one worker or more, and warm) are hashed: the report
says whether they were the same, byte for byte. ``benchmarks/positions.py`` runs once beside them
(positions from CPython's ``ast`` instead of code generation: what it would cost, how exact it is).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import libcst as cst
from corpus import corpus, git

# The checkout, where docs/benchmarks.md is written.
ROOT = Path(__file__).resolve().parent.parent
# docs/benchmarks.md, filled in by ``write_markdown``.
REPORT = """# Benchmarks

Written by `python benchmarks/engine.py` (do not edit by hand).

- Corpus: {corpus}.
- Machine: {machine}.
- Medians of {rounds} rounds ({peer_rounds} for the peers, which take minutes); each round runs every
  command once, one after another. Wall times include start-up; peak memory is the largest sum of
  resident memory over the process and its worker processes.

| command | wall time | peak memory | note |
|---|---|---|---|
{rows}

{ratios}

The peers check their closest rule sets (see the notes), not the same rules: the comparison says what
a Python-only LibCST engine costs next to them, not who finds more.
"""
# The in-process baseline every ratio is measured against.
PARSE = "bare libcst.parse_module loop"
# What LibCST itself costs under the two targets it bounds: positions (parse plus code generation,
# as PositionProvider runs it), and start-up.
GENERATE = "libcst.parse_module + code generation loop"
IMPORT = "python -c 'import libcst' (start-up floor)"
# The agent's hook after an edit: as it runs once the hook server is up, and in a process of its own.
HOOK = "reviewbot hook claude-code (PostToolUse)"
HOOK_ALONE = "reviewbot hook claude-code (PostToolUse), no server"
# The hook's edited module is the corpus file closest to this many lines.
HOOK_LINES = 500
# The edit the hook hears about: a call without a timeout (RB205, an error whatever the repository's
# conventions), so the hook takes its whole path and answers with exit status 2.
HOOK_EDIT = '\n\ndef fetch(url):\n    """Fetch."""\n    import requests\n\n    return requests.get(url)\n'
# Appended to each changed file: a few violations, so the diff scan has findings to report.
ADDITION = "\n\ndef added_for_benchmark(value):\n    return value\n"
# The peers on their closest rule sets (see docs/benchmarks.md for what each covers).
RUFF_RULES = "TID252,E722,S110,S112,BLE001,S113,ANN,D100,D101,D102,D103,C901"
# flake8 with flake8-annotations (ANN), -docstrings (D), -bugbear (B), -tidy-imports (I252).
FLAKE8_RULES = "ANN,D100,D101,D102,D103,E722,B001,I252,C901"
# pylint's messages for bare/broad except, missing timeouts, docstrings and complexity.
PYLINT_RULES = "W0702,W0718,W3101,C0114,C0115,C0116,R1260,W0719"


@dataclass
class Measure:
    """One command's wall times and peak memory over the rounds."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    note: str = ""


def rss_tree_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    # Field 4 of /proc/PID/stat is the parent, field 24 the resident pages (after the name's ")").
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    # Descendants: grow the set until no process has a parent in it that is not in it.
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(rss.get(member, 0) for member in tree) / 1e6


def timed(command: list[str], cwd: Path, stdin: str | None = None) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one command."""
    peak = 0.0
    started = time.perf_counter()
    try:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    except OSError as error:
        sys.exit(f"cannot run {command[0]}: {error}")
    # A thread samples the memory of the process tree while the command runs.
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_tree_mb(process.pid))
            done.wait(0.05)

    # Started after the process, stopped once it has ended: the peak covers its whole life.
    sampler = threading.Thread(target=sample)
    sampler.start()
    process.communicate(stdin)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, peak


def prepare(source: Path, workdir: Path, changed: int) -> tuple[Path, Path]:
    """The corpus as a repository with one commit, then a commit changing ``changed`` files.

    Returns the repository and the module (about 500 lines) the hook measurement edits.
    """
    repo = workdir / "repo"
    shutil.copytree(source, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "corpus")
    files = sorted(repo.rglob("*.py"))
    for path in files[:: max(1, len(files) // changed)][:changed]:
        path.write_text(path.read_text(encoding="utf-8") + ADDITION, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change")
    module = min(files, key=lambda path: abs(path.read_bytes().count(b"\n") - HOOK_LINES))
    return repo, module


def parse_loop(files: list[Path], generate: bool = False) -> float:
    """Seconds to read and ``libcst.parse_module`` every file, in this process.

    With ``generate``, each tree's code is generated again too, text and all: what LibCST's own
    ``PositionProvider`` pays for positions. reviewbot's walk rides the same generation without
    building the text, so it costs less than this, but not less than the generation's node calls.
    """
    started = time.perf_counter()
    for path in files:
        try:
            module = cst.parse_module(path.read_bytes())
        except cst.ParserSyntaxError:
            continue
        if generate:
            _ = module.code  # generated for its cost only
    return time.perf_counter() - started


def commands(repo: Path, module: Path, peers: Path | None) -> dict[str, tuple[list[str], str | None, str]]:
    """Name -> (command, standard input, note) for everything measured by running a program."""
    reviewbot = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    # Every scan writes the full JSON report, as a CI job would.
    report = ["--format", "json", "--output", str(repo.parent / "report.json")]
    # The edit the hook hears about (``main`` appends a violation to the module first).
    event = json.dumps({"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Edit", "tool_input": {"file_path": str(module)}})
    found: dict[str, tuple[list[str], str | None, str]] = {
        "reviewbot cold, --jobs 1": ([reviewbot, "scan", "--jobs", "1", "--no-cache", *report], None, ""),
        "reviewbot cold, default jobs": ([reviewbot, "scan", "--no-cache", *report], None, f"{os.cpu_count()} CPUs"),
        "reviewbot warm (nothing changed)": ([reviewbot, "scan", *report], None, "after a cold run that filled the cache"),
        "reviewbot --diff HEAD~1 (10 files), cold": ([reviewbot, "scan", "--diff", "HEAD~1", "--no-cache", *report], None, ""),
        HOOK: ([reviewbot, "hook", "claude-code"], event, f"{module.relative_to(repo)}, answered by the running hook server"),
        HOOK_ALONE: (["env", "REVIEWBOT_HOOK_SERVER=off", reviewbot, "hook", "claude-code"], event, "the same event answered in its own process (as when no server runs)"),
        # The interpreter that runs reviewbot, so the floor is measured with the same start-up.
        IMPORT: ([_interpreter(reviewbot), "-c", "import libcst"], None, "the floor of any hook that parses"),
    }
    # Each peer with the closest rules it has to reviewbot's, and no cache of its own.
    tools = {
        "ruff": (["check", "--no-cache", "--isolated", "--select", RUFF_RULES, "--exit-zero", "--quiet", "."], f"rules {RUFF_RULES}"),
        "flake8": (["--select", FLAKE8_RULES, "--exit-zero", "-q", "."], "with flake8-annotations, -docstrings, -bugbear, -tidy-imports"),
        "pylint": (["--disable=all", f"--enable={PYLINT_RULES}", "--exit-zero", "-j", "0", "--recursive=y", "."], f"messages {PYLINT_RULES}"),
        "fixit": (["lint", "."], "default rules"),
    }
    # A peer that is not installed is left out of the table.
    for tool, (arguments, note) in tools.items():
        executable = shutil.which(tool, path=str(peers) if peers else None)
        if executable is not None:
            found[f"{tool} (peer)"] = ([executable, *arguments], None, note)
    return found


def _interpreter(script: str) -> str:
    """The Python interpreter named on the first line of a console script."""
    first = Path(script).read_text(encoding="utf-8", errors="replace").partition("\n")[0]
    return first[2:].strip() if first.startswith("#!") else sys.executable


def start_hook_server(repo: Path, hook: tuple[list[str], str | None, str], runtime: Path) -> None:
    """One hook event, which starts the hook server; then wait until it listens."""
    command, stdin, _ = hook
    timed(command, repo, stdin)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in runtime.glob("reviewbot-*/*.sock"):
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(str(path))
                except OSError:
                    continue  # not listening yet
                return
        time.sleep(0.1)
    sys.exit("the hook server did not start within 60 s")


def stop_hook_servers(runtime: Path) -> tuple[int, float]:
    """End the servers of this run (each lock file holds its server's process id) and remove their
    directory; the events they answered (their log lines) and their resident memory in MB."""
    answered = sum(len(log.read_text().splitlines()) for log in runtime.glob("reviewbot-*/*.log"))
    resident = 0.0
    for lock in runtime.glob("reviewbot-*/*.lock"):
        try:
            pid = int(lock.read_text().split()[0])
            status = Path(f"/proc/{pid}/status").read_text()
            resident += int(status.split("VmRSS:")[1].split()[0]) / 1000
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            pass
    shutil.rmtree(runtime, ignore_errors=True)
    return answered, resident


def ratios(median: dict[str, float], findings: str, positions: str) -> list[str]:
    """The figures the engine's targets are stated in, and the floors LibCST sets under two of them."""
    cold1 = median["reviewbot cold, --jobs 1"]
    return [
        f"- cold `--jobs 1` / bare parse loop: **{cold1 / median[PARSE]:.2f}×** (target ≤ 2.0×);"
        f" parse + code generation alone: {median[GENERATE] / median[PARSE]:.2f}×",
        f"- positions from CPython's `ast` instead (`benchmarks/positions.py`, once): {positions}",
        f"- cold default jobs / cold `--jobs 1`: **{median['reviewbot cold, default jobs'] / cold1:.2f}×** (target ≤ 0.6×)",
        f"- warm full scan: **{median['reviewbot warm (nothing changed)']:.2f} s** (target ≤ 0.3 s),"
        f" {100 * median['reviewbot warm (nothing changed)'] / cold1:.1f} % of cold `--jobs 1`",
        f"- `--diff` of 10 files / cold `--jobs 1`: **{100 * median['reviewbot --diff HEAD~1 (10 files), cold'] / cold1:.1f} %**",
        f"- PostToolUse hook on a {HOOK_LINES}-line file: **{median[HOOK]:.3f} s** with the hook server running (target ≤ 0.15 s);"
        f" in its own process (no server yet, or `REVIEWBOT_HOOK_SERVER=off`): {median[HOOK_ALONE]:.3f} s, of which"
        f" starting Python and importing LibCST alone take {median[IMPORT]:.3f} s",
        f"- findings of the full scans (cold with one worker and with {os.cpu_count()}, warm): {findings}",
    ]


def findings_digest(report: Path) -> str:
    """A hash of a JSON report's findings, as written."""
    text = report.read_text(encoding="utf-8")
    return hashlib.sha256(text[text.index('"findings"') : text.index('"summary"')].encode()).hexdigest()[:16]


def run_positions(package: str, cache: Path) -> str:
    """``benchmarks/positions.py``'s summary line (it takes about as long as two parse loops)."""
    script = Path(__file__).with_name("positions.py")
    done = subprocess.run([sys.executable, str(script), "--package", package, "--cache", str(cache)], capture_output=True, text=True, check=False)
    summary = [line for line in done.stdout.splitlines() if line.startswith("summary: ")]
    return summary[-1].removeprefix("summary: ") if summary else f"did not run ({done.stderr.strip().splitlines()[-1:]})"


def write_markdown(path: Path, corpus_line: str, measures: list[Measure], rounds: tuple[int, int], findings: str, positions: str) -> None:
    """docs/benchmarks.md: the medians, the ratios the targets are about, and how to reproduce them."""
    median = {m.name: statistics.median(m.seconds) for m in measures}
    # The parse loop runs in this process: it has no start-up and no memory of its own to show.
    rows = [f"| {m.name} | {median[m.name]:.2f} s | {f'{max(m.peak_mb):.0f} MB' if m.peak_mb else ''} | {m.note} |" for m in measures]
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, LibCST {metadata.version('libcst')}"
    text = REPORT.format(
        corpus=corpus_line, rounds=rounds[0], peer_rounds=rounds[1], machine=machine, rows="\n".join(rows), ratios="\n".join(ratios(median, findings, positions))
    )
    path.write_text(text, encoding="utf-8")


def run_round(
    repo: Path, module: Path, planned: dict[str, tuple[list[str], str | None, str]], measures: list[Measure], peers: bool, digests: set[str]
) -> None:
    """Every command once, in order (the peers only if ``peers``); the parse loop in this process.
    The findings of each full scan go into ``digests``."""
    for measure in measures:
        if measure.name.endswith("(peer)") and not peers:
            continue
        if measure.name in (PARSE, GENERATE):
            measure.seconds.append(parse_loop(sorted(repo.rglob("*.py")), generate=measure.name == GENERATE))
            continue
        command, stdin, _ = planned[measure.name]
        if "warm" in measure.name:
            timed(command, repo)  # fills the cache
        if "hook" in measure.name:
            # An edit that breaks a rule: the hook's full path, exit 2; undone afterwards.
            module.write_text(module.read_text(encoding="utf-8") + HOOK_EDIT, encoding="utf-8")
        seconds, peak = timed(command, repo, stdin)
        if "hook" in measure.name:
            git(repo, "checkout", "--", str(module.relative_to(repo)))
        measure.seconds.append(seconds)
        measure.peak_mb.append(peak)
        if measure.name.startswith("reviewbot cold") or measure.name.startswith("reviewbot warm"):
            digests.add(findings_digest(repo.parent / "report.json"))


def main() -> None:
    """Prepare the corpus, run every round, print and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the median is reported)")
    parser.add_argument("--peer-rounds", type=int, default=1, help="rounds that also run the peers (pylint and fixit take minutes)")
    parser.add_argument("--peers", type=Path, help="directory holding the ruff, flake8, pylint and fixit executables (default: PATH)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    # The hook server's socket in a directory of this run's own, for the run's own server.
    runtime = Path(tempfile.mkdtemp(prefix="reviewbot-bench-run-"))
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    # Downloaded once into --cache, then copied into a fresh repository for every run.
    source = corpus(args.package, args.cache)
    # The repository lives only as long as the measurement.
    with tempfile.TemporaryDirectory() as workdir:
        repo, module = prepare(source, Path(workdir), 10)
        files = sorted(repo.rglob("*.py"))
        lines = sum(path.read_bytes().count(b"\n") for path in files)
        planned = commands(repo, module, args.peers)
        # The parse loop first: every ratio is against it or against the cold --jobs 1 scan.
        measures = [Measure(PARSE, note="in-process, no start-up"), Measure(GENERATE, note="in-process: what LibCST's PositionProvider pays for positions")]
        measures += [Measure(name, note=note) for name, (_, _, note) in planned.items()]
        start_hook_server(repo, planned[HOOK], runtime)
        digests: set[str] = set()
        try:
            for round_number in range(args.repeat):
                run_round(repo, module, planned, measures, peers=round_number < args.peer_rounds, digests=digests)
                print(f"round {round_number + 1}/{args.repeat} done", file=sys.stderr)
        finally:
            answered, resident = stop_hook_servers(runtime)
        positions = run_positions(args.package, args.cache)
        # The server's own log says which of the measured events it answered.
        served = next(measure for measure in measures if measure.name == HOOK)
        served.note += f" (its log: {answered} of {args.repeat} events; it holds {resident:.0f} MB, not counted here)"
    # The medians on the terminal, the whole table in the docs.
    for measure in measures:
        print(f"{measure.name}: {statistics.median(measure.seconds):.2f} s")
    corpus_line = f"the `{args.package}` wheel from PyPI committed as a git repository ({len(files)} Python files, {lines:,} lines), then a commit changing 10 of them"
    findings = f"the same, byte for byte (digest {digests.pop()})" if len(digests) == 1 else f"**they differ** ({len(digests)} digests)"
    write_markdown(args.output, corpus_line, measures, (args.repeat, min(args.peer_rounds, args.repeat)), findings, positions)
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
