"""Gate benchmark: reviewbot as a pull request's CI runs it, on real commits written with coding agents.

    python benchmarks/prs.py --jobs 2                 # gate every pinned commit, write /tmp/prs/results.json
    python benchmarks/prs.py --reviewbot VENV/bin/reviewbot --built-from REV --out r.json  # a build of REV
    python benchmarks/prs.py --sample 6 --seed 1      # up to 6 findings per rule and group, with code, to judge
    python benchmarks/prs.py --render                 # docs/accuracy-prs.md from the results and the verdicts
    python benchmarks/prs.py --render --before b.json # ... with a run before tuning shown first
    python benchmarks/prs.py --pin                    # the candidates and the seeded draw behind PINNED

The corpus is ``PINNED``: commits of public repositories whose pull requests are written with coding
agents, read from bare mirrors under ``--mirror-root`` (``owner+name/repo``, or ``owner+name`` itself:
``git clone --mirror https://github.com/owner/name owner+name``); nothing else needs the network. A candidate is a non-merge
commit with one parent whose message has an agent trailer (``TRAILERS``: Claude, Claude Code, Cursor,
Codex, Copilot, daiv-agent; a trailer line, not a mention in the prose) and that adds or modifies
``*.py`` files. Commits changing more than ``MAX_PY_FILES`` Python files or adding more than
``MAX_ADDED_LINES`` Python lines are skipped: vendored code and mass rewrites, not a pull request
anyone reviews line by line. ``PER_REPO`` commits of each repository are drawn with ``SEED``, and
``HELD_OUT`` (a third of the repositories, drawn with the same seed) is judged only once the rules
are tuned on the others. Both were pinned before the first run; ``--pin`` redoes the draw from the
pinned heads, and writes every candidate to ``--candidates``.

Each commit is gated as CI would: a work tree of the commit (its parent's tree plus the commit, the
parent in the history), ``reviewbot init`` with the default parts, then ``reviewbot scan --diff C^
--format json`` from the root, once with ``--no-cache`` (cold), then twice with the cache (the first
run fills it, the second is warm), each killed after ``--timeout`` seconds. Exit status 1 is a failed
gate. With ``--jobs`` above 1 the gates run side by side, and their times include the contention.
The results name the code that ran: the checkout's commit (with a digest of its uncommitted changes)
for an editable install, else the installed package. An editable install edited during the run runs
different code from one gate to the next (the run says so); to measure a commit, install a build of
it into a virtual environment and pass that environment's ``reviewbot`` with ``--reviewbot``.

Verdicts live in ``benchmarks/pr-judgments.json``: ``findings`` by ``repo:sha:path:line:rule``, a
verdict ``right``/``wrong``/``noise``, a reason and a reader (``first`` or ``second``; a list of
both where two people read the finding, the first reader's verdict counting for precision), and
``gates`` by ``repo:sha``: whether the commit deserved to fail its gate (``deserved``, ``reason``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

# The checkout, where docs/accuracy-prs.md and the verdicts live.
ROOT = Path(__file__).resolve().parent.parent
# Scratch space: the results and the candidates, too big for git.
SCRATCH = Path(tempfile.gettempdir()) / "prs"
# The repositories, as ``owner/name``; their mirrors are ``owner+name`` under ``--mirror-root``.
REPOS = ("DefectDojo/django-DefectDojo", "airweave-ai/airweave", "srtab/daiv", "mitodl/mit-learn", "mitodl/mitxonline", "Zipstack/unstract")
# The seed of every draw: the held-out repositories, the commits of each repository, the sample.
SEED = 20261205
# Commits drawn per repository, and the largest change that still counts as a reviewable pull request.
PER_REPO = 10
MAX_PY_FILES = 40
MAX_ADDED_LINES = 2000
# Which trailer line names which agent; a line names at most one, the first that matches.
TRAILERS = (
    ("claude-code", re.compile(r"generated with \[?claude code", re.IGNORECASE)),
    ("claude", re.compile(r"^\s*co-authored-by:\s*claude\b", re.IGNORECASE)),
    ("cursor", re.compile(r"^\s*co-authored-by:\s*cursor", re.IGNORECASE)),
    ("codex", re.compile(r"^\s*co-authored-by:.*\bcodex\b|generated with \[?codex", re.IGNORECASE)),
    ("copilot", re.compile(r"^\s*co-authored-by:\s*copilot", re.IGNORECASE)),
    ("daiv-agent", re.compile(r"^\s*co-authored-by:\s*daiv-agent", re.IGNORECASE)),
)
# Drawn by ``--pin`` with SEED (a third of REPOS), before the first run: judged only after tuning.
HELD_OUT: tuple[str, ...] = ("DefectDojo/django-DefectDojo", "mitodl/mit-learn")
# repo -> (the mirror's HEAD when pinned, the commits drawn from it), as ``--pin`` prints them.
PINNED: dict[str, tuple[str, tuple[str, ...]]] = {
    "DefectDojo/django-DefectDojo": (
        "7cfa159a6767b0ac6e66f3b1597a997e607e7308",
        (
            "b50728eda63b556991d8d9c389fe04a2f756c19b",
            "19bf2251f9c9c941719abbf40a85656524a11504",
            "6a462310dcccbbdef51a41a34d21bbc2a00df154",
            "f2105ef3ba3f903dd51acfb882eea07450cfa813",
            "72593aa400b3013becc3e0197cd26064415b632d",
            "129279d799f6563c43d68b2bd03c4dac6d14cbe7",
            "e67e8facc936dfa200cc48dd9a3042351f2c52b6",
            "751f7571f811d784e74bc5a2b1ddadb7499a61ca",
            "70533a53e13dcb730f68c1572e134bdef2b4fedd",
            "a2c4f65426c52144a6ede6788cc8a988cc381ba0",
        ),
    ),
    "airweave-ai/airweave": (
        "32cfea0cd72d47b8a639a44f046075ca5ca04d78",
        (
            "3c0f641f41098b1872451985af884ed7fdde317a",
            "ab91738f506cc3b751d97d9161f694833970492a",
            "43a1295c4f12ad9f1e015e3d3f4b8b6eaeb5400f",
            "dc3fe949dfa2219c2b8421a6f27aea0746eef7ba",
            "2f4aa88427e09c55a6d5d464391c6463804c269f",
            "9e5a548cbe5c07d98df693cdf7cefe53dc2cc9aa",
            "5bb48828138ea2b245f5cc6f7040582f264c425c",
            "216a3007b1c7eea78fb4701d1528cd40892989cc",
            "cd78b65ac2e3330bd989103186a4231ce4ece6ac",
            "8a5d3c879efeb3ecfed145a5e533e2abec6787c9",
        ),
    ),
    "srtab/daiv": (
        "daf3e20dc3adc09c146f9032cc8c0c31935b9074",
        (
            "ba3fdf84d695ebfeb69b58eefa91bf13c510751b",
            "9e558f9f442ba7cb600a3e0ff7776e2668963206",
            "a6db8ebb7f1f991472db5eeacc17512b0efd58c2",
            "7cda091618b49f7a73ebb19044602bffbb1d172a",
            "d47c28c1382d2bf8fa7f4548c995fc2b8ea76d21",
            "45b1b9f594bd5c22c189f00d5907f9a740c806f8",
            "bb583f13d6b411e6c81e3a7bf73418e755f18baf",
            "f9179a50394f524d7bf36ce0e965fb6ee40a9a79",
            "418695c97c041e81fdcfb576c851553723d408e9",
            "17d98a5eb1901c6bfcc464bc28ff0ee9eefd0dff",
        ),
    ),
    "mitodl/mit-learn": (
        "2f304af0399575f72c5a6b8231fb16b4c4fd6078",
        (
            "b1155c538faf487575d66e61c0952da1c4a07e85",
            "a46b3050d4ec291a18a845d3c3a5e4abde658eda",
            "20efd8669dbc4c73138232ce25b6ca27866a369c",
            "0f86aa816eb7f29ea4a830c665a89196a51ec8f2",
            "461473773a01cfe1fd0af67505509981caa3211b",
            "44f43a9dbc084124e042e4ae828366332fc49bbf",
            "d1c6370d5c62b467853d04c3f83cd449b46adcb8",
            "daed199e5d5a3ef28c8bfcc1f3c0bd70a692bcda",
            "875beb7b314895ace4d78367236f0ff7afa0705a",
            "4ddedb9e71f9a12863019b4c676db0376b0e97ab",
        ),
    ),
    "mitodl/mitxonline": (
        "b3c9730edd606719f624086f2e8fab3223356f94",
        (
            "bc2905ddd667a0ab0116242ab253b6d205478b57",
            "e0f9af54086ac934ebaf5a83a630cd552e16e3c0",
            "2f171e03545b003f22409d1eb3070f7e64513d91",
            "e7295d5e5e4cf91b97246893f128cc9cdfd8b721",
            "5e28409bced0e3e733c2d0a14dd156a3c055dbec",
            "49f21d25d76cb93f86ee8f2ef2a9525d8e04607a",
            "c8d3811678e84ceeebc60e8158c1bed0a1956369",
            "60f03a5690d2e5ebd07aba2bc029593a4125ca97",
            "7dc8c2c6a55f3c01a0c9ca12bd42adb531b29f2f",
            "9f95a85bbf6300589e5e68228dc5b42f0cfac654",
        ),
    ),
    "Zipstack/unstract": (
        "6b916eac0f422e43c96d890c7bfacf0ed451138a",
        (
            "48e4a0146039e6383c334c67650083e93b34bb15",
            "4e9a4a49d651ff3b8b294a27fc87261004637b69",
            "b5f43d1120a0041e1f740732946d4762659a3db2",
            "e37029b8143905eb316373db93cbf1c52eb64a78",
            "069a177f7f051b704dd2ca48fcb68ba73c8ce5c0",
            "70eebacc1710151adfc860f6a56c66f9d3ef1476",
            "a219b2dced54c2d754c604381aa01166c5069125",
            "8dec64efb4a1b3dbdbc14b386abe2bcef8cdebb2",
            "063bc50461a523480b313ddb8c8bd64970f6c89b",
            "a53561f1c64812efc9b2ba6a5b340b7c58007d94",
        ),
    ),
}

VERDICTS = ("right", "wrong", "noise")
READERS = ("first", "second")
# Lines of code shown either side of a sampled finding.
EXCERPT = 6


class Candidate(TypedDict):
    """A commit that may be drawn, as ``--candidates`` lists it."""

    sha: str
    subject: str
    py_files_changed: int
    added_py_lines: int
    trailer: str


class Finding(TypedDict):
    """One finding of a gate, as the results keep it."""

    rule: str
    severity: str
    path: str
    line: int
    message: str


class Located(Finding):
    """A finding with the commit it was found on."""

    repo: str
    sha: str
    group: str


class Gate(TypedDict):
    """One commit's gate: init, the cold scan's exit status and findings, the times."""

    repo: str
    sha: str
    group: str
    init_exit: int | None
    init_output: str
    init_config: str
    exit: int | None
    gate_failed: bool
    seconds_cold: float
    seconds_fill: float
    seconds_warm: float
    cached_same: bool
    findings: list[Finding]
    error: str | None


class Results(TypedDict):
    """The results file: which reviewbot, how many gates at once, every gate."""

    reviewbot: dict[str, str]
    jobs: int
    seconds_total: float
    commits: list[Gate]


class Verdict(TypedDict):
    """One reader's verdict on a finding."""

    verdict: str
    reason: str
    reader: str


