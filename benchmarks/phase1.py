"""Benchmark: reviewbot's phase 1 in one process against LibCST's bare parse loop, with a digest of
the findings, so that a change to the walk or the rules can be timed and checked for identical
results in one command.

    python benchmarks/phase1.py                          # django==5.2.8 from PyPI, 3 rounds
    python benchmarks/phase1.py --package sentry-sdk==2.44.0 --repeat 5 --no-gc

Each round parses every file, parses it again without LibCST's per-node checks (as ``walk.parse``
does), then scans every file (``engine.scan_file``, no cache, no workers), one after the other, so
machine load affects them alike; the medians and their ratios are printed.
On a shared machine the ratio of one round moves by about a tenth: compare medians of several.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

import libcst as cst
from corpus import corpus

from reviewbot.engine import scan_file
from reviewbot.project import load_settings
from reviewbot.walk import _parse_unchecked


def main() -> None:
    """Time the rounds and print the medians, their ratio and the findings' digest."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the median is reported)")
    parser.add_argument("--no-gc", action="store_true", help="turn Python's cycle collector off (what the collector costs)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    args = parser.parse_args()
    root = corpus(args.package, args.cache)
    files = [(path.relative_to(root).as_posix(), path.read_bytes()) for path in sorted(root.rglob("*.py"))]
    settings = load_settings(root, None)
    if args.no_gc:
        gc.disable()
    parses, unchecked, scans, digests = [], [], [], set()
    for _ in range(args.repeat):
        start = time.perf_counter()
        for _, data in files:
            cst.parse_module(data)
        parses.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _, data in files:
            _parse_unchecked(data)
        unchecked.append(time.perf_counter() - start)
        start = time.perf_counter()
        digest, count = hashlib.sha256(), 0
        for path, data in files:
            for finding in scan_file(path, data, settings).findings:
                digest.update(repr((finding.rule, finding.path, finding.line, finding.column, finding.end_line, finding.end_column, finding.message)).encode())
                count += 1
        scans.append(time.perf_counter() - start)
        digests.add(f"{count} findings, digest {digest.hexdigest()[:16]}")
    parse, scan, bare = statistics.median(parses), statistics.median(scans), statistics.median(unchecked)
    print(f"{args.package}: {len(files)} files; parse {parse:.2f} s, phase 1 {scan:.2f} s: {scan / parse:.2f}x the parse (medians of {args.repeat})")
    print(f"parse without LibCST's node checks: {bare:.2f} s, {100 * (1 - bare / parse):.0f} % less than the parse")
    print("; ".join(sorted(digests)))


if __name__ == "__main__":
    main()
