"""GitHub Copilot's agent (CLI and coding agent): ``.github/hooks/*.json`` hooks ``postToolUse``
(``edit``, ``create``) and ``agentStop``.

VS Code's agent runs these hook files too, with its own payloads (``protocol.vscode_event``).
Copilot's own events name no event: a ``postToolUse`` input carries ``toolName`` and ``toolArgs`` (a JSON
string or object; the file is its ``path``), an ``agentStop`` input carries ``stopReason``.
``{"additionalContext": ...}`` is appended to the tool's result for the model;
``{"decision": "block", "reason": ...}`` at a stop becomes the next prompt, unless
``stop_hook_active`` is set; an ``agentStop`` without that field (some versions send none) is kept
going once per stop, until the next edit (``Event.counted``). The coding agent reads hooks from the
default branch only.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, path_in, vscode_event, vscode_reply

# Copilot's file-editing tools.
EDIT_TOOLS = frozenset({"edit", "create"})


class Copilot(Adapter):
    """GitHub Copilot's hook protocol."""

    agent = "copilot"
    title = "GitHub Copilot"
    install = Install(".github/hooks/reviewbot.json", {"sessionStart": None, "postToolUse": "edit|create", "agentStop": None}, version=1)
    # Copilot CLI and VS Code run every file of .github/hooks and Claude Code's settings.
    also_runs = (".github/hooks/*.json", ".claude/settings.json")

    @classmethod
    def hook_entry(cls, event: str) -> dict[str, object]:
        """``{"type": "command", "bash": ..., "timeoutSec": 60}``."""
        return {"type": "command", "bash": cls.hook_command(), "timeoutSec": 60}

    def event(self, data: dict[str, object]) -> Event:
        """A ``postToolUse`` of an edit tool, or a first ``agentStop``; VS Code's events as it sends them."""
        found = vscode_event(data)
        if found is not None:
            return found
        cwd = Path(str(data.get("cwd") or "."))
        session = str(data["sessionId"]) if data.get("sessionId") else None
        if data.get("toolName") in EDIT_TOOLS:
            arguments = data.get("toolArgs")
            if isinstance(arguments, str):
                try:
                    arguments = json.loads(arguments)
                except ValueError:
                    arguments = None  # arguments that name no file: nothing to check
            path = arguments.get("path") or arguments.get("file_path") if isinstance(arguments, dict) else None
            return Event("edit", cwd, path_in(cwd, path), session, "postToolUse")
        if "stopReason" in data and not data.get("stop_hook_active"):
            # Some versions send no ``stop_hook_active``: reviewbot then keeps count itself.
            return Event("stop", cwd, (), session, "agentStop", counted="stop_hook_active" not in data)
        return Event("none", cwd, (), session, "")

    def quiet(self, event: Event) -> Reply:
        """An empty answer."""
        return Reply(0, "{}\n")

    def tell(self, event: Event, text: str) -> Reply:
        """Context after the tool's result, or the next prompt at a stop."""
        if event.dialect == "vscode":
            return vscode_reply(event, text)
        if event.kind == "stop":
            return Reply(0, json.dumps({"decision": "block", "reason": text}) + "\n")
        return Reply(0, json.dumps({"additionalContext": text}) + "\n")
