"""One scan, for every entry point: ``scan`` (with ``--diff``, ``--fix``, baselines), ``baseline``,
``github`` and ``hook`` build a ``Request``, ``run`` answers with a ``Result``, and they render it.

The pipeline: choose the files (the repository, PATHS, or a change) -> phase 1 per file (cache,
then worker processes; decode, parse once, one walk, suppressions, facts) -> phase 2, the project
rules over the facts and the change -> filter by the change -> fix and rescan if asked -> baseline.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import EllipsisType

from reviewbot import conventions
from reviewbot.cache import DEFAULT_DIRECTORY, Cache, content_digest
from reviewbot.change import Change
from reviewbot.checks.base import History
from reviewbot.checks.meta import FILE_RULES, UNREADABLE, UNUSED_SUPPRESSION
from reviewbot.config import Settings
from reviewbot.errors import GitError, UsageError
from reviewbot.files import MAX_SOURCE_BYTES, NotScanned, read_source
from reviewbot.gitcli import commit_of
from reviewbot.model import Facts, FileResult, Finding
from reviewbot.workers import Pool, default_jobs, scan_in_place

log = logging.getLogger(__name__)

# Default for ``--file-timeout``: seconds one file may take before it counts as lost (RB002).
FILE_TIMEOUT = 30.0
# A progress line appears once a scan has run this long, and is redrawn at most this often.
PROGRESS_AFTER, PROGRESS_EVERY = 1.0, 0.1


@dataclass(frozen=True)
class Request:
    """What to scan and how; every field but ``root`` and ``settings`` has the CLI's default."""

    root: Path
    settings: Settings
    is_git: bool = True
    # Only files under these paths (the command line's PATHS).
    paths: tuple[Path, ...] = ()
    # Changed-lines mode: the base revision, and where the new side is (``--head``, ``--staged``).
    diff: str | None = None
    head: str | None = None
    staged: bool = False
    # A change computed by the caller (the GitHub mode may build it from the API's patches).
    change: Change | None = None
    # Only these repo-relative files of the change (the hook's edited file).
    only: tuple[str, ...] | None = None
    filter_mode: str | None = None
    fix: bool = False
    baseline: Path | None = None
    update_baseline: bool = False
    # ``(K, N)``: only the K-th of N disjoint shards of the files (``--shard K/N``).
    shard: tuple[int, int] | None = None
    jobs: int = field(default_factory=default_jobs)
    file_timeout: float = FILE_TIMEOUT
    # Each file in a worker process, so that a crash of the native parser costs one file. Only a
    # process that is itself disposable (the hook server's child for one event) scans in place.
    isolate: bool = True
    cache: bool = True
    progress: bool = False
    # ``reviewbot merge``: JSON reports of shards (or whole scans) to read instead of scanning;
    # their findings at the config's severities, with the project phase the shards left out.
    reports: tuple[Path, ...] = ()
    # ``merge --strict``: a missing shard is an error rather than a warning.
    strict: bool = False

    @property
    def changed_lines(self) -> bool:
        """Whether findings are judged against a change."""
        return self.diff is not None or self.change is not None


@dataclass(frozen=True)
class Result:
    """What a scan found."""

    root: Path
    settings: Settings
    files: tuple[str, ...]
    # How many files the findings cover (a merge knows the reports' counts, not every name).
    scanned: int
    # Every finding of the scanned files, before the change filter and the baseline.
    everything: tuple[Finding, ...]
    # What the run reports.
    findings: tuple[Finding, ...]
    fixed: int = 0
    # Files ``--fix`` left alone because the fixed text would not parse.
    refused: tuple[str, ...] = ()
    # Entries ``--update-baseline`` removed.
    pruned: int | None = None
    # The facts of every scanned file (a shard's JSON report carries them to ``reviewbot merge``).
    facts: dict[str, Facts] = field(default_factory=dict)

    def fails(self) -> bool:
        """The gate's answer: a reported finding at or above ``fail-on``."""
        return any(self.settings.fails(finding) for finding in self.findings)


