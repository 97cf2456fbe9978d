"""Codex CLI: ``.codex/hooks.json`` hooks ``PostToolUse`` (``apply_patch``) and ``Stop``.

Codex edits files with ``apply_patch``; the event carries the patch text, not a path, so the files
are read from its ``*** Add File:``, ``*** Update File:`` and ``*** Move to:`` lines. After the
tool, ``hookSpecificOutput.additionalContext`` reaches the model (a ``decision`` would replace the
tool's output); at a stop, ``{"decision": "block", "reason": ...}`` becomes the next prompt unless
``stop_hook_active`` is set.
"""

from __future__ import annotations

import json

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, cwd_of, patched_files, path_in

class Codex(Adapter):
    """Codex CLI's hook protocol."""

    agent = "codex"
    title = "Codex"
    install = Install(".codex/hooks.json", {"SessionStart": None, "PostToolUse": "apply_patch|Edit|Write", "Stop": None})

    def event(self, data: dict[str, object]) -> Event:
        """``PostToolUse`` of ``apply_patch`` (or a tool with a ``file_path``), or a first ``Stop``."""
        name = str(data.get("hook_event_name", ""))
        cwd = cwd_of(data)
        session = str(data["session_id"]) if data.get("session_id") else None
        tool_input = data.get("tool_input")
        if name == "PostToolUse" and isinstance(tool_input, dict):
            command = tool_input.get("command")
            # The patch as one string, or as the arguments of ``["apply_patch", patch]``.
            if isinstance(command, list):
                command = "\n".join(part for part in command if isinstance(part, str))
            files = patched_files(cwd, command) or path_in(cwd, tool_input.get("file_path"))
            return Event("edit", cwd, files, session, name)
        if name == "Stop" and not data.get("stop_hook_active"):
            return Event("stop", cwd, (), session, name)
        return Event("none", cwd, (), session, name)

    def tell(self, event: Event, text: str) -> Reply:
        """Context after the tool's output, or the next prompt at a stop."""
        if event.kind == "stop":
            return Reply(0, json.dumps({"decision": "block", "reason": text}) + "\n")
        return Reply(0, json.dumps({"hookSpecificOutput": {"hookEventName": "PostToolUse", "additionalContext": text}}) + "\n")
