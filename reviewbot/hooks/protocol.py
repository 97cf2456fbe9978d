"""What an agent's adapter is made of: the hook's options, the ``Event`` it reads, the ``Reply`` it
gives, and the ``Adapter`` base class, which also declares where ``reviewbot init`` writes the
agent's hooks (``Install``).

Adapters import this module only; the flow between event and reply (``reviewbot.hooks.answer``)
and the registry (``reviewbot.hooks.adapters``) import the adapters, never the other way round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable

# Reviewbot's own failure: shown to the user, never to the model as a rule.
BROKEN = 1
# The lines of an ``apply_patch`` patch (Codex's, VS Code's) that name a file the patch leaves
# behind. The name is the rest of the line, its trailing blanks stripped in Python: a lazy group
# before ``\s*$`` would try every length against every run of blanks, quadratic in a long line.
PATCHED = re.compile(r"^\*\*\* (?:Add File|Update File|Move to): (.*)$", re.M)
# VS Code's edit tools and the ``tool_input`` field naming the file; ``editFiles`` (the name its
# hooks documentation shows) lists ``files``, ``multi_replace_string_in_file`` its ``replacements``
# and ``apply_patch`` names them in the patch.
VSCODE_EDIT_TOOLS = frozenset({"create_file", "replace_string_in_file", "insert_edit_into_file"})


@dataclass(frozen=True)
class HookOptions:
    """The flags of ``reviewbot hook``."""

    # ``None``: the config's ``fail-on``, else error.
    fail_on: str | None = None
    max_findings: int = 20
    max_chars: int = 4000
    diff: str = "HEAD"
    config: Path | None = None
    # Claude Code only: ``exit`` (status 2, the text on standard error) or ``json`` (a decision on stdout).
    reply: str = "exit"
    # Scan in worker processes (see ``session.Request.isolate``); the hook server's child does not.
    isolate: bool = True
    # Seconds one file may take before it is an RB002 (an agent's own hook timeout is often 60).
    file_timeout: float = 30.0
    # Claude Code 2.1.163 or later: at a stop, the findings as context that keeps the turn going,
    # not shown as a hook error (``--stop-context``).
    stop_context: bool = False


@dataclass(frozen=True)
class Event:
    """What a hook event asks: ``edit`` (check these files' changed lines), ``stop`` (check every
    changed line before the agent stops) or ``none``."""

    kind: str
    cwd: Path
    files: tuple[Path, ...] = ()
    # The agent's session (conversation) id, when the event carries one.
    session: str | None = None
    # The agent's name for the event, for replies that repeat it.
    name: str = ""
    # A stop whose event does not say whether a hook already keeps the agent going (no
    # ``stop_hook_active``): reviewbot counts its own stops instead (``state.stopped``).
    counted: bool = False
    # ``vscode``: sent by VS Code's agent, whichever agent's hook file it runs (``vscode_event``).
    dialect: str = ""


@dataclass(frozen=True)
class Reply:
    """What the hook process answers: exit status, standard output, standard error."""

    status: int
    stdout: str = ""
    stderr: str = ""
    # Records the findings the reply tells as told: called by whoever delivers the reply, once it is
    # delivered (a reply lost on the way is told again).
    commit: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    def delivered(self) -> None:
        """The reply reached the agent: what it tells counts as told."""
        if self.commit is not None:
            self.commit()


@dataclass(frozen=True)
class Install:
    """Where ``reviewbot init`` writes an agent's hooks: its settings file (repository-relative),
    each hook event with the tool matcher it needs (``None``: no matcher), and the ``version`` the
    file's format requires at its top (``None``: the format has none).

    The session's start comes first in every agent's events: nothing to check then, so it is
    answered at once and starts the hook server, and the first edit is answered as fast as the rest.
    """

    path: str
    events: Mapping[str, str | None]
    version: int | None = None


class Adapter:
    """One agent's hook protocol: its events in, its replies out, and its hook settings."""

    # The name on the command line (``reviewbot hook cursor``), and the agent's own.
    agent: ClassVar[str]
    title: ClassVar[str]
    # Where and which hooks ``reviewbot init`` writes for the agent.
    install: ClassVar[Install]
    # Other agents' hook files this agent runs as well (Copilot and VS Code run Claude Code's):
    # ``reviewbot doctor`` warns when reviewbot's hook is in more than one file the agent runs ...
    also_runs: ClassVar[tuple[str, ...]] = ()
    # ... and says when, if only a setting reviewbot cannot see makes it run them (then a note, no failure).
    also_runs_when: ClassVar[str] = ""

    def __init__(self, options: HookOptions) -> None:
        self.options = options

    @classmethod
    def hook_command(cls) -> str:
        """The command the agent's hook settings run."""
        return f"reviewbot hook {cls.agent}"

    @classmethod
    def hook_entry(cls, event: str) -> dict[str, object]:
        """One entry of the settings file's list for ``event``, without its matcher: by default the
        form Claude Code, Gemini CLI and Codex share (``{"hooks": [{"type", "command"}]}``)."""
        return {"hooks": [{"type": "command", "command": cls.hook_command()}]}

    def event(self, data: dict[str, object]) -> Event:
        """The event a hook input describes; ``ValueError`` when it is not one of this agent's."""
        raise NotImplementedError

    def quiet(self, event: Event) -> Reply:
        """Nothing to say: the agent carries on."""
        return Reply(0)

    def tell(self, event: Event, text: str) -> Reply:
        """Findings the model must read."""
        raise NotImplementedError

    def broken(self, text: str) -> Reply:
        """Reviewbot's own failure: the user sees it; it is no rule violation."""
        return Reply(BROKEN, "", text)


