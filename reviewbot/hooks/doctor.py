"""``reviewbot doctor``: what in a repository's hook settings makes an agent hear findings twice, or
not at all.

An agent that runs other agents' hook files as well as its own (GitHub Copilot and VS Code run
Claude Code's ``.claude/settings.json``; Cursor can) runs reviewbot once per file that holds its
hook: every edit is then checked twice and every finding told twice. A file that lists reviewbot's
hook twice for one event does the same. The problems are sentences for a person to act on.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from reviewbot.hooks.adapters import ADAPTERS

# A hook command running reviewbot's hook, however it is started (``reviewbot hook``, a path to
# it, ``uv run reviewbot hook``, ``python -m reviewbot hook``).
COMMAND = re.compile(r"(?:^|[\s/])(?:reviewbot|-m\s+reviewbot)\s+hook\s")


def problems(root: Path) -> tuple[list[str], list[str]]:
    """The hook settings under ``root`` that make an agent run reviewbot twice, or a hook nobody can
    run; and notes: what runs twice only if a setting reviewbot cannot see is on."""
    found: list[str] = []
    notes: list[str] = []
    hooked: dict[str, dict[str, int]] = {}
    for adapter in ADAPTERS.values():
        files = dict.fromkeys([adapter.install.path, *(p.relative_to(root).as_posix() for g in adapter.also_runs for p in sorted(root.glob(g)))])
        running = [name for name in files if hooked.setdefault(name, _hooks(root / name))]
        if len(running) > 1:
            when = f" ({adapter.also_runs_when})" if adapter.also_runs_when else ""
            (notes if when else found).append(
                f"{adapter.title} runs the hooks of {' and '.join(running)}{when}, and each holds reviewbot's: every edit is checked "
                f"twice and each finding told twice. Keep reviewbot's hook in one of them (docs/agents.md, \"One agent, one hook\")."
            )
    for name, events in hooked.items():
        for event, count in events.items():
            if count > 1:
                found.append(f"{name} runs reviewbot's hook {count} times on {event}: keep one.")
    if any(hooked.values()) and shutil.which("reviewbot") is None:
        found.append("the agents' hooks run `reviewbot`, which is not on this shell's PATH: install it where the agents run (pipx install, or the project's virtual environment).")
    return found, notes


def _hooks(path: Path) -> dict[str, int]:
    """How many of a hook file's entries run reviewbot, by event; none for a file that is missing or not JSON."""
    try:
        settings = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    hooks = settings.get("hooks") if isinstance(settings, dict) else None
    if not isinstance(hooks, dict):
        return {}
    counts = {}
    for event, entries in hooks.items():
        count = sum(1 for entry in entries if any(COMMAND.search(text) for text in entry_commands(entry))) if isinstance(entries, list) else 0
        if count:
            counts[str(event)] = count
    return counts


def entry_commands(entry: object) -> list[str]:
    """The commands of one hook entry, in each form the agents' settings take: ``command`` or
    ``bash`` in the entry, or ``command`` in its ``hooks``."""
    if not isinstance(entry, dict):
        return []
    commands = [str(entry.get("command") or entry.get("bash") or "")]
    inner = entry.get("hooks")
    if isinstance(inner, list):
        commands += [str(hook.get("command", "")) for hook in inner if isinstance(hook, dict)]
    return commands
