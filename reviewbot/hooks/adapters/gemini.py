"""Gemini CLI: ``.gemini/settings.json`` hooks ``AfterTool`` (``write_file``, ``replace``) and ``AfterAgent``.

Standard output must hold JSON only. After a tool, ``hookSpecificOutput.additionalContext`` is added
to the tool's result for the model (a ``decision`` there would replace the result instead); after
the agent's turn, ``{"decision": "deny", "reason": ...}`` sends the reason back as a new prompt,
unless ``stop_hook_active`` says the agent already continues because of a hook.
"""

from __future__ import annotations

import json

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, cwd_of, path_in

# Gemini CLI's file-writing tools.
EDIT_TOOLS = frozenset({"write_file", "replace"})


class Gemini(Adapter):
    """Gemini CLI's hook protocol."""

    agent = "gemini"
    title = "Gemini CLI"
    install = Install(".gemini/settings.json", {"SessionStart": None, "AfterTool": "write_file|replace", "AfterAgent": None})

    def event(self, data: dict[str, object]) -> Event:
        """``AfterTool`` of a file-writing tool, or a first ``AfterAgent``."""
        name = str(data.get("hook_event_name", ""))
        cwd = cwd_of(data)
        session = str(data["session_id"]) if data.get("session_id") else None
        tool_input = data.get("tool_input")
        if name == "AfterTool" and data.get("tool_name") in EDIT_TOOLS and isinstance(tool_input, dict):
            return Event("edit", cwd, path_in(cwd, tool_input.get("file_path")), session, name)
        if name == "AfterAgent" and not data.get("stop_hook_active"):
            return Event("stop", cwd, (), session, name)
        return Event("none", cwd, (), session, name)

    def quiet(self, event: Event) -> Reply:
        """An empty JSON object (standard output holds JSON only)."""
        return Reply(0, "{}\n")

    def tell(self, event: Event, text: str) -> Reply:
        """Context after the tool's result, or a new prompt after the turn."""
        if event.kind == "stop":
            return Reply(0, json.dumps({"decision": "deny", "reason": text}) + "\n")
        return Reply(0, json.dumps({"hookSpecificOutput": {"hookEventName": "AfterTool", "additionalContext": text}}) + "\n")
