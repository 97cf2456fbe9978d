"""``reviewbot init``: adopt reviewbot in a repository in one command.

Writes ``.reviewbot.yml``, a pull-request workflow, the pre-commit hook (when pre-commit is in use)
and the coding agents' hooks (Claude Code's by default; ``--agent`` names others), where and as each
agent's adapter declares them (``reviewbot.hooks.adapters``). Existing files are merged into, never
replaced: a second run changes nothing. ``--dry-run`` prints the changes as a diff instead.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from reviewbot import __version__
from reviewbot.checks import OPTIONS, RULES
from reviewbot.errors import ConfigError, FileError
from reviewbot.hooks.adapters import ADAPTERS, DEFAULT as DEFAULT_AGENT
from reviewbot.packs import DEFAULT_PACK

# The parts ``--only`` can choose (``claude`` is the former name of ``hooks``).
PARTS = ("config", "workflow", "pre-commit", "hooks")
# What the written workflow and pre-commit entry install: this repository, at this version.
ACTION = f"reviewbot/reviewbot@v{__version__}"
# The repository pre-commit clones the hook from.
HOOK_REPOSITORY = "https://github.com/reviewbot/reviewbot"
# The longest default an option may have to be listed in the written config (longer ones are
# pointed to with ``reviewbot explain``).
MAX_LISTED_DEFAULT = 60

# The pull-request workflow `init` writes (docs/agents.md shows the same text).
WORKFLOW = f"""\
# Review pull requests against the coding agents' rules (reviewbot).
name: reviewbot
on: pull_request
permissions:
  contents: read
  pull-requests: write
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{{{ github.event.pull_request.head.sha }}}}
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - uses: {ACTION}
        with:
          fail-on: error
"""

# The entry `init` appends to an existing .pre-commit-config.yaml.
PRE_COMMIT_ENTRY = f"""\
  - repo: {HOOK_REPOSITORY}
    rev: v{__version__}
    hooks:
      - id: reviewbot
"""


@dataclass(frozen=True)
class FileWrite:
    """One file ``init`` writes: its path (repo-relative), old text (``None``: new) and new text."""

    path: str
    old: str | None
    new: str

    def diff(self) -> str:
        """The change as a unified diff."""
        before = (self.old or "").splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, self.new.splitlines(keepends=True), f"a/{self.path}", f"b/{self.path}"))


def plan(root: Path, parts: tuple[str, ...], roots: list[str], agents: tuple[str, ...] = (DEFAULT_AGENT,)) -> list[FileWrite]:
    """The files to write for ``parts`` (the hooks of ``agents``); unchanged files are left out."""
    writers = {"config": _config, "workflow": _workflow, "pre-commit": _pre_commit}
    changes = []
    for part in parts:
        found = [_hooks(root, agent) for agent in agents] if part == "hooks" else [writers[part](root, roots)]
        changes += [change for change in found if change is not None and change.new != change.old]
    return changes


def _read(path: Path) -> str | None:
    """A file's text without a byte-order mark, ``None`` when it does not exist."""
    return path.read_text(encoding="utf-8-sig") if path.is_file() else None


def _config(root: Path, roots: list[str]) -> FileWrite | None:
    """A commented ``.reviewbot.yml``; an existing one is the team's and is kept.

    With agent files, ``packs: [auto]``: the rules the repository's own files ask for (every file
    found is listed, nested ones too); without, the built-in pack. The rule options follow as
    comments holding their real defaults: uncommenting one changes nothing until it is edited.
    """
    if (root / ".reviewbot.yml").exists():
        return None
    from reviewbot.agents import discover
    from reviewbot.config import build_settings

    agents = discover(root)
    found = "\n".join(f"#   {name}" for name in agents) if agents else "#   (none yet)"
    packs = "[auto]" if agents else f"[{DEFAULT_PACK}]"
    why = (
        "# packs: [auto] enables the rules these files ask for (`reviewbot agents` shows each statement and what enforces it).\n"
        if agents
        else f"# No agent file yet: the built-in {DEFAULT_PACK} pack. Once there is one, `packs: [auto]` follows it.\n"
    )
    text = (
        "# reviewbot: enforces the coding agents' rules (`reviewbot rules` lists them all).\n"
        f"# Agent instruction files found:\n{found}\n{why}"
        f"packs: {packs}\n"
        "imports:\n"
        f"  roots: [{', '.join(roots)}]\n"
        f"  # style: {json.dumps(OPTIONS['imports.style'].default)}   # measured | absolute | relative\n"
        "# The defaults, to change:\n"
        "# fail-on: error            # error | warning | info | never\n"
        "# exclude: []               # globs never scanned\n"
        "# per-file-ignores: {}      # glob -> rule ids\n"
        + _option_defaults(build_settings({"packs": [DEFAULT_PACK]}).options)
    )
    return FileWrite(".reviewbot.yml", None, text)


def _option_defaults(values: dict[str, object]) -> str:
    """The rule options and their defaults as commented YAML, by family: uncommenting a line keeps
    its value. An option whose default is long stays a comment naming the command that shows it."""
    families: dict[str, list[str]] = {}
    for key, option in OPTIONS.items():
        family, _, name = key.partition(".")
        value = json.dumps(values[key], ensure_ascii=False)
        if len(value) > MAX_LISTED_DEFAULT:
            owner = next(rule.id for rule in RULES.values() if option in rule.options)
            value = f"# {name}: long; `reviewbot explain {owner}` shows it"
        else:
            value = f"{name}: {value}"
        families.setdefault(family, []).append(value)
    lines = []
    for family, entries in families.items():
        if family == "imports":
            continue
        if all(entry.startswith("#") for entry in entries):
            lines += [f"# # {family}.{entry[2:]}" for entry in entries]
        else:
            lines += [f"# {family}:", *(f"#   {entry}" for entry in entries)]
    return "\n".join(lines) + "\n"


