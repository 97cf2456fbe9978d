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

from reviewbot.checks import OPTIONS, RULES
from reviewbot.errors import ConfigError, FileError
from reviewbot.hooks.adapters import ADAPTERS, DEFAULT as DEFAULT_AGENT
from reviewbot.hooks.doctor import entry_commands
from reviewbot.packs import DEFAULT_PACK

# The parts ``--only`` can choose (``claude`` is the former name of ``hooks``).
PARTS = ("config", "workflow", "pre-commit", "hooks")
# What the workflow and the pre-commit entry say when nobody knows where the team gets reviewbot:
# visibly not a real reference (GitHub and pre-commit refuse it with a clear error).
PLACEHOLDER = "OWNER/REPO@REF"
# ``OWNER/REPO@REF``: a GitHub repository and a tag, branch or commit of it.
REFERENCE = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)/([\w.-]+)@((?!.*\.\.)[\w./+-]+)")
# The longest default an option may have to be listed in the written config (longer ones are
# pointed to with ``reviewbot explain``).
MAX_LISTED_DEFAULT = 60

# The pull-request workflow `init` writes (docs/agents.md shows the same text), for an
# ``OWNER/REPO@REF`` reference.
WORKFLOW = """\
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
{note}      - uses: {reference}
        with:
          fail-on: error
"""

# The entry `init` appends to an existing .pre-commit-config.yaml.
PRE_COMMIT_ENTRY = """\
{note}  - repo: https://github.com/{repository}
    rev: {rev}
    hooks:
      - id: reviewbot
"""
# Above a placeholder reference, in both files.
PLACEHOLDER_NOTE = "{indent}# reviewbot init did not know where your team gets reviewbot: replace OWNER/REPO@REF\n"


def install_source() -> str | None:
    """``OWNER/REPO@REF`` of the GitHub repository this reviewbot was installed from, when its
    installation records one (PEP 610 ``direct_url.json``: ``pip install git+https://github.com/…@REF``).

    A package index, a local directory or an archive say nothing about a repository: ``None``.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("reviewbot").read_text("direct_url.json")
        data = json.loads(text) if text else None
    except (PackageNotFoundError, OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    vcs = data.get("vcs_info")
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git":
        return None
    where = re.fullmatch(r"(?:https://|ssh://git@|git@)github\.com[/:]([\w.-]+)/([\w.-]+?)(?:\.git)?/?", str(data.get("url", "")))
    ref = vcs.get("requested_revision") or vcs.get("commit_id")
    reference = f"{where[1]}/{where[2]}@{ref}" if where and isinstance(ref, str) else None
    return reference if reference and REFERENCE.fullmatch(reference) else None


def render(template: str, reference: str, indent: str) -> str:
    """``WORKFLOW`` or ``PRE_COMMIT_ENTRY`` for ``reference``, a placeholder marked as one."""
    repository, _, rev = reference.partition("@")
    note = PLACEHOLDER_NOTE.format(indent=indent) if reference == PLACEHOLDER else ""
    return template.format(note=note, reference=reference, repository=repository, rev=_yaml_string(rev))


def _yaml_string(text: str) -> str:
    """``text`` as a YAML value that reads back as this string (``1.10`` is quoted: bare, it is a number)."""
    return text if yaml.safe_load(f"value: {text}") == {"value": text} else json.dumps(text)


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


def plan(
    root: Path, parts: tuple[str, ...], roots: list[str], agents: tuple[str, ...] = (DEFAULT_AGENT,), reference: str = PLACEHOLDER
) -> list[FileWrite]:
    """The files to write for ``parts`` (the hooks of ``agents``), the workflow and the pre-commit
    entry installing reviewbot from ``reference``; unchanged files are left out."""
    writers = {"config": _config, "workflow": _workflow, "pre-commit": _pre_commit}
    changes = []
    for part in parts:
        found = [_hooks(root, agent) for agent in agents] if part == "hooks" else [writers[part](root, roots, reference)]
        changes += [change for change in found if change is not None and change.new != change.old]
    return changes


def _read(path: Path) -> str | None:
    """A file's text without a byte-order mark, ``None`` when it does not exist."""
    return path.read_text(encoding="utf-8-sig") if path.is_file() else None


