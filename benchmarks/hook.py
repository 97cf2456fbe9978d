"""Benchmark: the Claude Code PostToolUse hook on a 500-line file, start-up included.

    python benchmarks/hook.py            # a ~500-line module of django==5.2.8 (see full_scan.py)

A temporary git repository holds the module; one line is appended (the "edit"), then the
``reviewbot hook claude-code`` console script is run with the event on standard input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from full_scan import corpus


def main() -> None:
    """Time the hook; print the median wall time.

    The median of several runs: each run is a fresh process, so Python's start-up is included,
    as it is for every hook call Claude Code makes.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    args = parser.parse_args()
    source = corpus("django==5.2.8", args.cache)
    # The module closest to 500 lines.
    module = min(source.rglob("*.py"), key=lambda path: abs(path.read_bytes().count(b"\n") - 500))
    executable = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    with tempfile.TemporaryDirectory() as workdir:
        repo = Path(workdir)
        target = repo / "app" / "module.py"
        target.parent.mkdir()
        shutil.copy(module, target)
        for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "x"]):
            try:
                subprocess.run(["git", *command], cwd=repo, check=True)
            except (OSError, subprocess.CalledProcessError) as error:
                sys.exit(f"git failed: {error}")
        target.write_text(target.read_text(encoding="utf-8") + "\nfrom . import something\n", encoding="utf-8")
        event = json.dumps({"hook_event_name": "PostToolUse", "cwd": str(repo), "tool_name": "Edit", "tool_input": {"file_path": str(target)}})
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            # The hook exits 2 here (the appended line breaks RB101): that is the measured path.
            try:
                subprocess.run([executable, "hook", "claude-code"], input=event, text=True, capture_output=True, cwd=repo, check=False)
            except OSError as error:
                sys.exit(f"cannot run reviewbot: {error}")
            times.append(time.perf_counter() - started)
    lines = module.read_bytes().count(b"\n")
    print(f"file: {module.relative_to(source)} ({lines} lines)")
    print(f"reviewbot hook claude-code (PostToolUse, wall, start-up included): median {statistics.median(times):.3f} s over {args.repeat} runs")


if __name__ == "__main__":
    main()
