"""Benchmark: the recall of the error-handling rules on service modules a reviewer read in full.

    python benchmarks/error_recall.py --mirror-root /work/.mirror     # mirrors as owner+name/repo
    python benchmarks/error_recall.py --reviewbot /path/to/venv/bin/reviewbot --verbose

``benchmarks/error-recall.json`` lists, per module (repository, commit, path), the error-handling
problems a senior reviewer raised reading it, blind to the rules' output. Each repository is checked
out at its commit (its Python and config files, from a local mirror) and scanned whole with the
RB2xx rules, so that RB201 sees the project's call graph; a problem is found when a finding of a
rule for its category lies on its lines (two lines of slack either side).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Which rules answer each category of problem; "other" is what no rule here claims to see.
ANSWERS = {
    "unowned-external-call": {"RB201", "RB208"},
    "loop-ended": {"RB208", "RB201"},
    "fall-through-handler": {"RB206"},
    "logged-quietly": {"RB207"},
    "retry-everything": {"RB209"},
    "swallowed": {"RB203"},
    "no-trace": {"RB204", "RB203", "RB207"},
    "missing-timeout": {"RB205"},
    "failing-fallback": {"RB201"},
    "other": set(),
}
# The files a scan needs: Python, and what decides the root packages and the config.
WANTED = re.compile(r"\.(py|toml|cfg|ini)$")
SLACK = 2


def git(*args: str, cwd: Path | None = None) -> str:
    """``git ARGS``; its output, or the benchmark stops with git's message."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise SystemExit(f"git {' '.join(args)} failed: {getattr(error, 'stderr', '') or error}") from None


def checkout(mirror: Path, commit: str, target: Path) -> None:
    """The repository's Python and config files at ``commit``, committed in a fresh repository."""
    gitdir = mirror / ".git" if (mirror / ".git").is_dir() else mirror
    listing = git("--git-dir", str(gitdir), "ls-tree", "-r", commit)
    blobs = [(line.split()[2], line.split("\t", 1)[1]) for line in listing.splitlines() if WANTED.search(line)]
    batch = subprocess.Popen(["git", "--git-dir", str(gitdir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    for sha, name in blobs:
        batch.stdin.write(f"{sha}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[1] == b"missing":
            continue  # a large file the mirror left out
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    batch.stdin.close()
    batch.wait()
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "corpus"]):
        git(*command, cwd=target)


def findings(reviewbot: str, repo: Path) -> list[dict[str, object]]:
    """Every RB2xx finding of a whole scan of ``repo`` (the defaults, RB2xx selected)."""
    done = subprocess.run(
        [reviewbot, "scan", "--select", "RB2", "--format", "json", "--fail-on", "never", "--quiet", "--jobs", "2"],
        cwd=repo, capture_output=True, text=True, check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"reviewbot failed in {repo}: {done.stderr}")
    found: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    return found


def main() -> None:
    """Scan, match, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror-root", type=Path, required=True, help="where the owner+name mirrors are")
    parser.add_argument("--reviewbot", default="reviewbot")
    parser.add_argument("--study", type=Path, default=ROOT / "benchmarks" / "error-recall.json")
    parser.add_argument("--verbose", action="store_true", help="print every problem with what found it")
    args = parser.parse_args()
    study = json.loads(args.study.read_text())
    found_by: Counter[str] = Counter()
    total: Counter[str] = Counter()
    scans: dict[tuple[str, str], list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for module in study["modules"]:
            key = (module["repo"], module["commit"])
            if key not in scans:
                target = Path(scratch) / module["repo"].replace("/", "+")
                checkout(args.mirror_root / module["repo"].replace("/", "+") / "repo", module["commit"], target)
                scans[key] = findings(args.reviewbot, target)
            for problem in module["problems"]:
                category = problem["category"]
                first, last = problem["line"] - SLACK, problem.get("end_line", problem["line"]) + SLACK
                hits = sorted(
                    {str(f["rule"]) for f in scans[key] if f["path"] == module["path"] and first <= int(f["line"]) <= last and f["rule"] in ANSWERS[category]}  # type: ignore[call-overload]
                )
                total[category] += 1
                found_by[category] += bool(hits)
                if args.verbose:
                    print(f"{'FOUND' if hits else 'missed'} {module['repo']} {module['path']}:{problem['line']} [{category}] {','.join(hits)} {problem['what']}")
    claimed = sum(count for category, count in total.items() if ANSWERS[category])
    found_claimed = sum(count for category, count in found_by.items() if ANSWERS[category])
    for category in sorted(total):
        print(f"{category:24} {found_by[category]:3} of {total[category]:3}")
    print(f"recall: {found_claimed} of {claimed} problems of the kinds the rules claim ({100 * found_claimed / max(claimed, 1):.0f} %); "
          f"{sum(found_by.values())} of {sum(total.values())} of all listed ({100 * sum(found_by.values()) / max(sum(total.values()), 1):.0f} %)")


if __name__ == "__main__":
    main()