@dataclass
class Run:
    """One command's exit status (``None`` on timeout), wall seconds and output."""

    exit: int | None
    seconds: float
    stdout: str
    stderr: str


def run(command: list[str], cwd: Path, timeout: float) -> Run:
    """Run ``command`` in its own process group, killed whole (workers too) after ``timeout`` seconds."""
    started = time.perf_counter()
    try:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)
    except OSError as error:
        sys.exit(f"cannot run {command[0]}: {error}")
    with process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            return Run(None, time.perf_counter() - started, stdout, stderr)
    return Run(process.returncode, time.perf_counter() - started, stdout, stderr)


def git(*args: str, cwd: Path | None = None, stdin: str | None = None) -> str:
    """The output of a git command; exit if it fails."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, check=True, capture_output=True, text=True, errors="replace").stdout
    except (OSError, subprocess.CalledProcessError) as error:
        sys.exit(f"git {' '.join(args)} failed: {error}")


def missing(mirror: Path, shas: list[str]) -> list[str]:
    """The commits of ``shas`` that ``mirror`` does not hold."""
    answers = git(f"--git-dir={mirror}", "cat-file", "--batch-check", stdin="".join(f"{sha}^{{commit}}\n" for sha in shas)).splitlines()
    return [sha for sha, answer in zip(shas, answers) if answer.endswith(" missing")]


def group(repo: str) -> str:
    """``held-out`` or ``tuning``."""
    return "held-out" if repo in HELD_OUT else "tuning"


def mirrors(root: Path, repos: list[str], pinned: bool) -> dict[str, Path]:
    """Each repository's mirror (holding its pinned commits if ``pinned``); exit 2 saying how to get it if not."""
    found = {}
    for repo in repos:
        base = root / repo.replace("/", "+")
        # The bare repository in ``owner+name/repo/``, or ``owner+name`` itself.
        mirror = next((d for d in (base / "repo", base) if (d / "HEAD").is_file() and (d / "objects").is_dir()), None)
        head, shas = PINNED[repo]
        if mirror is None or (pinned and missing(mirror, [head, *shas])):
            print(f"no mirror of {repo} with its pinned commits under {root}: git clone --mirror https://github.com/{repo} {root}/{repo.replace('/', '+')}", file=sys.stderr)
            sys.exit(2)
        found[repo] = mirror
    return found