def cwd_of(data: dict[str, object]) -> Path:
    """The event's working directory (the project), else the hook's."""
    return Path(str(data.get("cwd") or "."))


def path_in(cwd: Path, value: object) -> tuple[Path, ...]:
    """A file path of an event, absolute or relative to ``cwd``; none when it is no string."""
    if not isinstance(value, str) or not value:
        return ()
    path = Path(value)
    return (path if path.is_absolute() else cwd / path,)


def patched_files(cwd: Path, patch: object) -> tuple[Path, ...]:
    """The files an ``apply_patch`` patch adds, updates or moves to."""
    names = [name.rstrip() for name in PATCHED.findall(patch)] if isinstance(patch, str) else []
    return tuple(file for name in names for file in path_in(cwd, name))


def vscode_event(data: dict[str, object]) -> Event | None:
    """An event of VS Code's agent, ``None`` for any other agent's.

    VS Code's agent (its local harness) sends the same payload to every hook file it runs, Copilot's
    ``.github/hooks`` and, with ``chat.useClaudeHooks``, Claude Code's settings: ``hookEventName``,
    ``sessionId``, ``cwd``, and ``tool_name``/``tool_input`` of the model's own tool call.
    """
    name = data.get("hookEventName")
    if not isinstance(name, str):
        return None
    cwd = cwd_of(data)
    session = str(data["sessionId"]) if data.get("sessionId") else None
    if name == "PostToolUse":
        tool, given = data.get("tool_name"), data.get("tool_input")
        arguments = given if isinstance(given, dict) else {}
        if tool == "editFiles":
            listed = arguments.get("files")
            names = [item.get("filePath") or item.get("path") if isinstance(item, dict) else item for item in listed] if isinstance(listed, list) else []
        elif tool == "multi_replace_string_in_file":
            replacements = arguments.get("replacements")
            names = [item.get("filePath") for item in replacements if isinstance(item, dict)] if isinstance(replacements, list) else []
        elif tool == "apply_patch":
            return Event("edit", cwd, patched_files(cwd, arguments.get("input")), session, name, dialect="vscode")
        elif tool in VSCODE_EDIT_TOOLS:
            names = [arguments.get("filePath")]
        else:
            # Another tool (or another's name for one): the adapter reads the event itself.
            return None
        files = tuple(dict.fromkeys(file for found in names for file in path_in(cwd, found)))
        return Event("edit" if files else "none", cwd, files, session, name, dialect="vscode")
    if name in ("Stop", "SubagentStop") and not data.get("stop_hook_active"):
        return Event("stop", cwd, (), session, name, dialect="vscode")
    return Event("none", cwd, (), session, name, dialect="vscode")


def vscode_reply(event: Event, text: str) -> Reply:
    """VS Code's answer: context appended to the tool's result; at a stop, a block whose reason is
    the next prompt (VS Code reads a stop's decision inside ``hookSpecificOutput`` only)."""
    if event.kind == "stop":
        output: dict[str, object] = {"hookEventName": event.name, "decision": "block", "reason": text}
    else:
        output = {"hookEventName": "PostToolUse", "additionalContext": text}
    return Reply(0, json.dumps({"hookSpecificOutput": output}) + "\n")
