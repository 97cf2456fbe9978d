"""The repository's own conventions, which outrank the generic pack: what its Ruff configuration
decided, whether its code is typed, and how its packages import each other.

Read with git at the change's base (the code the team already merged), else at the last commit
(the work tree's tracked files before the first one): edits not yet committed change neither the
Ruff configuration nor what is measured, so a full scan's conventions are known by one commit:
    - a rule all of whose Ruff codes (``Rule.noqa``) the repository's Ruff configuration ignores
      reports nothing; one whose codes it selects is asked for; a style rule (``STYLE``) whose
      codes a chosen ``select`` list leaves out reports nothing either; Ruff's TID252 decides RB101;
    - RB301-RB303 (annotations), unless Ruff asks for them or the agent files do, report only in
      code that is mostly annotated already (``TYPED_SHARE`` of its functions have ``->``);
    - RB101 (relative imports) follows ``imports.style`` (``RelativeImport.why``).
An explicit ask outranks what is read and measured: the config (``imports.style``; and
``conventions: false`` applies the packs as they are written), then the repository's agent files
(``packs: [auto]``).
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
from pathlib import Path
from typing import Protocol

from reviewbot.change import Change
from reviewbot.checks import RULES
from reviewbot.checks.annotations import AnyAnnotation, MissingParameterAnnotation, MissingReturnAnnotation
from reviewbot.checks.comments import MissingDocstring
from reviewbot.checks.imports import RelativeImport
from reviewbot.checks.logging import PrintCall
from reviewbot.config import Settings
from reviewbot.files import MAX_SOURCE_BYTES, read_source
from reviewbot.gitcli import commit_of
from reviewbot.imports import RELATIVE_FROM
from reviewbot.model import Facts, Finding
from reviewbot.project import Ruff, ruff_config
from reviewbot.source import split_lines

log = logging.getLogger(__name__)

# The annotation rules, judged by how typed the code around them is.
ANNOTATIONS = frozenset({MissingParameterAnnotation.id, MissingReturnAnnotation.id, AnyAnnotation.id})
# Rules about style, which a Ruff rule selection that leaves their codes out has decided against
# (a selection without Ruff's security or error-handling codes says nothing about those).
STYLE = ANNOTATIONS | {MissingDocstring.id, PrintCall.id}
# A Ruff selector or code: its linter's letters, then digits (``ANN``, ``ANN2``, ``TRY400``).
CODE_PARTS = re.compile(r"([A-Z]+)([0-9]*)")
# Code counts as untyped when it has at least this many functions and fewer than this share of
# them declare a return type; a young repository has no convention yet, and the pack applies.
TYPED_MIN, TYPED_SHARE = 20, 0.5
# A root package's relative imports count as its house style when they are at least this many and
# this share of its imports of itself.
HOUSE_STYLE_MIN, HOUSE_STYLE_SHARE = 10, 0.8


class Sides:
    """The two sides of the files a run looks at, each read once: the lines the findings are on
    (the change's new side, else the work tree) and the text at the change's base (else the last
    commit; before the first one, the tracked files in the work tree)."""

    def __init__(self, root: Path, change: Change | None, memo: Memo | None = None) -> None:
        self.root = root
        self.change = change
        self.memo = memo
        last = change.base if change is not None else commit_of(root, "HEAD")
        self.revision = [last] if last is not None else []
        self._new: dict[str, list[str]] = {}
        self._base: dict[str, str] = {}
        self._searched: list[str] | None = None

    def searched(self) -> list[str]:
        """Where a grep reads ``revision``: in the work tree, when a full scan finds the last
        commit's Python files there as they are (a clean checkout: a grep in a commit inflates
        every file it reads, ten times slower), else in the commit itself.

        Git vouches for every file: ``diff --quiet`` finds no change, and ``ls-files -v`` tags
        each one ``H``, neither left out of a sparse checkout nor marked assume-unchanged (git
        would not look at those). A clean filter (git-crypt, say) can make the work tree's bytes
        differ from the commit's; they are the code as the team reads it, which is what is measured."""
        if self._searched is None:
            self._searched = self.revision
            if self.change is None and self.revision:
                git = ["git", "-C", str(self.root)]
                try:
                    asked = [
                        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
                        for command in (
                            [*git, "diff", "--quiet", "--no-ext-diff", "--ignore-submodules=all", *self.revision, "--", "*.py"],
                            [*git, "ls-files", "-v", "-z", "--", "*.py"],
                        )
                    ]
                    (_, _), (listing, _) = (process.communicate() for process in asked)
                except OSError:
                    return self._searched
                tags = {entry[:2] for entry in listing.split(b"\0") if entry}
                if asked[0].returncode == 0 and asked[1].returncode == 0 and tags <= {b"H "}:
                    self._searched = []
        return self._searched

    def line(self, finding: Finding) -> str:
        """The text of a finding's first line, counted as the engine counts lines."""
        if finding.path not in self._new:
            change = self.change
            try:
                data = change.read(finding.path) if change is not None and finding.path in change.files else read_source(self.root / finding.path, MAX_SOURCE_BYTES)
            except OSError:
                data = b""
            self._new[finding.path] = split_lines(data.decode("utf-8", "replace"))
        lines = self._new[finding.path]
        return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""

    def base(self, path: str) -> str:
        """A changed file's text at the base, followed through a rename; empty when there is none."""
        if path not in self._base:
            where = self.change.files[path].base_path if self.change is not None and path in self.change.files else path
            self._base[path] = git_text(self.root, self.revision, where) or ""
        return self._base[path]


