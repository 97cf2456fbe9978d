"""Benchmark: reviewbot's engine against a bare parse loop and the peers, in one run, with medians.

    python benchmarks/engine.py                         # django==5.2.8 from PyPI, 3 rounds
    python benchmarks/engine.py --package sentry-sdk==2.44.0 --repeat 5
    python benchmarks/engine.py --peers /path/to/venv/bin  # where ruff, flake8, pylint, fixit live

The corpus is the unpacked wheel of a PyPI package, committed as a git repository, then a commit
that changes 10 files (for ``--diff``). Each round measures every command once, one after another,
so machine load affects them alike; the medians are printed and written to ``docs/benchmarks.md``.
Peak memory is the largest sum of resident memory over the process and its children, sampled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
# Appended to each changed file: a few violations, so the diff scan has findings to report.
ADDITION = "\n\ndef added_for_benchmark(value):\n    return value\n"
# The peers on their closest rule sets (see docs/benchmarks.md for what each covers).
RUFF_RULES = "TID252,E722,S110,S112,BLE001,S113,ANN,D100,D101,D102,D103,C901"
FLAKE8_RULES = "ANN,D100,D101,D102,D103,E722,B001,I252,C901"
PYLINT_RULES = "W0702,W0718,W3101,C0114,C0115,C0116,R1260,W0719"


@dataclass
class Measure:
    """One command's wall times and peak memory over the rounds."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    note: str = ""


def corpus(package: str, cache: Path) -> Path:
    """Download and unpack ``package`` (``name==version``) once; return the unpacked directory.

    A wheel is a zip of the package's source files: exactly what a repository would hold.
    """
    target = cache / package.replace("==", "-")
    if not target.is_dir():
        downloads = cache / "downloads"
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", str(downloads), package]
        try:
            subprocess.run(command, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(f"cannot download {package}: {error}")
        name = package.split("==")[0].replace("-", "_").lower()
        [wheel] = [w for w in downloads.glob("*.whl") if w.name.lower().startswith(name)]
        zipfile.ZipFile(wheel).extractall(target)
    return target


def rss_tree_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = int(stat[1])
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
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
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_tree_mb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.communicate(stdin)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, peak


def git(repo: Path, *args: str) -> None:
    """Run git quietly in ``repo``."""
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args], cwd=repo, check=True, capture_output=True)


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
    module = min(files, key=lambda path: abs(path.read_bytes().count(b"\n") - 500))
    return repo, module


def parse_loop(files: list[Path]) -> float:
    """Seconds to read and ``libcst.parse_module`` every file, in this process."""
    started = time.perf_counter()
    for path in files:
        try:
            cst.parse_module(path.read_bytes())
        except cst.ParserSyntaxError:
            pass
    return time.perf_counter() - started


def commands(repo: Path, module: Path, peers: Path | None) -> dict[str, tuple[list[str], str | None, str]]:
    """Name -> (command, standard input, note) for everything measured by running a program."""
    reviewbot = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    report = ["--format", "json", "--output", str(repo.parent / "report.json")]
    event = json.dumps({"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Edit", "tool_input": {"file_path": str(module)}})
    found: dict[str, tuple[list[str], str | None, str]] = {
        "reviewbot cold, --jobs 1": ([reviewbot, "scan", "--jobs", "1", "--no-cache", *report], None, ""),
        "reviewbot cold, default jobs": ([reviewbot, "scan", "--no-cache", *report], None, f"{os.cpu_count()} CPUs"),
        "reviewbot warm (nothing changed)": ([reviewbot, "scan", *report], None, "after a cold run that filled the cache"),
        "reviewbot --diff HEAD~1 (10 files), cold": ([reviewbot, "scan", "--diff", "HEAD~1", "--no-cache", *report], None, ""),
        "reviewbot hook claude-code (PostToolUse)": ([reviewbot, "hook", "claude-code"], event, f"{module.relative_to(repo)}"),
    }
    tools = {
        "ruff": (["check", "--no-cache", "--isolated", "--select", RUFF_RULES, "--exit-zero", "--quiet", "."], f"rules {RUFF_RULES}"),
        "flake8": (["--select", FLAKE8_RULES, "--exit-zero", "-q", "."], "with flake8-annotations, -docstrings, -bugbear, -tidy-imports"),
        "pylint": (["--disable=all", f"--enable={PYLINT_RULES}", "--exit-zero", "-j", "0", "--recursive=y", "."], f"messages {PYLINT_RULES}"),
        "fixit": (["lint", "."], "default rules"),
    }
    for tool, (arguments, note) in tools.items():
        executable = shutil.which(tool, path=str(peers) if peers else None)
        if executable is not None:
            found[f"{tool} (peer)"] = ([executable, *arguments], None, note)
    return found


