"""Agent instruction files read as lists of rules: which of them reviewbot enforces, and which not.

Coding agents are told their rules in Markdown: Claude Code subagents (``.claude/agents/*.md``,
YAML front matter and Markdown), ``CLAUDE.md`` (which may import other files with ``@path``),
``AGENTS.md`` (at any depth), ``.github/copilot-instructions.md`` and
``.github/instructions/*.instructions.md``, and Cursor rules (``.cursor/rules/*.mdc``). Each bullet
is one rule, with its line; the heading above it says its kind: a prohibition ("Prohibited",
"Don't", "Never", "Avoid"), a rule ("Rules", "Principles", "Conventions", "Guidelines") or a
responsibility (anything else). The packs' bullets recognise the same sentence in other words
(their ``match`` patterns) and name the rules that enforce it; their ``unchecked`` entries say why
some sentences cannot be checked by reading code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reviewbot.errors import ConfigError
from reviewbot.files import SKIPPED_DIRECTORIES, read_text_file
from reviewbot.model import Source
from reviewbot.packs import Pack

# Agent files found by ``discover``: names at any depth, and patterns from the repository root.
NAMES = ("CLAUDE.md", "AGENTS.md")
PATTERNS = (".claude/agents/*.md", ".github/copilot-instructions.md", ".github/instructions/*.instructions.md", ".cursor/rules/*.mdc")
# The largest agent file read.
MAX_AGENT_BYTES = 1 << 20
# How deep ``@path`` imports are followed (Claude Code stops at five).
MAX_IMPORT_DEPTH = 5
# A Markdown heading, a bold line used as one (``**API Development**``), and a list item.
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
BOLD_HEADING = re.compile(r"^\s*\*\*([^*]+)\*\*:?\s*$")
ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.+?)\s*$")
# The opening or closing line of a fenced code block.
FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
# ``@docs/style.md`` in a CLAUDE.md: another file whose text counts as if written there.
IMPORT = re.compile(r"(?:^|\s)@((?:\.{0,2}/)?[\w.-]+(?:/[\w.-]+)*\.md)\b")
# Words of a heading that make its bullets prohibitions, or rules.
PROHIBITION = re.compile(r"prohibit|forbid|don'?t|do not|never|avoid|must not", re.IGNORECASE)
RULE = re.compile(r"rules?\b|principles?|conventions?|guidelines?|standards?|requirements?", re.IGNORECASE)


@dataclass(frozen=True)
class AgentBullet:
    """One bullet of an agent file: where it is, what it says, and what kind of sentence it is."""

    path: str
    line: int
    text: str
    kind: str  # "prohibition", "rule" or "responsibility"
    section: str


@dataclass(frozen=True)
class Coverage:
    """A bullet and what enforces it: rule ids, or the reason none can."""

    bullet: AgentBullet
    rules: tuple[str, ...]
    reason: str | None


def discover(root: Path) -> list[str]:
    """Repository-relative paths of the agent files under ``root``, sorted."""
    # A link (``AGENTS.md -> CLAUDE.md``) is another name of a file read under its own name, or of
    # one outside the repository: never read.
    found = {path for pattern in PATTERNS for path in root.glob(pattern) if path.is_file() and not path.is_symlink()}
    for name in NAMES:
        for path in root.rglob(name):
            # Not in hidden, vendored or environment directories (as a scan without git skips them).
            parts = path.relative_to(root).parts[:-1]
            if path.is_file() and not path.is_symlink() and not any(part.startswith(".") or part in SKIPPED_DIRECTORIES for part in parts):
                found.add(path)
    return sorted(path.relative_to(root).as_posix() for path in found)


def read_bullets(root: Path, name: str, chain: tuple[str, ...] = ()) -> list[AgentBullet]:
    """The bullets of one agent file (``name`` relative to ``root``), and of the files it imports.

    ``chain`` holds the files importing this one: a file imported again on its own chain (a cycle)
    or deeper than ``MAX_IMPORT_DEPTH`` is not read again.
    """
    path = root / name
    text = read_text_file(path, MAX_AGENT_BYTES, name, "agent file")
    lines = text.splitlines()
    start = _after_front_matter(lines)
    bullets: list[AgentBullet] = []
    # The headings above the current line, outermost first, by level (bold lines rank below ######).
    headings: dict[int, str] = {}
    fenced = False
    for number in range(start, len(lines)):
        line = lines[number]
        # Inside a fenced code block, ``# comment`` is no heading and ``- x`` no rule.
        if FENCE.match(line):
            fenced = not fenced
        if fenced or FENCE.match(line):
            continue
        heading, bold = HEADING.match(line), BOLD_HEADING.match(line)
        if heading or bold:
            level = len(heading[1]) if heading else 7
            headings = {key: value for key, value in headings.items() if key < level}
            headings[level] = (heading[2] if heading else bold[1]).strip()  # type: ignore[index]
            continue
        item = ITEM.match(line)
        # ``- @docs/style.md``: an import, no rule of its own.
        if item and not IMPORT.fullmatch(" " + item[1].strip()):
            # The section is every heading above, outermost first: "Rules / Core Principles".
            section = " / ".join(headings[key] for key in sorted(headings))
            bullets.append(AgentBullet(name, number + 1, _plain(item[1]), _kind(section), section))
        if len(chain) >= MAX_IMPORT_DEPTH:
            continue
        # ``@docs/style.md``: that file's bullets count here, as Claude Code inlines it.
        for imported in IMPORT.findall(line):
            target = (path.parent / imported).resolve()
            if target.is_file() and target.is_relative_to(root.resolve()):
                relative = target.relative_to(root.resolve()).as_posix()
                if relative != name and relative not in chain:
                    bullets += read_bullets(root, relative, (*chain, name))
    return bullets


def _after_front_matter(lines: list[str]) -> int:
    """The index of the first line after a ``---`` front matter block (0 without one).

    Front matter is only skipped, never parsed: real files hold "almost YAML" (unquoted colons,
    ``tools`` as a string or a list), and none of it is a rule.
    """
    if not lines or lines[0].strip() != "---":
        return 0
    for number in range(1, len(lines)):
        if lines[number].strip() in ("---", "..."):
            return number + 1
    return 0


def _plain(text: str) -> str:
    """A bullet's text without Markdown emphasis or code marks (``snake_case`` keeps its underscore)."""
    return re.sub(r"\*+|`+|(?<!\w)_+|_+(?!\w)", "", text).strip()


