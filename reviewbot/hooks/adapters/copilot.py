"""GitHub Copilot's agent (CLI and coding agent): ``.github/hooks/*.json`` hooks ``postToolUse``
(``edit``, ``create``) and ``agentStop``.

The events name no event: a ``postToolUse`` input carries ``toolName`` and ``toolArgs`` (a JSON
string or object; the file is its ``path``), an ``agentStop`` input carries ``stopReason``.
``{"additionalContext": ...}`` is appended to the tool's result for the model;
``{"decision": "block", "reason": ...}`` at a stop becomes the next prompt, unless
``stop_hook_active`` is set. The coding agent reads hooks from the default branch only.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, path_in

# Copilot's file-editing tools.
EDIT_TOOLS = frozenset({"edit", "create"})


class Copilot(Adapter):
    """GitHub Copilot's hook protocol."""

    agent = "copilot"
    title = "GitHub Copilot"
    install = Install(".github/hooks/reviewbot.json", {"sessionStart": None, "postToolUse": "edit|create", "agentStop": None}, version=1)

    @classmethod
    def hook_entry(cls, event: str) -> dict[str, object]:
        """``{"type": "command", "bash": ..., "timeoutSec": 60}``."""
        return {"type": "command", "bash": cls.hook_command(), "timeoutSec": 60}

    def event(self, data: dict[str, object]) -> Event:
        """A ``postToolUse`` of an edit tool, or a first ``agentStop``."""
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
            return Event("stop", cwd, (), session, "agentStop")
        return Event("none", cwd, (), session, "")

    def quiet(self, event: Event) -> Reply:
        """An empty answer."""
        return Reply(0, "{}\n")

    def tell(self, event: Event, text: str) -> Reply:
        """Context after the tool's result, or the next prompt at a stop."""
        if event.kind == "stop":
            return Reply(0, json.dumps({"decision": "block", "reason": text}) + "\n")
        return Reply(0, json.dumps({"additionalContext": text}) + "\n")