def apply(root: Path, settings: Settings, findings: list[Finding], facts: dict[str, Facts], change: Change | None, memo: Memo | None = None) -> list[Finding]:
    """The findings the repository's own conventions keep; what git says of a commit is kept in ``memo``."""
    if not findings or not settings.conventions:
        return findings
    sides = Sides(root, change, memo)
    revision = sides.revision
    pyproject, dot_ruff, ruff_toml = git_texts(root, revision, ("pyproject.toml", ".ruff.toml", "ruff.toml"))
    ruff = ruff_config(pyproject, dot_ruff or ruff_toml)
    asked = {rule for rule in RULES if rule in settings.sources}
    decided = {rule: on for rule in {finding.rule for finding in findings} - asked if (on := _ruff_decides(ruff, rule)) is not None}
    # Ruff's TID252 bans only imports from parent packages unless told `all`: the team's rule
    # then allows `from . import x`, and RB101 reports `from ..x` only.
    parents_only = decided.get(RelativeImport.id) is False and not _ignores(ruff, RelativeImport.id)
    # Either way the team's Ruff has a rule about relative imports: no measured style outranks it.
    ruff_rules_imports = parents_only or decided.get(RelativeImport.id) is True
    if decided:
        told = [f"{rule} {'on' if on else 'off'}" for rule, on in sorted(decided.items()) if not (parents_only and rule == RelativeImport.id)]
        told += ["RB101 for `from ..x` only (TID252 bans imports from parent packages)"] if parents_only else []
        log.info("the repository's Ruff configuration decides: %s", ", ".join(told))
    if parents_only:
        decided.pop(RelativeImport.id)
        findings = [finding for finding in findings if not (finding.rule == RelativeImport.id and _sibling_import(sides.line(finding)))]
    findings = [finding for finding in findings if decided.get(finding.rule, True)]
    # Annotations: where neither Ruff nor the agent files decided, as typed as the code already is.
    measured = ANNOTATIONS - decided.keys() - asked
    if any(finding.rule in measured for finding in findings) and not _typed(sides):
        log.info("RB301-RB303: most functions of this repository declare no return type; annotation findings are left out")
        findings = [finding for finding in findings if finding.rule not in measured]
    return _relative_imports(sides, settings, findings, facts, asked_by_ruff=ruff_rules_imports)


def _ruff_decides(ruff: Ruff, rule: str) -> bool | None:
    """``False`` when the repository's Ruff configuration ignores every code of ``rule``, or leaves
    a style rule out of a chosen list; ``True`` when it selects one of them; else ``None``. For
    RB101, selecting TID252 decides ``True`` only with ``ban-relative-imports = "all"``."""
    codes = RULES[rule].noqa
    if not codes:
        return None
    if _ignores(ruff, rule):
        return False
    if any(_covers(selector, code) for selector in ruff.selected for code in codes):
        return rule != RelativeImport.id or ruff.ban_relative_imports == "all"
    if ruff.chosen and "ALL" not in ruff.selected and rule in STYLE:
        return False
    return None


def _ignores(ruff: Ruff, rule: str) -> bool:
    """Whether the configuration ignores every code of ``rule`` (``ANN`` or each ``ANN20x``; one of
    several, such as ``ANN204`` for ``__init__``, leaves the rest)."""
    codes = RULES[rule].noqa
    return bool(codes) and all(any(selector == "ALL" or _within(code, selector) for selector in ruff.ignored) for code in codes)


def _within(code: str, selector: str) -> bool:
    """Whether ``code`` is one of the codes a Ruff ``selector`` names (``D`` names ``D103``)."""
    found, named = CODE_PARTS.fullmatch(code), CODE_PARTS.fullmatch(selector)
    return found is not None and named is not None and found[1] == named[1] and found[2].startswith(named[2])


