"""Every agent ``reviewbot hook`` speaks to, by its name on the command line."""

from __future__ import annotations

from reviewbot.hooks import Adapter
from reviewbot.hooks.claude_code import ClaudeCode
from reviewbot.hooks.codex import Codex
from reviewbot.hooks.copilot import Copilot
from reviewbot.hooks.cursor import Cursor
from reviewbot.hooks.gemini import Gemini

ADAPTERS: dict[str, type[Adapter]] = {adapter.agent: adapter for adapter in (ClaudeCode, Cursor, Gemini, Codex, Copilot)}