def executable(name: str) -> str:
    """The reviewbot to run, as a path; a pyenv shim is resolved here, once.

    A shim picks its interpreter from the ``.python-version`` of the directory it runs in: the scanned
    repository's, not the one reviewbot is installed for."""
    path = shutil.which(name) or sys.exit(f"{name}: not found")
    if Path(path).parent.name == "shims" and shutil.which("pyenv"):
        path = run(["pyenv", "which", Path(path).name], Path.cwd(), 60).stdout.strip() or sys.exit(f"pyenv cannot resolve {path}")
    return path


def candidates(mirror: Path, head: str) -> list[Candidate]:
    """Non-merge commits up to ``head`` with an agent trailer that add or modify ``*.py`` files."""
    log = git(f"--git-dir={mirror}", "log", "--no-merges", "--no-renames", "--diff-filter=AM", "--numstat", "--format=%x1e%H %P%x1f%B%x1f", head, "--", "*.py")
    found = []
    for entry in log.split("\x1e")[1:]:
        ids, message, stat = entry.split("\x1f")
        sha, *parents = ids.split()
        trailers = []
        for line in message.splitlines():
            kind = next((kind for kind, pattern in TRAILERS if pattern.search(line)), None)
            if kind and kind not in trailers:
                trailers.append(kind)
        # numstat rows: added, removed, path ("-" for binary files).
        rows = [row.split("\t") for row in stat.strip().splitlines()]
        added = [int(row[0]) if row[0] != "-" else 0 for row in rows if row[2].endswith(".py")]
        if trailers and len(parents) == 1 and added:
            subject = message.strip().splitlines()[0]
            found.append(Candidate(sha=sha, subject=subject, py_files_changed=len(added), added_py_lines=sum(added), trailer="+".join(trailers)))
    return found


