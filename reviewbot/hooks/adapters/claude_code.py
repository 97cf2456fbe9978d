"""Claude Code: ``.claude/settings.json`` hooks ``PostToolUse`` (Write, Edit, MultiEdit) and ``Stop``.

Two replies, chosen with ``--reply``: ``exit`` (the default) exits 2 with the text on standard
error, the channel every Claude Code version delivers to the model; ``json`` exits 0 with
``{"decision": "block", "reason": ...}`` on standard output, which Claude Code reads as the same
feedback and which leaves standard error to real errors. ``--stop-context`` answers a stop with
``hookSpecificOutput.additionalContext`` instead (Claude Code 2.1.163 and later): the turn goes on,
and Claude Code does not label the findings a hook error.
"""

from __future__ import annotations

import json

from reviewbot.hooks.protocol import Adapter, Event, Install, Reply, cwd_of, path_in, vscode_event, vscode_reply

# The tools whose edits are checked: Claude Code's, and Copilot CLI's (``edit``, ``create``, naming
# the file ``path``) when it runs these settings.
EDIT_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "edit", "create"})
# Exit status 2 blocks and shows standard error to the model.
BLOCK = 2


class ClaudeCode(Adapter):
    """Claude Code's hook protocol."""

    agent = "claude-code"
    title = "Claude Code"
    install = Install(
        ".claude/settings.json", {"SessionStart": None, "PostToolUse": "Write|Edit|MultiEdit", "Stop": None, "SubagentStop": None}
    )

    def event(self, data: dict[str, object]) -> Event:
        """``PostToolUse`` of an edit tool, or a ``Stop``/``SubagentStop`` not already continuing; VS
        Code's events as it sends them (it runs these settings with ``chat.useClaudeHooks``)."""
        found = vscode_event(data)
        if found is not None:
            return found
        name = str(data.get("hook_event_name", ""))
        cwd = cwd_of(data)
        session = str(data["session_id"]) if data.get("session_id") else None
        tool_input = data.get("tool_input")
        if name == "PostToolUse" and data.get("tool_name") in EDIT_TOOLS and isinstance(tool_input, dict):
            return Event("edit", cwd, path_in(cwd, tool_input.get("file_path") or tool_input.get("path")), session, name)
        # ``stop_hook_active``: the agent already continues because of a hook; let it stop. An agent
        # that sends none (Copilot CLI running these settings) is counted by reviewbot instead.
        if name in ("Stop", "SubagentStop") and not data.get("stop_hook_active"):
            return Event("stop", cwd, (), session, name, counted="stop_hook_active" not in data)
        return Event("none", cwd, (), session, name)

    def tell(self, event: Event, text: str) -> Reply:
        """Exit 2 with the text on standard error, or the JSON decision; at a stop with
        ``--stop-context``, the text as context; to VS Code, its own answer."""
        if event.dialect == "vscode":
            return vscode_reply(event, text)
        if event.kind == "stop" and self.options.stop_context:
            return Reply(0, json.dumps({"hookSpecificOutput": {"hookEventName": event.name, "additionalContext": text}}) + "\n")
        if self.options.reply == "json":
            return Reply(0, json.dumps({"decision": "block", "reason": text}) + "\n")
        return Reply(BLOCK, "", text)