def write_markdown(path: Path, package: str, files: int, lines: int, measures: list[Measure], parse: Measure, rounds: int) -> None:
    """docs/benchmarks.md: the figures, the ratios the targets are about, and how to reproduce them."""
    median = {m.name: statistics.median(m.seconds) for m in [parse, *measures]}
    cold1 = median["reviewbot cold, --jobs 1"]
    rows = [f"| {m.name} | {median[m.name]:.2f} s | {max(m.peak_mb):.0f} MB | {m.note} |" if m.peak_mb else f"| {m.name} | {median[m.name]:.2f} s | | {m.note} |" for m in [parse, *measures]]
    ratios = [
        f"- cold `--jobs 1` / bare parse loop: **{cold1 / median[parse.name]:.2f}×** (target ≤ 1.5×)",
        f"- cold default jobs / cold `--jobs 1`: **{median['reviewbot cold, default jobs'] / cold1:.2f}×** (target ≤ 0.6×)",
        f"- warm / cold `--jobs 1`: **{100 * median['reviewbot warm (nothing changed)'] / cold1:.1f} %** (target ≤ 5 %)",
        f"- `--diff` of 10 files / cold `--jobs 1`: **{100 * median['reviewbot --diff HEAD~1 (10 files), cold'] / cold1:.1f} %**",
        f"- PostToolUse hook: **{median['reviewbot hook claude-code (PostToolUse)']:.3f} s** (target ≤ 0.3 s)",
    ]
    text = f"""# Benchmarks

Written by `python benchmarks/engine.py` (do not edit by hand). Corpus: the `{package}` wheel from
PyPI committed as a git repository ({files} Python files, {lines:,} lines), then a commit changing 10
of them. Medians of {rounds} rounds; each round runs every command once, one after another. Machine:
{os.cpu_count()} CPUs, Python {platform.python_version()}, LibCST {metadata.version('libcst')}. Wall
times include start-up; peak memory is the largest sum of resident memory over the process and its
worker processes.

| command | wall time | peak memory | note |
|---|---|---|---|
{chr(10).join(rows)}

{chr(10).join(ratios)}

The peers check their closest rule sets (see the notes), not the same rules: the comparison says what
a Python-only LibCST engine costs next to them, not who finds more.
"""
    path.write_text(text, encoding="utf-8")


def main() -> None:
    """Prepare the corpus, run every round, print and write the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the median is reported)")
    parser.add_argument("--peers", type=Path, help="directory holding the ruff, flake8, pylint and fixit executables (default: PATH)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    source = corpus(args.package, args.cache)
    with tempfile.TemporaryDirectory() as workdir:
        repo, module = prepare(source, Path(workdir), 10)
        files = sorted(repo.rglob("*.py"))
        lines = sum(path.read_bytes().count(b"\n") for path in files)
        planned = commands(repo, module, args.peers)
        measures = [Measure(name, note=note) for name, (_, _, note) in planned.items()]
        parse = Measure("bare libcst.parse_module loop", note="in-process, no start-up")
        for round_number in range(args.repeat):
            parse.seconds.append(parse_loop(files))
            for measure in measures:
                command, stdin, _ = planned[measure.name]
                if "warm" in measure.name:
                    subprocess.run(command, cwd=repo, capture_output=True)  # fill the cache
                if "hook" in measure.name:
                    # An edit that breaks a rule: the hook's full path, exit 2.
                    module.write_text(module.read_text(encoding="utf-8") + "\nfrom . import something\n", encoding="utf-8")
                seconds, peak = timed(command, repo, stdin)
                if "hook" in measure.name:
                    git(repo, "checkout", "--", str(module.relative_to(repo)))
                measure.seconds.append(seconds)
                measure.peak_mb.append(peak)
            print(f"round {round_number + 1}/{args.repeat} done", file=sys.stderr)
    for measure in [parse, *measures]:
        print(f"{measure.name}: {statistics.median(measure.seconds):.2f} s")
    write_markdown(args.output, args.package, len(files), lines, measures, parse, args.repeat)
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
