"""Benchmark: what following failures to their boundary (RB201's call graph, RB208) costs a cold scan.

    python benchmarks/failures_cost.py                              # django==5.2.8 from PyPI
    python benchmarks/failures_cost.py --repo /path/to/checkout     # a repository of your own
    python benchmarks/failures_cost.py --repeat 5 --jobs 2
    python benchmarks/failures_cost.py --repo DIR --diff HEAD^ --packs backend-engineer   # a change, as a gate

Each round scans the corpus twice without the cache, one run after the other so machine load
affects both alike: once with every default rule, once with RB201 and RB208 ignored (which also
drops the phase-1 facts only they need). The medians and the extra cost are printed. With
``--diff REV`` the scans judge that change only, as a pull-request gate does (RB201 then reads
the call graph around the changed files); ``--packs`` replaces the repository's packs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from corpus import corpus, git


def scan(reviewbot: str, repo: Path, jobs: int, ignore: list[str], extra: list[str]) -> float:
    """Seconds one cold scan of ``repo`` takes."""
    command = [reviewbot, "scan", "--no-cache", "--jobs", str(jobs), "--fail-on", "never", "--quiet", "--format", "json", "--output", "/dev/null", *extra]
    if ignore:
        command += ["--ignore", ",".join(ignore)]
    start = time.perf_counter()
    try:
        subprocess.run(command, cwd=repo, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"{' '.join(command)} failed: {error}") from None
    return time.perf_counter() - start


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", default="django==5.2.8", help="a PyPI package to scan (default: django==5.2.8)")
    parser.add_argument("--repo", type=Path, help="scan this repository instead of a package")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--reviewbot", default="reviewbot", help="the reviewbot executable to measure")
    parser.add_argument("--diff", metavar="REV", help="judge the change since REV only, as a pull-request gate")
    parser.add_argument("--packs", help="the packs to scan with, in place of the repository's (backend-engineer, auto)")
    args = parser.parse_args()
    if args.repo is not None:
        repo = args.repo
    else:
        cache = Path(tempfile.gettempdir()) / "reviewbot-bench"
        repo = corpus(args.package, cache)
        if not (repo / ".git").exists():
            git(repo, "init", "-q")
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "corpus")
    extra = ["--diff", args.diff] if args.diff else []
    with tempfile.TemporaryDirectory() as scratch:
        if args.packs:
            config = Path(scratch) / "packs.yml"
            config.write_text(f"packs: [{args.packs}]\n")
            extra += ["--config", str(config)]
        rounds: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(args.repeat):
            rounds["with"].append(scan(args.reviewbot, repo, args.jobs, [], extra))
            rounds["without"].append(scan(args.reviewbot, repo, args.jobs, ["RB201", "RB208"], extra))
    with_rules, without = statistics.median(rounds["with"]), statistics.median(rounds["without"])
    name = args.repo.name if args.repo is not None else args.package
    what = f"cold scan of the change since {args.diff}" if args.diff else "cold scan"
    print(f"{name}: {what} {with_rules:.2f} s with RB201/RB208, {without:.2f} s without: +{100 * (with_rules / without - 1):.1f} % (median of {args.repeat}, --jobs {args.jobs})")


if __name__ == "__main__":
    main()
