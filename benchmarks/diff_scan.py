"""Benchmark: `reviewbot scan --diff HEAD~1` on a 10-file change next to a full scan, in one run.

    python benchmarks/diff_scan.py                # django==5.2.8 from PyPI, committed as one repository
    python benchmarks/diff_scan.py --repeat 5

The corpus is the unpacked wheel of a PyPI package (see full_scan.py), copied into a temporary git
repository; a second commit appends a small function with violations to 10 files.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from full_scan import corpus

# Appended to each changed file: a few violations, so the diff scan has findings to report.
ADDITION = "\n\ndef added_for_benchmark(value):\n    return value\n"


def git(repo: Path, *args: str) -> None:
    """Run git quietly in ``repo``."""
    try:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"git {' '.join(args)} failed: {error}")


def prepare(source: Path, workdir: Path, changed: int) -> Path:
    """A repository holding ``source`` as one commit, then a commit that changes ``changed`` files."""
    repo = workdir / "repo"
    shutil.copytree(source, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "corpus")
    files = sorted(repo.rglob("*.py"))
    # Spread the change over the tree rather than one directory.
    for path in files[:: max(1, len(files) // changed)][:changed]:
        path.write_text(path.read_text(encoding="utf-8") + ADDITION, encoding="utf-8")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-am", "change")
    return repo


def timed(repo: Path, *args: str) -> float:
    """Wall seconds of one ``reviewbot scan`` run (console script, JSON report to a file)."""
    executable = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    report = repo.parent / "report.json"
    started = time.perf_counter()
    try:
        subprocess.run([executable, "scan", "--format", "json", "--output", str(report), *args], cwd=repo, check=False)
    except OSError as error:
        sys.exit(f"cannot run reviewbot: {error}")
    return time.perf_counter() - started


def main() -> None:
    """Prepare the repository, then time both scans alternately and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--changed", type=int, default=10, help="files the second commit changes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scan (the median is shown)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    args = parser.parse_args()
    # The repository lives only as long as the measurement.
    with tempfile.TemporaryDirectory() as workdir:
        repo = prepare(corpus(args.package, args.cache), Path(workdir), args.changed)
        fulls, diffs = [], []
        # Alternate, so that machine load affects both alike.
        for _ in range(args.repeat):
            fulls.append(timed(repo))
            diffs.append(timed(repo, "--diff", "HEAD~1"))
        full, diff = statistics.median(fulls), statistics.median(diffs)
    print(f"corpus: {args.package} committed as one repository, then {args.changed} files changed")
    print(f"reviewbot scan (full): {full:.2f} s")
    print(f"reviewbot scan --diff HEAD~1: {diff:.2f} s = {100 * diff / full:.1f}% of the full scan")


if __name__ == "__main__":
    main()
