"""Benchmark: `reviewbot scan` on a real corpus next to a bare LibCST parse loop, in the same run.

    python benchmarks/full_scan.py                # django==5.2.8 from PyPI (883 files)
    python benchmarks/full_scan.py --package flask==3.1.2 --repeat 3

The corpus is the unpacked wheel of a PyPI package, downloaded with pip into a cache directory.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import libcst as cst


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


def parse_loop(files: list[Path]) -> float:
    """Seconds to read and ``libcst.parse_module`` every file."""
    started = time.perf_counter()
    for path in files:
        try:
            cst.parse_module(path.read_bytes())
        except cst.ParserSyntaxError:
            pass
    return time.perf_counter() - started


def scan(directory: Path) -> tuple[float, int]:
    """Wall seconds of the ``reviewbot scan`` console script, and its exit status."""
    executable = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    report = Path(tempfile.gettempdir()) / "reviewbot-bench.json"
    started = time.perf_counter()
    try:
        process = subprocess.run([executable, "scan", "--format", "json", "--output", str(report)], cwd=directory)
    except OSError as error:
        sys.exit(f"cannot run reviewbot: {error}")
    return time.perf_counter() - started, process.returncode


def main() -> None:
    """Run the benchmark and print one line per measurement.

    Both measurements run in this one process, alternating, so machine load affects them alike;
    the scan runs as the real console script, start-up and report writing included.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the median is shown)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    args = parser.parse_args()
    directory = corpus(args.package, args.cache)
    files = sorted(directory.rglob("*.py"))
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    parses, scans = [], []
    # The median resists one slow run caused by something else on the machine.
    for _ in range(args.repeat):
        parses.append(parse_loop(files))
        seconds, status = scan(directory)
        scans.append(seconds)
    parse, full = statistics.median(parses), statistics.median(scans)
    print(f"corpus: {args.package}, {len(files)} files, {lines} lines")
    print(f"bare libcst.parse_module loop: {parse:.2f} s")
    print(f"reviewbot scan (wall, console script, exit {status}): {full:.2f} s = {full / parse:.2f}x the parse loop")


if __name__ == "__main__":
    main()