def pin(root: Path, out: Path) -> None:
    """Write every repository's candidates to ``out``; print the draw as ``HELD_OUT`` and ``PINNED``."""
    found: dict[str, dict[str, object]] = {}
    print(f"HELD_OUT: tuple[str, ...] = ({', '.join(json.dumps(r) for r in sorted(random.Random(SEED).sample(sorted(REPOS), max(2, len(REPOS) // 3))))})")
    print("PINNED: dict[str, tuple[str, tuple[str, ...]]] = {")
    for repo, mirror in mirrors(root, list(REPOS), pinned=False).items():
        # The pinned head where the mirror has it: the same candidates, so the same draw, later too.
        head = PINNED[repo][0] if not missing(mirror, [PINNED[repo][0]]) else git(f"--git-dir={mirror}", "rev-parse", "HEAD").strip()
        commits = candidates(mirror, head)
        found[repo] = {"head": head, "mirror": str(mirror), "commits": commits}
        small = sorted(c["sha"] for c in commits if c["py_files_changed"] <= MAX_PY_FILES and c["added_py_lines"] <= MAX_ADDED_LINES)
        drawn = random.Random(f"{SEED}:{repo}").sample(small, min(PER_REPO, len(small)))
        print(f"    {json.dumps(repo)}: (\n        {json.dumps(head)},\n        (\n" + "".join(f"            {json.dumps(sha)},\n" for sha in drawn) + "        ),\n    ),")
        trailers = dict(Counter(c["trailer"] for c in commits))
        print(f"{repo}: {len(commits)} candidates at {head[:12]} {trailers}, {len(small)} small enough, {len(drawn)} drawn", file=sys.stderr)
    print("}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(found, indent=1) + "\n", encoding="utf-8")
    print(f"candidates: {out}", file=sys.stderr)


def gate(repo: str, sha: str, mirror: Path, reviewbot: str, timeout: float, packs: str | None = None) -> Gate:
    """One commit gated as CI would: init, a cold scan of its diff, then two with the cache;
    ``packs`` replaces the packs ``init`` chose (``auto``, ``backend-engineer``), to compare them."""
    with tempfile.TemporaryDirectory(prefix="prs-") as workdir:
        tree = Path(workdir) / "repo"
        # A clone sharing the mirror's objects: the commit checked out, its parent in the history.
        git("clone", "--quiet", "--shared", "--no-checkout", str(mirror), str(tree))
        git("checkout", "--quiet", "--detach", sha, cwd=tree)
        # CI's order: adopt (config, workflow, hooks), then the pre-merge gate on the commit's lines.
        init = run([reviewbot, "init"], tree, timeout)
        config = (tree / ".reviewbot.yml").read_text(encoding="utf-8") if (tree / ".reviewbot.yml").is_file() else ""
        if packs is not None and config:
            config = re.sub(r"^packs: .*$", f"packs: [{packs}]", config, count=1, flags=re.MULTILINE)
            (tree / ".reviewbot.yml").write_text(config, encoding="utf-8")
        scan = [reviewbot, "scan", "--diff", f"{sha}^", "--format", "json"]
        cold = run([*scan, "--no-cache"], tree, timeout)
        fill = run(scan, tree, timeout)
        warm = run(scan, tree, timeout)
    # Exit 2 or a timeout leaves no report: its error output is kept instead.
    try:
        found = json.loads(cold.stdout)["findings"]
        error = None
    except (ValueError, KeyError):
        found, error = [], cold.stderr.strip()[-2000:] or "no report"
    return Gate(
        repo=repo,
        sha=sha,
        group=group(repo),
        init_exit=init.exit,
        init_output=(init.stdout + init.stderr).strip()[-2000:],
        init_config=config,
        exit=cold.exit,
        gate_failed=cold.exit == 1,
        seconds_cold=round(cold.seconds, 3),
        seconds_fill=round(fill.seconds, 3),
        seconds_warm=round(warm.seconds, 3),
        # The cache must not change the answer.
        cached_same=cold.exit == fill.exit == warm.exit and cold.stdout == fill.stdout == warm.stdout,
        findings=[Finding(rule=f["rule"], severity=f["severity"], path=f["path"], line=f["line"], message=f["message"]) for f in found],
        error=error,
    )


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else math.nan


def times(gates: list[Gate], kind: str) -> list[float]:
    """Every gate's ``cold`` or ``warm`` seconds."""
    return [g["seconds_cold"] if kind == "cold" else g["seconds_warm"] for g in gates]


def summary(gates: list[Gate]) -> list[str]:
    """Per repository: commits, failed gates and anything odd; findings by rule; gate times."""
    lines = []
    for repo in PINNED:
        mine = [g for g in gates if g["repo"] == repo]
        odd = Counter(f"exit {g['exit']}" for g in mine if g["exit"] not in (0, 1)) + Counter("init failed" for g in mine if g["init_exit"] != 0)
        odd += Counter("cache changed the answer" for g in mine if not g["cached_same"])
        lines.append(f"{repo} ({group(repo)}): {len(mine)} commits, {sum(g['gate_failed'] for g in mine)} gates failed {dict(odd) or ''}")
    rules = Counter(f["rule"] for g in gates for f in g["findings"])
    lines.append(f"findings by rule: {dict(sorted(rules.items()))}")
    return lines + [f"{kind}: p50 {percentile(times(gates, kind), 0.5):.2f} s, p90 {percentile(times(gates, kind), 0.9):.2f} s" for kind in ("cold", "warm")]


def source(reviewbot: str) -> str:
    """What ``reviewbot`` runs: the commit of the checkout it imports from, with a digest of that
    checkout's uncommitted changes (an editable install runs the work tree), else the package's path."""
    # A console script names its interpreter on its first line; -I keeps the current directory off sys.path.
    interpreter = Path(reviewbot).read_text(encoding="utf-8", errors="replace").partition("\n")[0].removeprefix("#!").split()
    package = Path(run([*interpreter, "-I", "-c", "import reviewbot; print(reviewbot.__file__)"], ROOT, 60).stdout.strip()).parent
    if not (package.parent / ".git").exists():
        return str(package)
    checkout = ["-C", str(package.parent)]
    changes = git(*checkout, "diff", "HEAD", "--", "reviewbot", "rules")
    # New files are no part of the diff: their names and contents count too.
    for name in filter(None, git(*checkout, "ls-files", "--others", "--exclude-standard", "-z", "--", "reviewbot", "rules").split("\0")):
        changes += name + (package.parent / name).read_text(encoding="utf-8", errors="replace")
    digest = f"+changes.{hashlib.sha256(changes.encode()).hexdigest()[:12]}" if changes else ""
    return git(*checkout, "rev-parse", "HEAD").strip() + digest


def gate_all(root: Path, reviewbot: str, jobs: int, timeout: float, out: Path, built_from: str | None = None, packs: str | None = None) -> None:
    """Gate every pinned commit, ``jobs`` at a time; write the results to ``out``. ``built_from``:
    the commit of this repository that the installed ``reviewbot`` was built from; ``packs``: the
    packs every gate runs with."""
    found = mirrors(root, list(PINNED), pinned=True)
    before = git("-C", str(ROOT), "rev-parse", built_from).strip() if built_from else source(reviewbot)
    started = time.perf_counter()

    def one(repo: str, sha: str) -> Gate:
        result = gate(repo, sha, found[repo], reviewbot, timeout, packs)
        print(f"{repo} {sha[:12]}: exit {result['exit']}, {len(result['findings'])} findings, {result['seconds_cold']} s cold", file=sys.stderr)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        gates = list(pool.map(one, *zip(*[(repo, sha) for repo, (_, shas) in PINNED.items() for sha in shas])))
    total = time.perf_counter() - started
    after = before if built_from else source(reviewbot)
    if after != before:
        print(f"reviewbot changed during the run (from {before} to {after}): the gates ran different code", file=sys.stderr)
    tool = {"path": reviewbot, "version": run([reviewbot, "--version"], ROOT, 60).stdout.strip(), "source": before, "source_after": after}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(Results(reviewbot=tool, jobs=jobs, seconds_total=round(total, 1), commits=gates), indent=1) + "\n", encoding="utf-8")
    print("\n".join([*summary(gates), f"total: {total:.0f} s with --jobs {jobs}", f"written: {out}"]), file=sys.stderr)