def _kind(section: str) -> str:
    """What the headings above a bullet make of it."""
    if PROHIBITION.search(section):
        return "prohibition"
    return "rule" if RULE.search(section) else "responsibility"


def coverage(bullets: list[AgentBullet], packs: list[Pack]) -> list[Coverage]:
    """For each bullet, the rules of the packs that enforce it, or the reason no rule can."""
    result = []
    for bullet in bullets:
        folded = bullet.text.casefold()
        rules: set[str] = set()
        for pack in packs:
            for known in pack.bullets:
                if folded == known.quote.casefold() or any(re.search(pattern, bullet.text, re.IGNORECASE) for pattern in known.match):
                    rules.update(known.rules)
        reason = None
        if not rules:
            reason = next(
                (why for pack in packs for patterns, why in pack.unchecked if any(re.search(p, bullet.text, re.IGNORECASE) for p in patterns)),
                "no rule of the packs checks this sentence",
            )
        result.append(Coverage(bullet, tuple(sorted(rules)), reason))
    return result


def front_matter(root: Path, name: str) -> dict[str, str]:
    """The ``key: value`` lines of a file's front matter, read line by line ("almost YAML")."""
    lines = read_text_file(root / name, MAX_AGENT_BYTES, name, "agent file").splitlines()
    end = _after_front_matter(lines)
    fields = {}
    for line in lines[1 : end - 1] if end else []:
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key.startswith((" ", "\t", "-")):
            fields[key.strip()] = value.strip()
    return fields


def patterns(value: str) -> tuple[str, ...]:
    """Globs written as ``"**/*.py, src/**"`` or ``["**/*.py", "src/**"]``."""
    return tuple(part.strip().strip("'\"") for part in value.strip().strip("[]").split(",") if part.strip().strip("'\""))


def scope_of(root: Path, name: str) -> tuple[tuple[str, ...] | None, int] | None:
    """Which files an agent file's rules apply to, and how specific that is; ``None`` when the
    agent applies it to no file by itself (a Cursor rule that is neither ``alwaysApply`` nor has
    ``globs``, a Copilot instructions file without ``applyTo``: both are only used on request).

    ``CLAUDE.md`` and ``AGENTS.md`` cover their directory; subagents and the repository-wide
    Copilot file cover everything.
    """
    directory = name.rpartition("/")[0]
    if name.endswith(".mdc") or name.endswith(".instructions.md"):
        fields = front_matter(root, name)
        if fields.get("alwaysApply", "").lower() == "true":
            return None, 0
        globs = patterns(fields.get("globs", "") or fields.get("applyTo", ""))
        if not globs:
            return None
        from reviewbot.globs import Globs

        try:
            Globs(globs)  # ``applyTo: "**"`` is every file, as written
        except ConfigError as error:
            raise ConfigError(f"{name}: {error}") from None
        return globs, 1
    if name.rpartition("/")[2] in NAMES and directory:
        return (f"{directory}/**",), directory.count("/") + 1
    return None, 0


def auto_sources(root: Path, packs: list[Pack]) -> dict[str, list[Source]]:
    """For ``packs: [auto]``: each rule the repository's agent files ask for, with the bullets
    (file, line, text, scope) that ask for it."""
    found: dict[str, list[Source]] = {}
    for name in discover(root):
        scope = scope_of(root, name)
        if scope is None:
            continue
        for covered in coverage(read_bullets(root, name), packs):
            for rule in covered.rules:
                bullet = covered.bullet
                found.setdefault(rule, []).append(Source(bullet.path, bullet.line, bullet.text, scope[0], scope[1]))
    return found


def waived(text: str, waive: tuple[tuple[str, str], ...]) -> str | None:
    """The reason ``agents.waive`` gives for a bullet: an entry equal to its text (any case) or a
    regular expression found in it."""
    folded = text.casefold()
    return next((reason for pattern, reason in waive if pattern.casefold() == folded or re.search(pattern, text, re.IGNORECASE)), None)