def check(request: Request) -> None:
    """Refuse requests whose parts contradict each other, before any work."""
    # The new side and its filter only mean something against a change.
    if request.diff is None and request.change is None:
        for flag, value in (("--head", request.head), ("--staged", request.staged), ("--filter-mode", request.filter_mode)):
            if value:
                raise UsageError(f"{flag} only makes sense with --diff REV")
    # Fixes are written to the work tree, so the scan must read the work tree.
    if request.fix and (request.head or request.staged):
        raise UsageError("--fix changes the work tree, so it cannot be combined with --head or --staged")
    if request.filter_mode == "nofilter" and (request.head or request.staged):
        raise UsageError("--filter-mode nofilter scans the work tree; it cannot be combined with --head or --staged")
    if request.diff is not None and not request.is_git:
        raise UsageError(f"--diff needs a git repository, and {request.root} is not in one")
    if request.update_baseline and request.baseline is None:
        raise UsageError("--update-baseline needs a baseline: --baseline FILE or config `baseline`")
    if request.reports and (request.changed_lines or request.fix or request.baseline is not None or request.paths or request.shard):
        raise UsageError("merging reports reads findings; it cannot also scan, fix or filter")


def run(request: Request) -> Result:
    """The whole scan a request asks for."""
    from reviewbot.baseline import load, new_findings, prune
    from reviewbot.fix import fix_all

    check(request)
    if request.reports:
        return _merge(request)
    started = time.perf_counter()
    # Phase 1 and the change filter, then what a fix and the baseline make of the findings.
    files, everything, findings, facts = _scan(request)
    fixed = 0
    refused: list[str] = []
    if request.fix:
        fixed, refused = fix_all(request.root, list(findings), request.settings.max_file_bytes)
        if fixed:
            # Positions and what is left are those of the fixed files.
            files, everything, findings, facts = _scan(request)
    pruned = None
    # Known findings are dropped last, from what the filter and the fixes left.
    if request.baseline is not None:
        entries = load(request.baseline)
        if request.update_baseline:
            pruned = prune(request.baseline, entries, everything, _judged(request, files, everything), request.root)
        findings = new_findings(findings, everything, entries)
    log.info("scanned %d files in %.2fs", len(files), time.perf_counter() - started)
    return Result(request.root, request.settings, tuple(files), len(files), tuple(everything), tuple(findings), fixed, tuple(refused), pruned, facts)


def _merge(request: Request) -> Result:
    """The findings of several JSON reports as one scan's: at the config's severities, with the
    project phase over every shard's facts together and the suppressions it used settled."""
    from reviewbot.merge import read_reports, with_severities

    findings, count, facts = read_reports(list(request.reports), request.strict)
    project, used = phase2(request.settings, facts, None)
    merged = _own_terms(request, [*settle_suppressions(with_severities(findings, request.settings), used), *project], facts, None, None)
    merged.sort(key=lambda finding: finding.sort_key)
    return Result(request.root, request.settings, tuple(sorted(facts)), count, tuple(merged), tuple(merged))


def _scan(request: Request) -> tuple[list[str], list[Finding], list[Finding], dict[str, Facts]]:
    """The files, all their findings, the findings the change filter keeps, and the files' facts."""
    cache = _cache(request)
    try:
        return _scan_with(request, cache)
    finally:
        if cache is not None:
            cache.close()


def _scan_with(request: Request, cache: Cache | None) -> tuple[list[str], list[Finding], list[Finding], dict[str, Facts]]:
    """``_scan`` with the run's cache, opened once."""
    from reviewbot.diff import changed_paths, compute, keep
    from reviewbot.project import list_files

    settings = request.settings
    change = request.change
    # The caller's change (the GitHub mode's), else the one --diff names, else none.
    if change is None and request.diff is not None:
        change = compute(request.root, request.diff, request.head, request.staged, request.only)
    mode = request.filter_mode or "added"
    if change is None or mode == "nofilter":
        # Everything, as a full scan reports it; a diff only decides what "changed" means.
        files = in_shard(list_files(request.root, request.is_git, list(request.paths), settings.exclude), request.shard)

        def read(path: str) -> bytes:
            return read_source(request.root / path, settings.max_file_bytes)

        if cache is None or change is not None or request.shard is not None:
            everything, facts = _both_phases(request, files, read, change, cache)
            return files, everything, everything, facts
        # A full scan of files, config and last commit that a scan has seen answers as that one did.
        contents = _contents(request.root, files, read, cache)
        remembered = cache.run(run_key(request, cache.digest, contents))
        if remembered is not None:
            log.info("%d files unchanged since a scan: its findings, from the cache", len(files))
            return files, remembered, remembered, {}
        # Phase 1 takes the hashes from here, reads again only the files the cache does not know
        # (a file saved meanwhile is then known by its new bytes), and the scan is kept under them.
        everything, facts = _both_phases(request, files, read, change, cache, contents)
        if not cache.incomplete:
            cache.put_run(run_key(request, cache.digest, contents), everything)
        return files, everything, everything, facts
    # Only changed files are read and parsed, from where the new side lives (work tree, index, commit).
    files = in_shard(changed_paths(change, request.root, list(request.paths), settings.exclude), request.shard)
    if request.only is not None:
        files = [path for path in files if path in request.only]
    everything, facts = _both_phases(request, files, change.read, change, cache)
    kept = [finding for finding in everything if keep(finding, change.files.get(finding.path), mode, change)]
    return files, everything, kept, facts