def key(finding: Located) -> str:
    """How a finding is named in the verdicts file."""
    return f"{finding['repo']}:{finding['sha']}:{finding['path']}:{finding['line']}:{finding['rule']}"


def flat(results: Results) -> list[Located]:
    """Every finding of the results, with its repository, commit and group."""
    return [Located(repo=g["repo"], sha=g["sha"], group=g["group"], **f) for g in results["commits"] for f in g["findings"]]


def sample(results: Results, root: Path, per_rule: int, seed: int, groups: tuple[str, ...]) -> list[dict[str, object]]:
    """Up to ``per_rule`` findings of every rule in each group, drawn with ``seed``, each with its code."""
    findings = [f for f in flat(results) if f["group"] in groups]
    found = mirrors(root, sorted({f["repo"] for f in findings}), pinned=False)
    chosen = []
    for name in groups:
        for rule in sorted({f["rule"] for f in findings if f["group"] == name}):
            # One finding per key: the verdicts file cannot tell two on the same line apart.
            pool = sorted({key(f): f for f in findings if f["group"] == name and f["rule"] == rule}.values(), key=key)
            chosen += random.Random(f"{seed}:{name}:{rule}").sample(pool, min(per_rule, len(pool)))
    shown = []
    for finding in chosen:
        # The file as the commit left it, the finding's line marked.
        lines = git(f"--git-dir={found[finding['repo']]}", "show", f"{finding['sha']}:{finding['path']}").splitlines()
        numbers = range(max(1, finding["line"] - EXCERPT), min(len(lines), finding["line"] + EXCERPT) + 1)
        excerpt = "\n".join(f"{'>' if n == finding['line'] else ' '}{n:5} {lines[n - 1]}" for n in numbers)
        shown.append({"key": key(finding), **finding, "excerpt": excerpt})
    return shown