def _covers(configured: str, code: str) -> bool:
    """Whether a configured Ruff selector (``ANN``, ``ANN2``, ``ANN201``, ``ALL``) and a rule's code
    meet: the same linter (``A`` is flake8-builtins, not ``ANN``), and one number a prefix of the
    other."""
    return configured == "ALL" or _within(code, configured) or _within(configured, code)


def _typed(sides: Sides) -> bool:
    """Whether the repository's Python code declares return types (or is too young to say)."""
    functions, annotated = _grep_counts(sides, (r"^\s*(async\s+)?def\s", r"\)\s*->[^:]*:\s*(#.*)?$"), "*.py")
    return functions < TYPED_MIN or annotated >= TYPED_SHARE * functions


def _relative_imports(sides: Sides, settings: Settings, findings: list[Finding], facts: dict[str, Facts], *, asked_by_ruff: bool = False) -> list[Finding]:
    """RB101 in the repository's own terms (see ``RelativeImport.why``).

    A file's own way first: in a file that imported relatively before the change (and not its own
    package absolutely), the change's relative imports follow it. Then the package's: where a
    package (a root, else the top directory a file is in) imports itself relatively (at the
    change's base, else in the work tree) and nothing explicit asks for absolute imports, only a
    file that mixes both styles is reported, in changed-lines mode only one the change adds.
    """
    rule = RelativeImport.id
    if not any(finding.rule == rule for finding in findings):
        return findings
    style = settings.options["imports.style"]
    if style == "relative":
        return [finding for finding in findings if finding.rule != rule]
    change = sides.change

    def package_of(path: str) -> tuple[str, str] | None:
        module = settings.project.module_name(path)
        if module is not None:
            name = module.partition(".")[0]
            return name, settings.project.roots[name]
        top = path.partition("/")[0]
        return (top, top) if "/" in path and top.isidentifier() else None

    # A statement the change only extends (a name added to `from .models import a`): the file
    # imported that module relatively before.
    if change is not None:
        findings = [f for f in findings if not (f.rule == rule and _changed(change, f.path) and _extended(sides.line(f), sides.base(f.path)))]
    # Explicit asks outrank what is measured: the config, the repository's own agent files, its Ruff.
    if style == "absolute" or rule in settings.sources or asked_by_ruff:
        return findings
    # Files the change modifies whose base version already imported relatively, and only so.
    relative_files = set()
    if change is not None:
        for path in {f.path for f in findings if f.rule == rule and _changed(change, f.path)}:
            base = sides.base(path)
            package = package_of(path)
            if RELATIVE_FROM.search(base) and not (package is not None and re.search(absolute_import(package[0]), base, re.MULTILINE)):
                relative_files.add(path)
    findings = [finding for finding in findings if not (finding.rule == rule and finding.path in relative_files)]
    measured: dict[tuple[str, str], bool] = {}

    def kept(finding: Finding) -> bool:
        package = package_of(finding.path) if finding.rule == rule else None
        if package is None:
            return True
        if package not in measured:
            measured[package] = _imports_itself_relatively(sides, *package)
            if measured[package]:
                log.info("RB101: relative imports are the house style of %s; reported only in files that mix both styles", package[1])
        if not measured[package]:
            return True
        # A file that imports its own package both ways: the house style says which one to keep.
        own = {line for f in findings if f.path == finding.path and f.rule == rule for line in range(f.line, f.end_line + 1)}
        name = package[0]
        absolute = any((module == name or module.startswith(name + ".")) and line not in own for module, line in facts[finding.path].imports)
        return absolute and (change is None or _added(change, finding.path))

    return [finding for finding in findings if kept(finding)]


def _sibling_import(line: str) -> bool:
    """Whether a line's relative import is ``from .x`` (one dot: a module of its own package)."""
    modules = RELATIVE_FROM.findall(line)
    return bool(modules) and not modules[0].startswith("..")


def _extended(line: str, base: str) -> bool:
    """Whether a line's relative import names a module its file imported relatively at the base
    (``from .models import``; ``from . import x`` names no module, so it is always new)."""
    modules = {module for module in RELATIVE_FROM.findall(line) if module.strip(".")}
    return bool(modules & set(RELATIVE_FROM.findall(base)))


def _changed(change: Change, path: str) -> bool:
    """Whether ``path`` is a file the change modifies (not one it adds; a full scan's other files are neither)."""
    return path in change.files and not change.files[path].new


def _added(change: Change, path: str) -> bool:
    """Whether the change adds ``path``."""
    return path in change.files and change.files[path].new