def _both_phases(
    request: Request, files: list[str], read: Callable[[str], bytes], change: Change | None, cache: Cache | None, contents: dict[str, str] | None = None
) -> tuple[list[Finding], dict[str, Facts]]:
    """Phase 1 for every file, then the project phase over their facts: all findings, sorted, and the
    facts; ``contents`` gets what phase 1 read of each file (``run_key``).

    A shard sees only part of the project, so its project phase is left to ``reviewbot merge``,
    which runs it over every shard's facts.
    """
    results = phase1(request, files, read, cache=cache, contents=contents)
    facts = {path: results[path].facts for path in files if path in results}
    findings = [finding for path in files if path in results for finding in results[path].findings]
    if request.shard is None:
        history = GitHistory(request, change, cache) if change is not None and request.is_git else None
        project, used = phase2(request.settings, facts, change, history)
        findings = settle_suppressions(findings, used) + project
    findings = _own_terms(request, findings, facts, change, cache)
    return sorted(findings, key=lambda finding: finding.sort_key), facts


def _own_terms(request: Request, findings: list[Finding], facts: dict[str, Facts], change: Change | None, cache: Cache | None) -> list[Finding]:
    """The findings in the repository's own terms: none about the code of a file a tool wrote,
    and what its conventions keep (``reviewbot.conventions``, which keeps what git said in ``cache``)."""
    generated_at_base = _generated_at_base(request, facts, change)
    findings = [finding for finding in findings if not _written_by_a_tool(finding, facts, change, generated_at_base)]
    return conventions.apply(request.root, request.settings, findings, facts, change, cache) if request.is_git else findings


def _generated_at_base(request: Request, facts: dict[str, Facts], change: Change | None) -> set[str]:
    """The files that carry a tool's mark, and carried it at the change's base too if the change
    modifies them: a change cannot exempt a file by writing the mark into it."""
    from reviewbot.source import is_generated

    marked = {path for path, known in facts.items() if known.generated}
    if change is None:
        return marked
    found = {path for path in marked if path not in change.files}
    for path in marked - found:
        base = conventions.git_text(request.root, [change.base], change.files[path].base_path) if not change.files[path].new else None
        if base is not None and is_generated(base):
            found.add(path)
    return found


def _written_by_a_tool(finding: Finding, facts: dict[str, Facts], change: Change | None, generated: set[str]) -> bool:
    """A finding of a rule about code in a file whose first lines say a tool wrote it (and said
    so before the change: ``generated``). Only whether it reads and parses counts there; a file
    the change adds is judged like any other, since a header never exempts new code."""
    if finding.path not in generated or finding.rule in FILE_RULES:
        return False
    return not (change is not None and finding.path in change.files and change.files[finding.path].new)