def verdicts(path: Path) -> tuple[dict[str, dict[str, Verdict]], dict[str, dict[str, object]], str]:
    """The verdicts file: each finding's verdicts by reader, each gate's verdict, the reviewbot commit."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    by_reader: dict[str, dict[str, Verdict]] = {}
    for name, entries in data.get("findings", {}).items():
        # One reader's verdict, or a list: one per reader.
        for entry in entries if isinstance(entries, list) else [entries]:
            # Verdicts are written by hand: a typo must not count as a verdict.
            if entry.get("verdict") not in VERDICTS or entry.setdefault("reader", "first") not in READERS:
                sys.exit(f"{path}: {name}: the verdict must be one of {', '.join(VERDICTS)}, the reader one of {', '.join(READERS)}")
            by_reader.setdefault(name, {})[entry["reader"]] = entry
    return by_reader, data.get("gates", {}), str(data.get("reviewbot_commit", "not given"))


def kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa of two readers' verdicts: their agreement beyond what chance gives."""
    observed = sum(a == b for a, b in pairs) / len(pairs)
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[v] * second[v] for v in VERDICTS) / len(pairs) ** 2
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def render(results: Results, judgments: Path, page: Path, before: Results | None = None) -> None:
    """The page: the corpus, gate times, the gates' and the findings' verdicts, reader agreement;
    with ``before``, the same for the run before the rules were tuned, first."""
    gates = results["commits"]
    judged, deserved, judged_at = verdicts(judgments)
    tool = results["reviewbot"]
    lines = [
        "# Accuracy: agents' pull requests",
        "",
        "Written by `python benchmarks/prs.py --render` (do not edit by hand; verdicts live in `benchmarks/pr-judgments.json`).",
        "",
        f"Each commit is gated as CI would (`reviewbot init`, then `reviewbot scan --diff C^`) by {tool['version']} {built(tool)};"
        f" the verdicts were written against `{judged_at}`. Held out until the rules are tuned: {', '.join(f'`{r}`' for r in HELD_OUT)}.",
        "",
        "To reproduce: mirror the repositories (`git clone --mirror https://github.com/OWNER/NAME /tmp/prs/mirrors/OWNER+NAME`),"
        " install a build of the commit to measure into a virtual environment (`git archive REV`, then `pip install`), and run"
        " `python benchmarks/prs.py --reviewbot VENV/bin/reviewbot --built-from REV --jobs 2 --out results.json`,"
        " then `--render --out results.json` (`--before` adds an earlier run). `--sample N` draws findings to judge.",
        "",
        "| repository | group | head | commits | gates failed | findings | exit 2 or timeout | init failed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for repo, (head, _) in PINNED.items():
        mine = [g for g in gates if g["repo"] == repo]
        failed, crashed = sum(g["gate_failed"] for g in mine), sum(g["exit"] not in (0, 1) for g in mine)
        size, init_failed = sum(len(g["findings"]) for g in mine), sum(g["init_exit"] != 0 for g in mine)
        lines.append(f"| {repo} | {group(repo)} | `{head[:12]}` | {len(mine)} | {failed} | {size} | {crashed} | {init_failed} |")
    if before is not None:
        # What the same commits got before tuning: the verdicts that drove it.
        earlier = before["commits"]
        lines += ["", f"## Before tuning: {before['reviewbot']['version']} {built(before['reviewbot'])}", ""]
        lines += [f"{len(earlier)} commits, {sum(g['gate_failed'] for g in earlier)} gates failed, {sum(len(g['findings']) for g in earlier)} findings."]
        lines += [line.replace("## ", "### ", 1) for line in _gates_section(earlier, deserved)]
        for name in ("tuning", "held-out"):
            lines += [line.replace("## ", "### ", 1) for line in _precision_section(name, [f for f in flat(before) if f["group"] == name], judged)]
        lines += ["", f"## After tuning: {tool['version']} {built(tool)}"]
    lines += ["", "## Gate time", "", f"Wall seconds per commit, `--jobs {results['jobs']}` (gates side by side).", "", "| scan | p50 | p90 |", "|---|---|---|"]
    lines += [f"| {kind} | {percentile(times(gates, kind), 0.5):.2f} s | {percentile(times(gates, kind), 0.9):.2f} s |" for kind in ("cold", "warm")]
    lines += _gates_section(gates, deserved)
    for name in ("tuning", "held-out"):
        lines += _precision_section(name, [f for f in flat(results) if f["group"] == name], judged)
    lines += _agreement_section(judged)
    lines += _recall_section(json.loads(judgments.read_text(encoding="utf-8")).get("missed", {}) if judgments.is_file() else {})
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _recall_section(missed: dict[str, str]) -> list[str]:
    """What a reader found, in commits read whole, that a linter could have reported and a careful
    reviewer would block a merge for (``missed``: ``repo:sha`` -> ``none`` or ``file:line: what``)."""
    if not missed:
        return []
    found = {commit: what for commit, what in missed.items() if what != "none"}
    lines = ["", "## Recall", "", f"A reader went through {len(missed)} commits whole for problems a linter could find and a reviewer would block for: {len(found)} found."]
    return lines + ([""] if found else []) + [f"- `{commit}`: {what}" for commit, what in sorted(found.items())]


def built(tool: dict[str, str]) -> str:
    """Which code ran: this repository's commit, or just "an installed build" (never a local path)."""
    source = tool["source"]
    return f"built from `{source[:12]}`" if re.fullmatch(r"[0-9a-f]{40}(\+changes\.[0-9a-f]+)?", source) else "(an installed build)"


def _gates_section(gates: list[Gate], deserved: dict[str, dict[str, object]]) -> list[str]:
    """Failed gates by whether the commit deserved to fail, and passed gates likewise."""
    counts: Counter[tuple[bool, str]] = Counter()
    for result in gates:
        verdict = deserved.get(f"{result['repo']}:{result['sha']}")
        counts[result["gate_failed"], "not judged" if verdict is None else "deserved" if verdict["deserved"] else "undeserved"] += 1
    lines = ["", "## Gates", "", "| gate | commits | deserved to fail | did not deserve to fail | not judged |", "|---|---|---|---|---|"]
    for failed in (True, False):
        row = [counts[failed, judged] for judged in ("deserved", "undeserved", "not judged")]
        lines.append(f"| {'failed' if failed else 'passed'} | {sum(row)} | " + " | ".join(map(str, row)) + " |")
    return lines


def _precision_section(name: str, findings: list[Located], judged: dict[str, dict[str, Verdict]]) -> list[str]:
    """Per rule: findings, the judged ones by verdict (the first reader's where both read), precision."""
    lines = ["", f"## Precision: {name}", "", "| rule | findings | judged | right | wrong | noise | precision |", "|---|---|---|---|---|---|---|"]
    for rule in sorted({f["rule"] for f in findings}):
        mine = [f for f in findings if f["rule"] == rule]
        # Two findings of a rule on one line share a key, and a verdict.
        counts = Counter(primary(judged[name]) for name in {key(f) for f in mine} if name in judged)
        total = sum(counts.values())
        precision = f"{100 * counts['right'] / total:.0f} %" if total else "—"
        lines.append(f"| {rule} | {len(mine)} | {total} | {counts['right']} | {counts['wrong']} | {counts['noise']} | {precision} |")
    return lines


def primary(readers: dict[str, Verdict]) -> str:
    """The verdict that counts: the first reader's, else the only one."""
    return (readers.get("first") or readers["second"])["verdict"]


def _agreement_section(judged: dict[str, dict[str, Verdict]]) -> list[str]:
    """How often the two readers agree where both judged a finding, and every disagreement."""
    both = {name: (r["first"]["verdict"], r["second"]["verdict"]) for name, r in sorted(judged.items()) if len(r) == 2}
    if not both:
        return ["", "## Readers", "", "No finding was judged by both readers."]
    pairs = list(both.values())
    agreed = sum(a == b for a, b in pairs)
    lines = ["", "## Readers", "", f"Both readers judged {len(pairs)} findings and agree on {agreed} ({100 * agreed / len(pairs):.0f} %, Cohen's kappa {kappa(pairs):.2f}).", ""]
    return lines + [f"- `{name}`: first {a}, second {b}" for name, (a, b) in both.items() if a != b]


def main() -> None:
    """Gate the pinned commits; or pin them, sample their findings, or render the page."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror-root", type=Path, default=SCRATCH / "mirrors", help="where the owner+name mirrors are (default: /tmp/prs/mirrors)")
    parser.add_argument("--reviewbot", default="reviewbot", help="the reviewbot to run (default: the one on PATH)")
    parser.add_argument("--built-from", metavar="REV", help="the commit of this repository that --reviewbot was built from (git archive REV)")
    parser.add_argument("--out", type=Path, default=SCRATCH / "results.json", help="the results (default: /tmp/prs/results.json)")
    parser.add_argument("--jobs", type=int, default=1, help="commits gated side by side")
    parser.add_argument("--packs", help="the packs every gate runs with, in place of those `init` chose (auto, backend-engineer)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per command before it is killed")
    parser.add_argument("--pin", action="store_true", help="list the candidates and print the seeded draw")
    parser.add_argument("--candidates", type=Path, default=SCRATCH / "candidates.json", help="where --pin writes the candidates")
    parser.add_argument("--sample", type=int, metavar="N", help="print up to N findings per rule and group, with code, to judge")
    parser.add_argument("--seed", type=int, default=SEED, help="the seed of --sample")
    parser.add_argument("--group", choices=("tuning", "held-out"), help="--sample only this group")
    parser.add_argument("--render", action="store_true", help="write the page from the results and the verdicts")
    parser.add_argument("--judgments", type=Path, default=ROOT / "benchmarks" / "pr-judgments.json")
    parser.add_argument("--before", type=Path, help="with --render: the results of a run before tuning, shown first")
    parser.add_argument("--page", type=Path, default=ROOT / "docs" / "accuracy-prs.md")
    args = parser.parse_args()
    # One mode per run; gating is the default.
    if args.pin:
        pin(args.mirror_root, args.candidates)
    elif args.sample is not None:
        # Both groups unless one is named: the held-out one is for after the tuning.
        groups = (args.group,) if args.group else ("tuning", "held-out")
        print(json.dumps(sample(json.loads(args.out.read_text(encoding="utf-8")), args.mirror_root, args.sample, args.seed, groups), indent=1))
    elif args.render:
        before = json.loads(args.before.read_text(encoding="utf-8")) if args.before is not None else None
        render(json.loads(args.out.read_text(encoding="utf-8")), args.judgments, args.page, before)
        print(f"written: {args.page}")
    else:
        # The script itself, not a shim, and the mirrors checked before the first gate.
        gate_all(args.mirror_root, executable(args.reviewbot), args.jobs, args.timeout, args.out, args.built_from, args.packs)


if __name__ == "__main__":
    main()
