"""What an agent's adapter is made of: the hook's options, the ``Event`` it reads, the ``Reply`` it
gives, and the ``Adapter`` base class, which also declares where ``reviewbot init`` writes the
agent's hooks (``Install``).

Adapters import this module only; the flow between event and reply (``reviewbot.hooks.answer``)
and the registry (``reviewbot.hooks.adapters``) import the adapters, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable

# Reviewbot's own failure: shown to the user, never to the model as a rule.
BROKEN = 1


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