def phase2(
    settings: Settings, facts: dict[str, Facts], change: Change | None, history: History | None = None
) -> tuple[list[Finding], set[tuple[str, int]]]:
    """The project rules that are selected, over the files' facts and the change; and the
    (path, line) of the suppression comments they needed.

    A finding survives where its rule applies to its file (``per-file-ignores``, test paths) and
    no suppression comment of that file covers it.
    """
    from reviewbot.checks import RULES
    from reviewbot.checks.base import ProjectRule, ProjectView
    from reviewbot.engine import finalize, noqa_of
    from reviewbot.suppress import Suppressions

    view = ProjectView(facts, change, settings, history)
    noqa = noqa_of(settings)
    found: list[Finding] = []
    suppressions: dict[str, Suppressions] = {}
    for rule_id in sorted(settings.selected):
        rule_class = RULES[rule_id]
        if issubclass(rule_class, ProjectRule):
            rule = rule_class(view)
            rule.check()
            # A finding may lie in a file the rule read to follow the change (RB201's call graph).
            known = {**(history.read_on_head() if history is not None else {}), **facts}
            for finding in rule.found:
                if finding.path in known and finding.path not in suppressions:
                    suppressions[finding.path] = Suppressions(list(known[finding.path].suppressions), noqa)
                if rule_id in settings.rules_for(finding.path) and not (finding.path in suppressions and suppressions[finding.path].suppressed(rule_id, (finding.line,))):
                    found.append(finding)
    # Fingerprints from the rule and path: the project phase has no file text.
    return finalize(found, []), {(path, s.line) for path, table in suppressions.items() for s in table.all if s.used}


def silent_rules(request: Request, rules: set[str]) -> dict[str, str]:
    """Why some of ``rules`` cannot report anything in this repository (RB501 without a client
    layer, say), for ``reviewbot agents``: each project rule reads the facts of the files it
    names, through phase 1 and its cache. The rules run even where the config leaves them off:
    the question is what the code holds."""
    from reviewbot.checks import RULES
    from reviewbot.checks.base import ProjectRule
    from reviewbot.project import list_files

    asking = [declared for rule in sorted(rules) if issubclass(declared := RULES[rule], ProjectRule)]
    if not asking:
        return {}
    settings = replace(request.settings, selected=request.settings.selected | {rule.id for rule in asking})
    request = replace(request, settings=settings)

    def scan(wanted: Callable[[str], bool]) -> dict[str, Facts]:
        chosen = [path for path in list_files(request.root, request.is_git, [], settings.exclude) if wanted(path)]
        results = phase1(request, chosen, lambda path: read_source(request.root / path, settings.max_file_bytes))
        return {path: result.facts for path, result in results.items()}

    found = {rule.id: rule.silence(settings, scan) for rule in asking}
    return {rule: why for rule, why in found.items() if why is not None}


def settle_suppressions(findings: list[Finding], used: set[tuple[str, int]]) -> list[Finding]:
    """Phase 1's findings without the RB003 "suppressed nothing" of a directive the project phase used."""
    from reviewbot.suppress import UNUSED

    return [f for f in findings if not (f.rule == UNUSED_SUPPRESSION and f.message == UNUSED and (f.path, f.line) in used)]


