"""Cursor: ``.cursor/hooks.json`` hooks ``postToolUse`` and ``stop`` (hooks, version 1).

Cursor appends ``additional_context`` of a ``postToolUse`` reply to the tool's result, and sends a
``stop`` reply's ``followup_message`` to the agent as the next message. ``afterFileEdit`` is
documented as fire-and-forget (its output does not reach the model), so it checks nothing: the
``stop`` hook reports what is left. ``loop_count`` above 0 means the agent already continues
because of a hook: it may stop. Cursor also runs Claude Code's hooks from ``.claude/settings.json``;
configure one of the two, or the model hears everything twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, path_in

# Cursor's tools that write files (``Write``, ``Edit``, ``edit_file``, ``search_replace``,
# ``apply_patch``...); reading and searching tools are not checked.
EDIT_TOOLS = re.compile(r"edit|write|replace|create|patch", re.IGNORECASE)


class Cursor(Adapter):
    """Cursor's hook protocol."""

    agent = "cursor"
    title = "Cursor"
    install = Install(".cursor/hooks.json", {"sessionStart": None, "postToolUse": None, "stop": None}, version=1)
    # With its setting to run third-party hooks on, Cursor runs Claude Code's too.
    also_runs = (".claude/settings.json",)
    also_runs_when = "when Cursor's setting for third-party configs is on"

    @classmethod
    def hook_entry(cls, event: str) -> dict[str, object]:
        """``{"command": ...}``; the stop hook with Cursor's own loop guard too."""
        return {"command": cls.hook_command(), **({"loop_limit": 1} if event == "stop" else {})}

    def event(self, data: dict[str, object]) -> Event:
        """``postToolUse`` with a file path, or a first ``stop``."""
        name = str(data.get("hook_event_name", ""))
        roots = data.get("workspace_roots")
        cwd = Path(str(roots[0])) if isinstance(roots, list) and roots else Path(str(data.get("cwd") or "."))
        session = str(data["conversation_id"]) if data.get("conversation_id") else None
        tool_input = data.get("tool_input")
        if name == "postToolUse" and isinstance(tool_input, dict) and EDIT_TOOLS.search(str(data.get("tool_name", ""))):
            return Event("edit", cwd, path_in(cwd, tool_input.get("file_path") or tool_input.get("path")), session, name)
        loops = data.get("loop_count")
        if name == "stop" and not (isinstance(loops, int) and loops > 0) and data.get("status", "completed") == "completed":
            return Event("stop", cwd, (), session, name)
        return Event("none", cwd, (), session, name)

    def quiet(self, event: Event) -> Reply:
        """An empty answer."""
        return Reply(0, "{}\n")

    def tell(self, event: Event, text: str) -> Reply:
        """Context after the tool's result, or the follow-up message at a stop."""
        key = "followup_message" if event.kind == "stop" else "additional_context"
        return Reply(0, json.dumps({key: text}) + "\n")