def _config(root: Path, roots: list[str], reference: str) -> FileWrite | None:
    """A commented ``.reviewbot.yml``; an existing one is the team's and is kept.

    With agent files, ``packs: [auto]``: the rules the repository's own files ask for (every file
    found is listed, nested ones too); without, the built-in pack. The rule options follow as
    comments holding their real defaults: uncommenting one changes nothing until it is edited.
    """
    if (root / ".reviewbot.yml").exists():
        return None
    from reviewbot.agents import discover
    from reviewbot.config import AUTO, build_settings

    agents = discover(root)
    found = "\n".join(f"#   {name}" for name in agents) if agents else "#   (none yet)"
    packs = f"[{AUTO if agents else DEFAULT_PACK}]"
    why = (
        "# packs: [auto] enables the rules these files ask for (`reviewbot agents` shows each statement and what enforces it).\n"
        if agents
        else f"# No agent file yet: the built-in {DEFAULT_PACK} pack. Once there is one, `packs: [auto]` follows it.\n"
    )
    # The listed defaults are the values this very config gets: the packs and roots it names.
    written = build_settings({"packs": [AUTO if agents else DEFAULT_PACK], "imports": {"roots": roots}}, agents_root=root).options
    text = (
        "# reviewbot: enforces the coding agents' rules (`reviewbot rules` lists them all).\n"
        f"# Agent instruction files found:\n{found}\n{why}"
        f"packs: {packs}\n"
        "imports:\n"
        f"  roots: [{', '.join(roots)}]\n"
        f"  # style: {json.dumps(written['imports.style'])}   # measured | absolute | relative\n"
        "# The defaults, to change:\n"
        "# fail-on: error            # error | warning | info | never\n"
        "# exclude: []               # globs never scanned\n"
        "# per-file-ignores: {}      # glob -> rule ids\n"
        + _option_defaults(written)
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


def _workflow(root: Path, roots: list[str], reference: str) -> FileWrite | None:
    """The pull-request workflow; an existing one is kept, but for a placeholder ``init`` wrote."""
    path = ".github/workflows/reviewbot.yml"
    old = _read(root / path)
    return FileWrite(path, old, _resolved(old, reference) if old is not None else render(WORKFLOW, reference, " " * 6))


def _resolved(text: str, reference: str) -> str:
    """``text`` with a placeholder reference an earlier ``init`` wrote replaced by ``reference``."""
    if reference == PLACEHOLDER:
        return text
    repository, _, rev = reference.partition("@")
    text = re.sub(r"^[ \t]*" + re.escape(PLACEHOLDER_NOTE.format(indent="").strip()) + r"[ \t]*\r?\n", "", text, flags=re.M)
    text = text.replace(f"uses: {PLACEHOLDER}", f"uses: {reference}")
    return re.sub(r'(repo: "?https://github\.com/)OWNER/REPO("?,?\s+rev: )"?REF\b"?', lambda m: f"{m[1]}{repository}{m[2]}{_yaml_string(rev)}", text)


def _has_hook(config: object) -> bool:
    """Whether a pre-commit config runs reviewbot's hook."""
    repos = config.get("repos") if isinstance(config, dict) else None
    return any(isinstance(h, dict) and h.get("id") == "reviewbot" for r in repos or [] if isinstance(r, dict) for h in r.get("hooks") or [])


def _pre_commit(root: Path, roots: list[str], reference: str) -> FileWrite | None:
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
        document = yaml.compose(old, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise ConfigError(f"{name}: invalid YAML: {error}") from None
    if _has_hook(config):
        return FileWrite(name, old, _resolved(old, reference))
    repos = config.get("repos") if isinstance(config, dict) else None
    manual = ConfigError(f"{name}: cannot add the reviewbot hook safely; add it by hand (see docs/agents.md)")
    entry = render(PRE_COMMIT_ENTRY, reference, "  ")
    # Adding text keeps the file's comments. A flow-style list (`repos: []`) takes the entry as
    # one more flow item; a block-style one takes it at the end when `repos:` is the last key.
    flow = next((value for key, value in document.value if key.value == "repos"), None) if isinstance(document, yaml.MappingNode) else None
    if isinstance(flow, yaml.SequenceNode) and flow.flow_style:
        repository, _, rev = reference.partition("@")
        item = f'{{repo: "https://github.com/{repository}", rev: {json.dumps(rev)}, hooks: [{{id: reviewbot}}]}}'
        before, after = old[: flow.end_mark.index - 1].rstrip(), old[flow.end_mark.index - 1 :]
        new = before + (", " if flow.value and not before.endswith(",") else "") + item + after
    elif repos is None and re.search(r"^repos\s*:", old, re.M):
        raise manual
    elif repos is None:
        new = old.rstrip("\n") + ("\n" if old.strip() else "") + "repos:\n" + entry
    elif isinstance(repos, list) and repos and not re.search(r"^repos:.*\n(?:.*\n)*?^[A-Za-z_][\w-]*\s*:", old + "\n", re.M):
        # Indent the entry like the file's own list items.
        found = re.search(r"^repos:.*\n(?:\s*(?:#.*)?\n)*?( *)- ", old + "\n", re.M)
        indent = found[1] if found else "  "
        new = old.rstrip("\n") + "\n" + "".join(indent + line[2:] + "\n" for line in entry.splitlines())
    else:
        new = ""
    try:
        parsed = yaml.safe_load(new) if new else None
    except yaml.YAMLError:
        raise manual from None
    if not _has_hook(parsed):
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
        # Any reviewbot hook for this agent counts, whatever flags it was given.
        if any(text.startswith(command) for entry in entries for text in entry_commands(entry)):
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
