"""Precision study: reviewbot's findings on pinned real projects, a judged sample, and Ruff agreement.

    python benchmarks/accuracy.py                    # scan, compare, write docs/accuracy.md
    python benchmarks/accuracy.py --sample-out s.json  # also write the sample, for judging
    python benchmarks/accuracy.py --ruff /path/to/ruff

Each project is the unpacked wheel of a pinned PyPI release, committed as a git repository and
scanned with zero config by the installed ``reviewbot`` (``scan --format json --no-cache``).
The sample is drawn with a fixed seed: up to ``--per-rule`` findings of every rule across the
projects. Its verdicts live in ``benchmarks/judgments.json`` (key ``project:path:line:rule``, a
verdict ``right``/``wrong``/``noise`` and a one-line reason), written by people who read the code
around each finding; a sampled finding without a verdict is shown as "not judged". Ruff runs on
the same trees with the rules that overlap reviewbot's, and every pair is compared by location.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from corpus import corpus, git

# The checkout, where docs/accuracy.md and the judgments live.
ROOT = Path(__file__).resolve().parent.parent
# Real projects: HTTP clients and tools, a task queue, an SDK, and web frameworks.
PROJECTS = (
    "httpie==3.2.4",
    "twine==6.1.0",
    "dramatiq==1.17.1",
    "sentry-sdk==2.44.0",
    "pip-audit==2.9.0",
    "requests==2.32.5",
    "httpx==0.28.1",
    "fastapi==0.121.3",
    "django==5.2.8",
)
# The seed of the sample: the same findings are drawn on every run while the findings do not change.
SEED = 2026
# reviewbot rule -> the Ruff rules that check the same thing.
RUFF_PAIRS = {
    "RB101": ("TID252",),
    "RB202": ("E722",),
    "RB205": ("S113",),
    "RB301": ("ANN001", "ANN002", "ANN003"),
    "RB302": ("ANN201", "ANN202", "ANN204", "ANN205", "ANN206"),
    "RB303": ("ANN401",),
    "RB401": ("D100", "D101", "D102", "D103", "D104", "D106", "D107"),
}
# Ruff's TID252 allows sibling relative imports unless told otherwise; reviewbot bans all of them.
RUFF_CONFIG = "lint.flake8-tidy-imports.ban-relative-imports = 'all'"
VERDICTS = ("right", "wrong", "noise")


def scan(repo: Path, reviewbot: str) -> list[dict[str, object]]:
    """reviewbot's findings on one repository, zero config."""
    report = repo.parent / f"{repo.name}.json"
    command = [reviewbot, "scan", "--no-cache", "--quiet", "--fail-on", "never", "--format", "json", "--output", str(report)]
    try:
        subprocess.run(command, cwd=repo, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"reviewbot failed on {repo.name}: {error}")
    findings: list[dict[str, object]] = json.loads(report.read_text(encoding="utf-8"))["findings"]
    return findings


def ruff(repo: Path, executable: str) -> list[dict[str, object]]:
    """Ruff's findings for the paired rules on one repository."""
    codes = sorted({code for pair in RUFF_PAIRS.values() for code in pair})
    command = [executable, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json", "--config", RUFF_CONFIG, "--select", ",".join(codes), "."]
    try:
        output = subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"ruff failed on {repo.name}: {error}")
    return [{"code": item["code"], "path": Path(item["filename"]).relative_to(repo).as_posix(), "line": item["location"]["row"]} for item in json.loads(output)]


def sample(found: dict[str, list[dict[str, object]]], per_rule: int) -> list[dict[str, object]]:
    """Up to ``per_rule`` findings of every rule across the projects, drawn with ``SEED``."""
    by_rule: dict[str, list[dict[str, object]]] = {}
    for project, findings in sorted(found.items()):
        for finding in findings:
            by_rule.setdefault(str(finding["rule"]), []).append({"project": project, **finding})
    chosen = []
    for rule, findings in sorted(by_rule.items()):
        findings.sort(key=lambda f: (f["project"], f["path"], f["line"], f["column"]))
        chosen += random.Random(f"{SEED}:{rule}").sample(findings, min(per_rule, len(findings)))
    return chosen


def key(finding: dict[str, object]) -> str:
    """How a finding is named in the judgments file."""
    return f"{finding['project']}:{finding['path']}:{finding['line']}:{finding['rule']}"


def agreement(ours: list[dict[str, object]], theirs: list[dict[str, object]]) -> dict[str, tuple[int, int, int]]:
    """Per reviewbot rule of ``RUFF_PAIRS``: locations both report, only reviewbot, only Ruff."""
    result = {}
    for rule, codes in RUFF_PAIRS.items():
        mine = {(f["path"], f["line"]) for f in ours if f["rule"] == rule}
        other = {(f["path"], f["line"]) for f in theirs if f["code"] in codes}
        result[rule] = (len(mine & other), len(mine - other), len(other - mine))
    return result