class GitHistory:
    """The revisions around a change (``reviewbot.checks.base.History``), read with git.

    ``git grep -w`` finds the files that mention a word; only those go through phase 1 (and its
    cache). In the work tree it greps the tracked files: the untracked ones are the change's new
    files, read whole anyway (the hook's change holds only the edited file: other untracked files
    are not its to read). Walking the work tree for untracked files would take four times the grep
    on django, more than the hook's whole answer may. Facts already read are kept for the run.
    """

    def __init__(self, request: Request, change: Change, cache: Cache | None = None) -> None:
        self.request = request
        self.change = change
        self.cache = cache
        self.known: dict[tuple[str | None, str], Facts] = {}
        # The new side's files, when it is a commit or the index (``_exists``).
        self.listing: frozenset[str] | None = None
        # The files changed since the base, when the work tree stands for it (``_changed_since_base``;
        # ``...``: not asked yet), and base versions read so far (``_at_base``).
        self.since_base: dict[str, str] | None | EllipsisType = ...
        self.base_texts: dict[str, bytes] = {}

    def base(self, words: Iterable[str], wanted: Callable[[str], bool]) -> dict[str, Facts] | None:
        """Facts of the base revision's files that mention a word; ``None`` without the base commit.

        When the base is the last commit and the new side the work tree (the hook's change, and
        ``scan --diff HEAD``), every tracked file git does not list as changed is the same in both:
        those are grepped and read in the work tree (a grep in a commit inflates every file, ten
        times slower), and only the changed files' base versions are read from git."""
        base = self.change.base
        changed = self._changed_since_base()
        found = self._grep(words, base) if changed is None else self._mentions_at_base(words, changed)
        if found is None:
            log.warning("the base revision %s is not in this clone: rules comparing with it (RB501, RB503, RB504) skip this run", base[:12])
            return None

        def read(path: str) -> bytes:
            if changed is not None and path not in changed:
                return read_source(self.request.root / path, MAX_SOURCE_BYTES)
            return self._at_base(path)

        return self._facts(base, [path for path in found if wanted(path)], read, "base")

    def head_tests(self, words: Iterable[str]) -> dict[str, Facts]:
        """Facts of the new side's test files that mention a word."""
        found = self._grep(words, self.change.head) or []
        return self._facts(self.change.head, [path for path in found if self.request.settings.is_test(path)], self.change.read)

    def mentions(self, *words: str) -> list[str]:
        """The new side's Python files that mention one of ``words`` (``git grep -w``).

        In the work tree, when the base is the last commit (``_changed_since_base``): the base's
        files that mention a word (kept for that commit), but the changed ones, read as they are now."""
        changed = self._changed_since_base() if self.change.head is None and words else None
        if changed is None:
            return self._grep(words, self.change.head) or []
        at_base = self._mentions_at_base(words, changed)
        if at_base is None:
            return []
        mention = _mention(sorted(set(words)))
        now = set(at_base) - changed.keys()
        unread = []
        for path, status in changed.items():
            if status == "D" or self.request.settings.exclude.match(path):
                continue
            try:
                text = read_source(self.request.root / path, MAX_SOURCE_BYTES)
            except OSError:
                unread.append(path)  # too large to read, or not a file: git answers for it
                continue
            if mention.search(text):
                now.add(path)
        return sorted(now.union(self._grep(words, None, [f":(literal){path}" for path in unread]) or ()) if unread else now)

    def read_on_head(self) -> dict[str, Facts]:
        """Every new-side file's facts read so far."""
        return {path: facts for (revision, path), facts in self.known.items() if revision == self.change.head}

    def head(self, paths: Iterable[str]) -> dict[str, Facts]:
        """Facts of those of ``paths`` that exist on the new side."""
        wanted = sorted(path for path in set(paths) if path.endswith(".py") and self._exists(path))
        return self._facts(self.change.head, wanted, self.change.read)

    def _exists(self, path: str) -> bool:
        """Whether the new side has the file ``path`` (its listing read once, with one git command)."""
        head = self.change.head
        if head is None:
            return (self.request.root / path).is_file()
        if self.listing is None:
            command = ("ls-files", "-z") if head == ":" else ("ls-tree", "-r", "-z", "--name-only", head)
            done = self._git(*command)
            self.listing = frozenset(entry.decode("utf-8", "surrogateescape") for entry in done.stdout.split(b"\0") if entry)
        return path in self.listing

    def _facts(self, revision: str | None, paths: list[str], read: Callable[[str], bytes], side: str = "") -> dict[str, Facts]:
        missing = [path for path in paths if (revision, path) not in self.known]
        if missing:
            for path, result in phase1(self.request, missing, read, side, cache=self.cache, facts_only=True).items():
                self.known[(revision, path)] = result.facts
        return {path: self.known[(revision, path)] for path in paths if (revision, path) in self.known}

    def _changed_since_base(self) -> dict[str, str] | None:
        """When the base is the last commit and the new side the work tree: the Python files whose
        work tree version is not the base's, by their status letter (``M``, ``A``, ``D``, ``T``);
        else ``None``."""
        if isinstance(self.since_base, EllipsisType):
            self.since_base = None
            if self.change.head is None and self.change.base == (self.change.last or commit_of(self.request.root, "HEAD")):
                done = self._git("diff", "--name-status", "-z", "--no-renames", "--ignore-submodules=all", self.change.base, "--", "*.py")
                fields = [entry.decode("utf-8", "surrogateescape") for entry in done.stdout.split(b"\0") if entry]
                self.since_base = dict(zip(fields[1::2], fields[::2])) if done.returncode == 0 else None
        return self.since_base

    def _mentions_at_base(self, words: Iterable[str], changed: dict[str, str]) -> list[str] | None:
        """``_grep`` at the base when the work tree stands for it: the tracked files grepped in the
        work tree, the changed ones read at the base. What a commit holds never changes: the answer
        is kept in the cache under the commit, the words and the excluded globs."""
        words = sorted(set(words))
        if not words:
            return []
        key = json.dumps([self.change.base, words, self.request.settings.exclude.patterns])
        known = self.cache.paths(key) if self.cache is not None else None
        if known is not None:
            return known
        found = self._grep(words, None)
        if found is None:
            return None
        unchanged = {path for path in found if path not in changed}
        mention = _mention(words)
        for path, status in changed.items():
            if status != "A" and not self.request.settings.exclude.match(path) and mention.search(self._at_base(path)):
                unchanged.add(path)
        at_base = sorted(unchanged)
        if self.cache is not None:
            self.cache.put_paths(key, at_base)
        return at_base

    def _at_base(self, path: str) -> bytes:
        """A file's bytes at the base (empty when git has none), read once per run."""
        if path not in self.base_texts:
            self.base_texts[path] = self._git("show", f"{self.change.base}:{path}").stdout
        return self.base_texts[path]

    def _grep(self, words: Iterable[str], revision: str | None, paths: Iterable[str] = ("*.py",)) -> list[str] | None:
        """Python files at ``revision`` (``None``: the work tree; ``":"``: the index) that mention a
        word, among ``paths`` (pathspecs; every Python file by default)."""
        patterns = [argument for word in sorted(set(words)) for argument in ("-e", word)]
        if not patterns:
            return []
        where = [] if revision is None else ["--cached"] if revision == ":" else [revision]
        done = self._git("grep", "--no-color", "-l", "-z", "-w", "-F", *patterns, *where, "--", *paths)
        # Status 1: no file mentions any word.
        if done.returncode not in (0, 1):
            return None
        prefix = f"{revision}:" if revision not in (None, ":") else ""
        names = [entry.decode("utf-8", "surrogateescape").removeprefix(prefix) for entry in done.stdout.split(b"\0") if entry]
        return sorted(name for name in names if not self.request.settings.exclude.match(name))

    def _git(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        """``git ARGS`` in the repository; its status is the caller's to judge."""
        try:
            return subprocess.run(["git", "-C", str(self.request.root), *args], capture_output=True, check=False)
        except OSError as error:
            raise GitError(f"git cannot be run: {error}") from None


def _mention(words: list[str]) -> re.Pattern[bytes]:
    """A mention of one of ``words`` as ``git grep -w -F`` finds it: between characters that are not word characters."""
    return re.compile(rb"(?<![A-Za-z0-9_])(?:%s)(?![A-Za-z0-9_])" % b"|".join(re.escape(word.encode()) for word in words))


def run_key(request: Request, digest: str, contents: dict[str, str]) -> str:
    """What a full scan's findings depend on: the cache's digest (settings, reviewbot, LibCST), each
    file's name and content hash (or why it cannot be read: ``_content``), whether the repository's
    conventions apply, and its last commit (where ``conventions`` reads them)."""
    key = hashlib.sha256(f"{digest}\0{request.settings.conventions}\0{request.is_git}\0".encode())
    if request.is_git and request.settings.conventions:
        key.update(f"{commit_of(request.root, 'HEAD')}\0".encode())
    for path, content in sorted(contents.items()):
        key.update(f"{path}\0{content}\0".encode("utf-8", "surrogateescape"))
    return key.hexdigest()


# How long ago (nanoseconds) a file's last change must be for its stat signature to stand for its
# bytes: a change within the file system's timestamp resolution of the last one may keep them.
SETTLED_NS = 2_000_000_000


def _contents(root: Path, files: list[str], read: Callable[[str], bytes], cache: Cache) -> dict[str, str]:
    """Every file's content hash (``_content``). A file whose stat signature (modification and
    change times, size, inode, mode) is the one it had when the cache last hashed it is not read
    again, as git and Ruff judge files; the signature of a file changed in the last ``SETTLED_NS``
    is not kept, since a second change as quick could leave it the same. Nothing but a write
    can set the change time, so a write that restores the modification time is still seen."""
    known = cache.hashes()
    settled = time.time_ns() - SETTLED_NS
    contents: dict[str, str] = {}
    fresh: dict[str, tuple[str, str]] = {}
    for path in files:
        try:
            status = os.lstat(root / path)
        except OSError:
            signature = None
        else:
            signature = f"{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_size}:{status.st_ino}:{status.st_mode}"
            if path in known and known[path][0] == signature:
                contents[path] = known[path][1]
                continue
        content = contents[path] = _content(read, path)
        if signature is not None and not content.startswith("unreadable") and max(status.st_mtime_ns, status.st_ctime_ns) < settled:
            fresh[path] = (signature, content)
    if fresh:
        cache.put_hashes(fresh)
    return contents


def _content(read: Callable[[str], bytes], path: str) -> str:
    """A file's content hash, or why it cannot be read, as ``run_key`` takes it."""
    try:
        return content_digest(read(path))
    except OSError as error:
        return f"unreadable: {error}"


def in_shard(files: list[str], shard: tuple[int, int] | None) -> list[str]:
    """The files of shard K of N: a split by a hash of the path, stable across runs and machines."""
    if shard is None:
        return files
    index, count = shard
    return [path for path in files if shard_of(path, count) == index]


def shard_of(path: str, count: int) -> int:
    """The shard (1 to ``count``) a repo-relative path belongs to."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def phase1(
    request: Request,
    files: list[str],
    read: Callable[[str], bytes],
    side: str = "",
    cache: Cache | None | EllipsisType = ...,
    facts_only: bool = False,
    contents: dict[str, str] | None = None,
) -> dict[str, FileResult]:
    """Every file's findings and facts (read with ``read``), from the cache where it knows the file.

    ``side`` keeps the rows of another version of the files apart (``base``: the change's base
    revision), so that a warm rerun finds both sides of a changed file instead of each replacing
    the other's row. ``cache`` is the run's (written, not closed); ``...``: the request's, opened
    and closed here. ``facts_only``: the caller reads the facts alone, and the findings of files
    the cache knows are not rebuilt. ``contents`` holds each file's content hash, or why it could
    not be read: those already there are looked up in the cache first, the others are filled in.
    """
    own = cache is ...
    cache = _cache(request) if isinstance(cache, EllipsisType) else cache
    work = _Phase1(request.settings, cache, read, Progress(len(files), enabled=request.progress), side, facts_only, contents)
    # In worker processes, ``--jobs 1`` and the hook included: valid Python can still crash
    # LibCST's native parser (a stack overflow kills the process), and that must cost one file.
    try:
        if request.isolate:
            Pool(request.settings, request.jobs, request.file_timeout).scan(work.misses(files), work.scanned, len(files))
        else:
            for path, data in work.misses(files):
                work.scanned(path, *scan_in_place(path, data, request.settings, request.file_timeout))
    finally:
        work.progress.finish()
        if cache is not None:
            cache.close() if own else cache.flush()
    # For --verbose: what the cache saved, and how many processes parsed the rest.
    workers = min(request.jobs, len(work.contents))
    log.info("%d files: %d from the cache, %d parsed by %s", len(files), len(files) - len(work.contents), len(work.contents), f"{workers} worker process{'es' if workers != 1 else ''}")
    return work.results


class _Phase1:
    """The bookkeeping of one phase 1: results by path, cache lookups and writes, progress."""

    def __init__(
        self,
        settings: Settings,
        cache: Cache | None,
        read: Callable[[str], bytes],
        progress: Progress,
        side: str = "",
        facts_only: bool = False,
        contents: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.facts_only = facts_only
        self.cache = cache
        self.read = read
        self.progress = progress
        # The cache rows' prefix for another version of the files: NUL never occurs in a path.
        self.side = f"\0{side}\0" if side else ""
        self.results: dict[str, FileResult] = {}
        # Every file's content hash as read, or why it could not be read (``phase1``'s ``contents``).
        self.read_contents: dict[str, str] = contents if contents is not None else {}
        # Content hashes of the files sent to be scanned, for their cache entries.
        self.contents: dict[str, str] = {}

    def misses(self, files: list[str]) -> Iterator[tuple[str, bytes]]:
        """(path, bytes) of each file the cache does not know; the others are done at once.

        Files are read as workers become free, so a large repository is never in memory at once.
        """
        from reviewbot.engine import lost_file

        for path in files:
            # A file whose hash was taken already (for ``run_key``) is looked up without reading it again.
            hashed = self.read_contents.get(path, "unreadable")
            known = self.cache.get(self.side + path, hashed, self.facts_only) if self.cache is not None and not hashed.startswith("unreadable") else None
            if known is not None:
                self._done(path, known)
                continue
            try:
                data = self.read(path)
            except OSError as error:
                why = str(error) if isinstance(error, NotScanned) else f"cannot read file: {error.strerror}"
                self.read_contents[path] = f"unreadable: {error}"
                self._done(path, lost_file(self.settings, path, why, rule=UNREADABLE))
                continue
            content = self.read_contents[path] = content_digest(data)
            known = self.cache.get(self.side + path, content, self.facts_only) if self.cache is not None else None
            if known is not None:
                self._done(path, known)
                continue
            self.contents[path] = content
            yield path, data

    def scanned(self, path: str, result: FileResult, lost: bool) -> None:
        """A scanned file's result; cached unless the file was lost (scanned again next time)."""
        self._done(path, result)
        if self.cache is not None and lost:
            self.cache.incomplete = True
        elif self.cache is not None:
            self.cache.put(self.side + path, self.contents[path], result)

    def _done(self, path: str, result: FileResult) -> None:
        self.results[path] = result
        self.progress.advance(len(result.findings))


def _cache(request: Request) -> Cache | None:
    """The phase-1 cache the request may use, if any.

    A cache directory that the repository itself holds is refused: a commit could then bring its
    own "findings" for its own files and switch the gate off. So is one with a link on the way
    (``Cache.open`` says so): git answers for a link, never for what lies behind it.
    """
    from reviewbot.errors import ConfigError
    from reviewbot.escape import printable
    from reviewbot.files import steps_from
    from reviewbot.project import is_tracked

    if not request.cache:
        return None
    name = request.settings.cache_dir or DEFAULT_DIRECTORY
    # Judged by the name: a link in the work tree is the checkout's doing and costs the cache, not the run.
    steps = steps_from(request.root, name)
    if steps is None:
        raise ConfigError(f"cache-dir: {printable(name)!r} is outside the repository; name a path inside it")
    directory = request.root.joinpath(*steps)
    if request.is_git and directory.exists() and is_tracked(request.root, directory):
        log.warning("cache not used: %s is committed to the repository, and a commit must not bring its own results", directory)
        return None
    return Cache.open(directory, request.settings.digest, request.root)


def _judged(request: Request, files: list[str], everything: list[Finding]) -> Callable[[str, str], bool]:
    """Which baseline entries this run could have seen again (see ``baseline.prune``).

    A file that did not parse or decode hides its findings, and a rule that was off finds
    nothing: their entries stay. A full run also forgets files that no longer exist.
    """
    from reviewbot.checks import RULES

    scanned = set(files)
    broken = {finding.path for finding in everything if RULES[finding.rule].scope == "file"}
    full = not request.paths and not request.changed_lines

    def judged(path: str, rule: str) -> bool:
        if path in scanned:
            return path not in broken and rule in request.settings.rules_for(path)
        return full and not (request.root / path).exists()

    return judged


class Progress:
    """``reviewbot: 120/883 files, 3,412 findings`` on a terminal's standard error, for long scans."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.findings = 0
        self.started = time.monotonic()
        self.drawn = 0.0

    @staticmethod
    def wanted(quiet: bool) -> bool:
        """A person is watching: standard error is a terminal, not CI, and ``--quiet`` is off."""
        return not quiet and sys.stderr.isatty() and not os.environ.get("CI")

    def advance(self, findings: int) -> None:
        """One more file done, with its findings."""
        self.done += 1
        self.findings += findings
        now = time.monotonic()
        if self.enabled and now - self.started >= PROGRESS_AFTER and now - self.drawn >= PROGRESS_EVERY:
            self.drawn = now
            sys.stderr.write(f"\rreviewbot: {self.done}/{self.total} files, {self.findings:,} findings")
            sys.stderr.flush()

    def finish(self) -> None:
        """Erase the line, so the report starts on a clean one."""
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