def ignored_by_git(root: Path, paths: list[str]) -> list[str]:
    """Which of ``paths`` the repository's ``.gitignore`` files ignore (a config nobody can commit)."""
    if not paths:
        return []
    try:
        result = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", "--", *paths], capture_output=True, text=True, check=False)
    except OSError:
        # No git here: nothing can be ignored by it.
        return []
    return result.stdout.splitlines() if result.returncode == 0 else []


def _workflow(root: Path, roots: list[str]) -> FileWrite | None:
    """The pull-request workflow; an existing one is kept."""
    path = ".github/workflows/reviewbot.yml"
    return None if (root / path).exists() else FileWrite(path, None, WORKFLOW)


def _pre_commit(root: Path, roots: list[str]) -> FileWrite | None:
    """The reviewbot hook added to an existing ``.pre-commit-config.yaml``.

    The result is parsed again before it is accepted: an entry that would not land in ``repos``
    is an error asking for a manual edit, never a broken file.
    """
    name = ".pre-commit-config.yaml"
    old = _read(root / name)
    if old is None:
        return None
    try:
        config = yaml.safe_load(old) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{name}: invalid YAML: {error}") from None
    repos = config.get("repos") if isinstance(config, dict) else None
    if any(isinstance(h, dict) and h.get("id") == "reviewbot" for r in repos or [] if isinstance(r, dict) for h in r.get("hooks") or []):
        return FileWrite(name, old, old)
    manual = ConfigError(f"{name}: cannot add the reviewbot hook safely; add it by hand (see docs/agents.md)")
    # Appending text keeps the file's comments; it works when `repos:` is the last top-level key and
    # its list is written in block style.
    if repos is None and re.search(r"^repos\s*:", old, re.M):
        raise manual
    if repos is None:
        new = old.rstrip("\n") + ("\n" if old.strip() else "") + "repos:\n" + PRE_COMMIT_ENTRY
    elif isinstance(repos, list) and repos and not re.search(r"^repos:.*\n(?:.*\n)*?^[A-Za-z_][\w-]*\s*:", old + "\n", re.M):
        # Indent the entry like the file's own list items.
        item = re.search(r"^repos:.*\n(?:\s*(?:#.*)?\n)*?( *)- ", old + "\n", re.M)
        indent = item[1] if item else "  "
        entry = "".join(indent + line[2:] + "\n" for line in PRE_COMMIT_ENTRY.splitlines())
        new = old.rstrip("\n") + "\n" + entry
    else:
        new = ""
    try:
        parsed = yaml.safe_load(new) if new else None
    except yaml.YAMLError:
        raise manual from None
    if not isinstance(parsed, dict) or not any(
        isinstance(h, dict) and h.get("id") == "reviewbot" for r in parsed.get("repos") or [] if isinstance(r, dict) for h in r.get("hooks") or []
    ):
        raise manual
    return FileWrite(name, old, new)


def _hooks(root: Path, agent: str) -> FileWrite:
    """reviewbot's hooks merged into ``agent``'s hook settings, as its adapter declares them
    (``Adapter.install`` and ``Adapter.hook_entry``).

    Other settings and other hooks stay as they are; a hook already running reviewbot's command
    for that agent is not added again. The file is rewritten as indented JSON.
    """
    adapter = ADAPTERS[agent]
    install, command = adapter.install, adapter.hook_command()
    name = install.path
    old = _read(root / name)
    try:
        settings = json.loads(old) if old and old.strip() else {}
    except json.JSONDecodeError as error:
        raise ConfigError(f"{name}: invalid JSON: {error}") from None
    if not isinstance(settings, dict):
        raise ConfigError(f"{name}: expected a JSON object")
    if install.version is not None:
        settings.setdefault("version", install.version)
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"{name}: `hooks` is not a JSON object; fix it by hand first")
    for event, matcher in install.events.items():
        entries = hooks.setdefault(event, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ConfigError(f"{name}: hooks.{event} is not a list of hooks; fix it by hand first")
        # Any reviewbot hook for this agent counts, whatever flags it was given, in each form the
        # agents' settings take: ``command`` or ``bash`` in the entry, or ``command`` in its ``hooks``.
        commands = [str(e.get("command") or e.get("bash") or "") for e in entries]
        commands += [str(h.get("command", "")) for e in entries if isinstance(e.get("hooks"), list) for h in e["hooks"] if isinstance(h, dict)]
        if any(text.startswith(command) for text in commands):
            continue
        entry = adapter.hook_entry(event)
        entries.append({"matcher": matcher, **entry} if matcher is not None else entry)
    return FileWrite(name, old, json.dumps(settings, indent=2) + "\n")


def apply(root: Path, changes: list[FileWrite]) -> None:
    """Write the changes, never through a link: a committed ``.claude`` pointing at the user's own
    settings must not get reviewbot's hooks written there (``FileError`` naming the link)."""
    from reviewbot.files import open_directory

    for change in changes:
        *directories, name = change.path.split("/")
        try:
            with open_directory(root, directories, create=True) as directory:
                directory.write(name, change.new)
        except OSError as error:
            raise FileError(f"{change.path}: cannot write: {error.strerror or error}") from None