def write_markdown(path: Path, counts: dict[str, Counter[str]], chosen: list[dict[str, object]], judged: dict[str, dict[str, str]], pairs: dict[str, tuple[int, int, int]] | None) -> None:
    """docs/accuracy.md: counts per rule and project, the judged sample, Ruff agreement."""
    rules = sorted({rule for counter in counts.values() for rule in counter})
    lines = [
        "# Accuracy",
        "",
        "Written by `python benchmarks/accuracy.py` (do not edit by hand; verdicts live in `benchmarks/judgments.json`).",
        "",
        f"Projects (the unpacked wheel of each pinned release, zero config): {', '.join(f'`{p}`' for p in counts)}.",
        "",
        "## Findings per rule",
        "",
        "| rule | " + " | ".join(p.split("==")[0] for p in counts) + " |",
        "|---|" + "---|" * len(counts),
    ]
    lines += [f"| {rule} | " + " | ".join(str(counter.get(rule, 0)) for counter in counts.values()) + " |" for rule in rules]
    lines += ["", "## Judged sample", "", f"Up to the same number of findings per rule, drawn with seed {SEED}. A verdict says whether a reviewer would act on the finding: **right** (act on it), **wrong** (the finding is untrue), **noise** (true but not worth a reviewer's time).", ""]
    lines += ["| rule | judged | right | wrong | noise | precision |", "|---|---|---|---|---|---|"]
    for rule in sorted({str(f["rule"]) for f in chosen}):
        verdicts = Counter(judged[key(f)]["verdict"] for f in chosen if f["rule"] == rule and key(f) in judged)
        total = sum(verdicts.values())
        precision = f"{100 * verdicts['right'] / total:.0f} %" if total else "—"
        lines.append(f"| {rule} | {total} | {verdicts['right']} | {verdicts['wrong']} | {verdicts['noise']} | {precision} |")
    lines += ["", "| finding | message | verdict | reason |", "|---|---|---|---|"]
    for finding in chosen:
        verdict = judged.get(key(finding), {"verdict": "not judged", "reason": ""})
        message = str(finding["message"]).replace("|", "\\|")
        lines.append(f"| `{key(finding)}` | {message} | {verdict['verdict']} | {verdict['reason'].replace('|', '/')} |")
    if pairs is not None:
        lines += ["", "## Agreement with Ruff", "", "Locations (file and line) each tool reports for the rules both have, over all projects.", ""]
        lines += ["| reviewbot | Ruff | both | only reviewbot | only Ruff |", "|---|---|---|---|---|"]
        lines += [f"| {rule} | {', '.join(RUFF_PAIRS[rule])} | {both} | {mine} | {theirs} |" for rule, (both, mine, theirs) in pairs.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Download, scan and compare every project; write the report (and the sample if asked)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    parser.add_argument("--per-rule", type=int, default=12, help="findings per rule in the judged sample")
    parser.add_argument("--ruff", help="the ruff executable (default: ruff on PATH; skipped if none)")
    parser.add_argument("--judgments", type=Path, default=ROOT / "benchmarks" / "judgments.json")
    parser.add_argument("--sample-out", type=Path, help="write the sample with the code around each finding, for judging")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "accuracy.md")
    args = parser.parse_args()
    reviewbot = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    ruff_executable = args.ruff or shutil.which("ruff")
    found: dict[str, list[dict[str, object]]] = {}
    theirs: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as workdir:
        for project in PROJECTS:
            repo = Path(workdir) / project.split("==")[0]
            shutil.copytree(corpus(project, args.cache), repo)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "release")
            found[project] = scan(repo, reviewbot)
            if ruff_executable:
                theirs += [{"project": project, **f} for f in ruff(repo, ruff_executable)]
            print(f"{project}: {len(found[project])} findings", file=sys.stderr)
        chosen = sample(found, args.per_rule)
        if args.sample_out:
            for finding in chosen:
                lines = (Path(workdir) / str(finding["project"]).split("==")[0] / str(finding["path"])).read_text(encoding="utf-8", errors="replace").splitlines()
                start = max(0, int(str(finding["line"])) - 8)
                finding["context"] = "\n".join(f"{n + 1:5} {lines[n]}" for n in range(start, min(len(lines), start + 24)))
            args.sample_out.write_text(json.dumps(chosen, indent=1), encoding="utf-8")
    judged = json.loads(args.judgments.read_text(encoding="utf-8")) if args.judgments.is_file() else {}
    unknown = [k for k, v in judged.items() if v.get("verdict") not in VERDICTS]
    if unknown:
        sys.exit(f"{args.judgments}: verdicts must be one of {', '.join(VERDICTS)}: {unknown[:3]}")
    ours = [{"project": p, **f} for p, fs in found.items() for f in fs]
    pairs = None
    if ruff_executable:
        pairs = {}
        for project in PROJECTS:
            per = agreement([f for f in ours if f["project"] == project], [f for f in theirs if f["project"] == project])
            for rule, values in per.items():
                pairs[rule] = tuple(a + b for a, b in zip(pairs.get(rule, (0, 0, 0)), values))  # type: ignore[assignment]
    counts = {project: Counter(str(f["rule"]) for f in findings) for project, findings in found.items()}
    write_markdown(args.output, counts, chosen, judged, pairs)
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
