"""Precision study: reviewbot's findings on pinned real projects, a judged sample, and Ruff agreement.

    python benchmarks/accuracy.py                    # scan, compare, write docs/accuracy.md
    python benchmarks/accuracy.py --sample-out s.json  # also write the sample, for judging
    python benchmarks/accuracy.py --ruff /path/to/ruff
    python benchmarks/accuracy.py --study services   # RB5xx-RB7xx on services: docs/accuracy-services.md

Each project is the unpacked wheel of a pinned PyPI release, committed as a git repository and
scanned by the installed ``reviewbot`` with every rule of the study selected (the ``libraries``
study: RB0xx-RB4xx on libraries and frameworks; the ``services`` study: the architecture, logging
and security rules on applications that serve HTTP and talk to databases). The change rules (RB503,
RB8xx) judge a diff, not a tree: their tests run them on repositories with history.
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
import re
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
# Applications with routes, clients, databases and background work: where RB5xx-RB7xx matter.
SERVICE_PROJECTS = (
    "mlflow==2.21.3",
    "open-webui==0.6.5",
    "prefect==3.3.4",
    "apache-airflow==2.10.5",
    "ansible-core==2.18.6",
    "django==5.2.8",
)
# Each study: its projects, the rules it selects, and the page it writes.
STUDIES = {
    "libraries": (PROJECTS, "RB0,RB1,RB2,RB3,RB4", "accuracy.md"),
    "services": (SERVICE_PROJECTS, "RB5,RB6,RB7", "accuracy-services.md"),
}
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
# Test files as the pack's ``test-paths`` spell them: ``tests/**``, ``test/**`` at the root, and
# ``test_*.py``, ``*_test.py``, ``conftest.py`` anywhere.
TEST_PATH = re.compile(r"^tests?/|(^|/)(test_[^/]*[.]py|[^/]*_test[.]py|conftest[.]py)$")
# Why the tools differ, by what ``difference`` finds; every kind of difference has its line here.
EXPLAINED = {
    "bare noqa": "a bare `# noqa` names no rule: Ruff honours it, reviewbot leaves it to other tools by design (one word must not switch every rule off)",
    "test file": "reviewbot does not apply the rule to test files (`tests: false` in the pack); Ruff does",
    "type comment": "Ruff does not read PEP 484 type comments (`# type: (int) -> str`); reviewbot, like mypy, takes them as the annotations",
    "private module": "reviewbot treats everything in a private module (`_compat/`, `_utils.py`) as private; Ruff looks only at each name",
    "dunder": "reviewbot exempts dunder methods other than `__init__` from RB303 (`__eq__(self, other: Any)` is the data model's signature)",
    "RB205 reviewbot": "Ruff S113 covers `requests` and `httpx`; reviewbot also reports `urlopen` without a timeout and `requests.Session` methods",
    "RB401 D104": "an empty package `__init__.py`: reviewbot asks for a module docstring only where the module has statements",
    "RB401 D107": "reviewbot accepts the class docstring for `__init__`; pydocstyle wants both",
    "RB401 D106": "nested configuration classes (`Meta`, `Config`, `Media`) are exempt in reviewbot",
    "RB401 D102": "dunder methods other than `__init__` (pydocstyle counts `__call__` as a public method), property setters and deleters, and `@override` methods are exempt in reviewbot",
    "RB401 D103": "`@overload` stubs are exempt in reviewbot (the implementation carries the docstring)",
    "RB401 D100": "a module with no statements (only comments): reviewbot asks for a module docstring only where there is code",
    "RB303 ANN401": "RB303 checks public functions only (no leading underscore, listed in `__all__` where the module has one, not nested) and exempts `*args: Any`/`**kwargs: Any`; Ruff's ANN401 checks every function and, by default, star arguments",
}


def scan(repo: Path, reviewbot: str, rules: str) -> list[dict[str, object]]:
    """reviewbot's findings on one repository, zero config but for the study's ``rules``."""
    report = repo.parent / f"{repo.name}.json"
    # Every rule of the study, also those the pack leaves off by default: the study measures them all.
    command = [reviewbot, "scan", "--select", rules, "--no-cache", "--quiet", "--fail-on", "never", "--format", "json", "--output", str(report)]
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


def agreement(repo: Path, ours: list[dict[str, object]], theirs: list[dict[str, object]]) -> dict[str, tuple[int, Counter[str], Counter[str]]]:
    """Per reviewbot rule of ``RUFF_PAIRS``: how many locations both report, and why the others differ."""
    result = {}
    for rule, codes in RUFF_PAIRS.items():
        mine = {(str(f["path"]), int(str(f["line"]))) for f in ours if f["rule"] == rule}
        other = {(str(f["path"]), int(str(f["line"]))): str(f["code"]) for f in theirs if f["code"] in codes}
        only_ours = Counter(difference(repo, rule, path, line, None) for path, line in mine - other.keys())
        only_theirs = Counter(difference(repo, rule, path, line, other[(path, line)]) for path, line in other.keys() - mine)
        result[rule] = (len(mine & other.keys()), only_ours, only_theirs)
    return result


def difference(repo: Path, rule: str, path: str, line: int, code: str | None) -> str:
    """Why one tool reports a location the other does not: a key of ``EXPLAINED``."""
    lines = (repo / path).read_text(encoding="utf-8", errors="replace").splitlines()
    here = "\n".join(lines[line - 1 : line + 12])
    # Ruff reports an empty file's missing docstring at line 1, which it does not have.
    current = lines[line - 1] if line <= len(lines) else ""
    if re.search(r"#\s*noqa(?!:)", current, re.IGNORECASE):
        return "bare noqa"
    if TEST_PATH.search(path):
        return "test file"
    if rule in ("RB301", "RB302") and code is not None and re.search(r"#\s*type:(?!\s*ignore)", here):
        return "type comment"
    if any(part.startswith("_") and part not in ("__init__.py", "__main__.py") for part in path.split("/")):
        return "private module"
    if rule == "RB303" and re.search(r"def __\w+__\(", here.partition("\n")[0] + "\n" + "\n".join(lines[max(0, line - 8) : line])):
        return "dunder"
    return f"{rule} {code or 'reviewbot'}"


# A pair's agreement: locations both tools report, and the others by reason (``difference``).
Pair = tuple[int, Counter[str], Counter[str]]


def write_markdown(
    path: Path, study: str, counts: dict[str, Counter[str]], chosen: list[dict[str, object]], judged: dict[str, dict[str, str]], pairs: dict[str, Pair] | None
) -> None:
    """docs/accuracy*.md: counts per rule and project, the judged sample, Ruff agreement."""
    command = "python benchmarks/accuracy.py" + ("" if study == "libraries" else f" --study {study}")
    lines = [
        "# Accuracy" + ("" if study == "libraries" else f": {study}"),
        "",
        f"Written by `{command}` (do not edit by hand; verdicts live in `benchmarks/judgments.json`).",
        "",
        f"Projects (the unpacked wheel of each pinned release, `--select {STUDIES[study][1]}`): {', '.join(f'`{p}`' for p in counts)}.",
        "",
        *_counts_section(counts),
        *_sample_section(chosen, judged),
        *(_ruff_section(pairs) if pairs is not None else []),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _counts_section(counts: dict[str, Counter[str]]) -> list[str]:
    """How many findings each rule has in each project."""
    rules = sorted({rule for counter in counts.values() for rule in counter})
    lines = ["## Findings per rule", "", "| rule | " + " | ".join(p.split("==")[0] for p in counts) + " |", "|---|" + "---|" * len(counts)]
    return lines + [f"| {rule} | " + " | ".join(str(counter.get(rule, 0)) for counter in counts.values()) + " |" for rule in rules] + [""]


def _sample_section(chosen: list[dict[str, object]], judged: dict[str, dict[str, str]]) -> list[str]:
    """Precision per rule next to its default, then every sampled finding with its verdict."""
    from reviewbot.config import build_settings
    from reviewbot.docs import policy

    specs = build_settings({}).specs
    most = max(Counter(str(f["rule"]) for f in chosen).values(), default=0)
    lines = [
        "## Judged sample",
        "",
        f"Up to {most} findings per rule, drawn with seed {SEED}, each read in its code. A verdict says whether a"
        " reviewer would act on the finding: **right** (act on it), **wrong** (the finding is untrue), **noise** (true"
        " but not worth a reviewer's time). A rule below 90 % does not fail the gate by default: its default severity"
        " (from the `backend-engineer` pack) is `warning` or lower, or it is off until selected.",
        "",
        "| rule | default | judged | right | wrong | noise | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in sorted({str(f["rule"]) for f in chosen}):
        verdicts = Counter(judged[key(f)]["verdict"] for f in chosen if f["rule"] == rule and key(f) in judged)
        total = sum(verdicts.values())
        precision = f"{100 * verdicts['right'] / total:.0f} %" if total else "—"
        lines.append(f"| {rule} | {policy(specs[rule])} | {total} | {verdicts['right']} | {verdicts['wrong']} | {verdicts['noise']} | {precision} |")
    lines += ["", "| finding | message | verdict | reason |", "|---|---|---|---|"]
    for finding in chosen:
        verdict = judged.get(key(finding), {"verdict": "not judged", "reason": ""})
        # A "|" would end the table cell.
        message = str(finding["message"]).replace("|", "\\|")
        lines.append(f"| `{key(finding)}` | {message} | {verdict['verdict']} | {verdict['reason'].replace('|', '/')} |")
    return lines + [""]


def _ruff_section(pairs: dict[str, Pair]) -> list[str]:
    """Locations both tools report, and every difference with its reason."""
    lines = ["## Agreement with Ruff", "", "Locations (file and line) each tool reports for the rules both have, over all projects.", ""]
    lines += ["| reviewbot | Ruff | both | only reviewbot | only Ruff |", "|---|---|---|---|---|"]
    lines += [f"| {rule} | {', '.join(RUFF_PAIRS[rule])} | {both} | {sum(mine.values())} | {sum(theirs.values())} |" for rule, (both, mine, theirs) in pairs.items()]
    lines += ["", "Every difference, by reason:", ""]
    for rule, (_, mine, theirs) in pairs.items():
        for side, reasons in (("only reviewbot", mine), ("only Ruff", theirs)):
            lines += [f"- {rule}, {side}, {count}: {EXPLAINED.get(reason, f'not explained yet ({reason})')}" for reason, count in reasons.most_common()]
    return lines


def _repository(project: str, cache: Path, workdir: str) -> Path:
    """The project's release unpacked and committed as a git repository under ``workdir``."""
    repo = Path(workdir) / project.split("==")[0]
    shutil.copytree(corpus(project, cache), repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    return repo


def _with_context(chosen: list[dict[str, object]], workdir: str) -> list[dict[str, object]]:
    """The sample with the 24 numbered lines around each finding, for whoever judges it."""
    for finding in chosen:
        source = Path(workdir) / str(finding["project"]).split("==")[0] / str(finding["path"])
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
        start = max(0, int(str(finding["line"])) - 8)
        finding["context"] = "\n".join(f"{n + 1:5} {lines[n]}" for n in range(start, min(len(lines), start + 24)))
    return chosen


def main() -> None:
    """Download, scan and compare every project; write the report (and the sample if asked)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reviewbot-bench")
    parser.add_argument("--per-rule", type=int, default=12, help="findings per rule in the judged sample")
    parser.add_argument("--ruff", help="the ruff executable (default: ruff on PATH; skipped if none)")
    parser.add_argument("--judgments", type=Path, default=ROOT / "benchmarks" / "judgments.json")
    parser.add_argument("--sample-out", type=Path, help="write the sample with the code around each finding, for judging")
    parser.add_argument("--study", choices=sorted(STUDIES), default="libraries", help="which projects and rules (default: libraries)")
    parser.add_argument("--output", type=Path, help="the page to write (default: the study's page in docs/)")
    args = parser.parse_args()
    projects, rules, page = STUDIES[args.study]
    output = args.output or ROOT / "docs" / page
    # The installed console script, as users run it.
    reviewbot = shutil.which("reviewbot") or sys.exit("reviewbot is not installed")
    # Ruff's rules are paired with the libraries study's only.
    ruff_executable = (args.ruff or shutil.which("ruff")) if args.study == "libraries" else None
    found: dict[str, list[dict[str, object]]] = {}
    # Without Ruff the report has no agreement section.
    pairs: dict[str, Pair] | None = {} if ruff_executable else None
    with tempfile.TemporaryDirectory() as workdir:
        for project in projects:
            repo = _repository(project, args.cache, workdir)
            found[project] = scan(repo, reviewbot, rules)
            if ruff_executable and pairs is not None:
                # Summed over the projects, reasons and all.
                for rule, (both, mine, theirs) in agreement(repo, found[project], ruff(repo, ruff_executable)).items():
                    total = pairs.get(rule, (0, Counter(), Counter()))
                    pairs[rule] = (total[0] + both, total[1] + mine, total[2] + theirs)
            print(f"{project}: {len(found[project])} findings", file=sys.stderr)
        chosen = sample(found, args.per_rule)
        if args.sample_out:
            args.sample_out.write_text(json.dumps(_with_context(chosen, workdir), indent=1), encoding="utf-8")
    # Verdicts are written by hand: a typo must not count as a verdict.
    judged = json.loads(args.judgments.read_text(encoding="utf-8")) if args.judgments.is_file() else {}
    unknown = [k for k, v in judged.items() if v.get("verdict") not in VERDICTS]
    if unknown:
        sys.exit(f"{args.judgments}: verdicts must be one of {', '.join(VERDICTS)}: {unknown[:3]}")
    counts = {project: Counter(str(f["rule"]) for f in findings) for project, findings in found.items()}
    write_markdown(output, args.study, counts, chosen, judged, pairs)
    print(f"written: {output}")


if __name__ == "__main__":
    main()