def _imports_itself_relatively(sides: Sides, name: str, directory: str) -> bool:
    """Whether the package ``name`` at ``directory`` imports its own modules relatively (at the
    revision ``sides`` reads)."""
    relative, absolute = _grep_counts(sides, (r"^\s*from\s+\.", absolute_import(name)), f"{directory}/*.py")
    return relative >= HOUSE_STYLE_MIN and relative >= HOUSE_STYLE_SHARE * (relative + absolute)


def absolute_import(package: str) -> str:
    """A line importing ``package`` or one of its modules absolutely (for ``re`` with MULTILINE and ``git grep -E``)."""
    return rf"^\s*(from|import)\s+{re.escape(package)}(\.|\s|$)"


def _grep_counts(sides: Sides, patterns: tuple[str, ...], pathspec: str) -> tuple[int, ...]:
    """How many lines of the files ``pathspec`` names, at the revision ``sides`` reads, match each
    extended regular expression of ``patterns``: one ``git grep -c`` each, run side by side (a
    single grep of several patterns loses git's fast search and takes longer than all of them).

    The answer about a commit never changes: it is kept in ``sides.memo`` (on django each grep
    takes a fifth of a second, more than the hook's whole answer may)."""
    key = json.dumps([*sides.revision, pathspec, *patterns]) if sides.revision else None
    known = sides.memo.counts(key) if sides.memo is not None and key is not None else None
    if known is not None and len(known) == len(patterns):
        return known
    # Perl-compatible patterns take half the time of POSIX ones and count the same lines with these
    # patterns; a git built without PCRE refuses them (status 128), and POSIX ones are used.
    found = _run_greps(sides, ["-P"] if _PCRE else ["-E"], patterns, pathspec)
    if found is None and _PCRE:
        _PCRE.clear()
        found = _run_greps(sides, ["-E"], patterns, pathspec)
    if found is None:
        return (0,) * len(patterns)
    if sides.memo is not None and key is not None:
        sides.memo.put_counts(key, found)
    return found


# Whether this git takes ``-P`` (emptied the first time it refuses).
_PCRE = [True]


def _run_greps(sides: Sides, syntax: list[str], patterns: tuple[str, ...], pathspec: str) -> tuple[int, ...] | None:
    """``git grep -c`` of each pattern side by side; ``None`` when one fails (status 0 and 1 are answers)."""
    try:
        running = [
            subprocess.Popen(
                ["git", "-C", str(sides.root), "grep", "--no-color", "-c", *syntax, pattern, *sides.searched(), "--", pathspec],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            )
            for pattern in patterns
        ]
    except OSError:
        return None
    counts = tuple(sum(int(line.rpartition(b":")[2] or 0) for line in process.communicate()[0].splitlines()) for process in running)
    return counts if all(process.returncode in (0, 1) for process in running) else None


class Memo(Protocol):
    """Where what git says of a commit is kept between runs (``reviewbot.cache.Cache``)."""

    def counts(self, key: str) -> tuple[int, ...] | None:
        """The counts stored under ``key``, if any."""

    def put_counts(self, key: str, counts: tuple[int, ...]) -> None:
        """Keep ``counts`` under ``key``."""


def git_texts(root: Path, revision: list[str], paths: tuple[str, ...]) -> list[str | None]:
    """Files' texts at ``revision`` (none: the last commit's), ``None`` for each git has not; one
    ``git cat-file --batch`` for them all."""
    spec = revision[0] if revision else "HEAD"
    names = "".join(f"{spec}:{path}\n" for path in paths).encode("utf-8", "surrogateescape")
    try:
        done = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input=names, capture_output=True, check=False)
    except OSError:
        return [None] * len(paths)
    # Each answer is "<object> <type> <size>\n<content>\n", or "<name> missing\n" (or "ambiguous").
    texts: list[str | None] = []
    output, at = done.stdout, 0
    for _ in paths:
        end = output.find(b"\n", at)
        header = output[at:end].split() if end >= 0 else []
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            # A directory of that name is no file.
            texts.append(output[end + 1 : end + 1 + size].decode("utf-8", "replace") if header[1] == b"blob" else None)
            at = end + 1 + size + 1
        else:
            texts.append(None)
            at = end + 1 if end >= 0 else len(output)
    return texts


def git_text(root: Path, revision: list[str], path: str) -> str | None:
    """A file's text at ``revision`` (none: the last commit's); ``None`` when git has none."""
    spec = f"{revision[0]}:{path}" if revision else f"HEAD:{path}"
    try:
        done = subprocess.run(["git", "-C", str(root), "show", spec], capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None
