"""The reply to one hook event: the agent's adapter reads the event, the same session as
``scan --diff HEAD`` checks the changed lines, and the adapter says what is new in its agent's
protocol. A failure of reviewbot itself is the adapter's ``broken`` reply, never a rule violation.

Most events need neither LibCST nor the rules (an edit of another file, a session's start), so
everything heavy is imported only once an event has a Python file to check.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

from reviewbot.errors import ReviewbotError
from reviewbot.escape import printable
from reviewbot.hooks.adapters import ADAPTERS
from reviewbot.hooks.message import message
from reviewbot.hooks.state import MAX_COUNTED_BLOCKS, mark_stopped, remember, state_file, stopped, told

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from reviewbot.hooks.protocol import Event, HookOptions, Reply
    from reviewbot.model import Finding


def run(agent: str, stdin: str, options: HookOptions) -> Reply:
    """The reply to one hook event of ``agent``."""
    adapter = ADAPTERS[agent](options)
    try:
        data = json.loads(stdin)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        event = adapter.event(data)
    except (ValueError, TypeError, RecursionError) as error:
        return adapter.broken(f"reviewbot hook: standard input is not a {adapter.title} hook event (JSON): {printable(str(error))}\n")
    if event.kind == "none":
        return adapter.quiet(event)
    try:
        text, commit = _check(agent, event, options)
    except ReviewbotError as error:
        return adapter.broken(f"reviewbot hook: {error}\n")
    except Exception as error:  # noqa: BLE001 - never trap the agent in a loop on reviewbot's own failure
        return adapter.broken(f"reviewbot hook: internal error: {type(error).__name__}: {printable(str(error))}\n")
    return replace(adapter.tell(event, text), commit=commit) if text else adapter.quiet(event)


def _check(agent: str, event: Event, options: HookOptions) -> tuple[str, Callable[[], None] | None]:
    """The text for the model ("" when there is nothing new to tell), and what records it as told.

    After an edit, findings the session was already told about are left out (a finding whose
    line changed has a new fingerprint, so it is told again); at a stop everything that remains
    is reported.
    """
    # Most edits are of other files: answered before the parser and the rules are loaded.
    edited = [path for path in event.files if path.suffix == ".py" and is_file(path)]
    if event.kind == "edit" and not edited:
        return "", None
    from reviewbot.project import find_root

    # The repository of the agent's working directory; when that is in none (an agent started
    # above the project), the edited file's.
    root, is_git = find_root(event.cwd)
    if not is_git and edited:
        root, is_git = find_root(edited[0].parent)
    if not is_git:
        return "", None
    files: list[str] | None = None
    if event.kind == "edit":
        files = [name for name in (_in_repository(root, path) for path in edited) if name is not None]
        if not files:
            return "", None
    state = state_file(root, agent, event.session)
    # An agent that does not say whether a stop continues reviewbot's last one: kept going once
    # until an edit is checked, a few times a session at most, and never without the count kept.
    kept, blocks = stopped(state, event.session)
    if event.kind == "stop" and event.counted and (kept or blocks >= MAX_COUNTED_BLOCKS):
        return "", None
    if event.kind == "edit" and kept:
        mark_stopped(state, False, blocks)
    findings = _scan(root, options, files)
    known = told(state, event.session)
    new = findings if event.kind == "stop" else [f for f in findings if f"{f.path}:{f.fingerprint}" not in known]
    if not new or (event.kind == "stop" and event.counted and not mark_stopped(state, True, blocks + 1)):
        return "", None
    text, shown = message(new, options.max_findings, options.max_chars, options.diff)
    keys = known | {f"{f.path}:{f.fingerprint}" for f in shown}
    return text, lambda: remember(state, keys, event.session)


def is_file(path: Path) -> bool:
    """Whether ``path`` is a regular file; a name the system refuses (too long, say) is none."""
    try:
        return path.is_file()
    except OSError:
        return False


def _in_repository(root: Path, path: Path) -> str | None:
    """``path`` relative to ``root`` when it lies in that repository (not in one nested in it)."""
    from reviewbot.project import find_root

    try:
        name = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None  # outside the repository
    if find_root(path.resolve().parent)[0] != root:
        return None  # inside another repository nested in this one: not this one's to judge
    return name


def _scan(root: Path, options: HookOptions, files: list[str] | None) -> list[Finding]:
    """Changed lines against ``options.diff`` (all of a new file), of some files or of the work tree.

    The same session as ``scan --diff`` with the ``added`` filter, so the agent hears exactly
    what the pre-commit hook and the pull-request review would say.
    """
    from reviewbot.project import load_settings
    from reviewbot.session import Request, run as run_session

    settings = load_settings(root, options.config, fail_on=options.fail_on)
    only = tuple(files) if files is not None else None
    request = Request(
        root=root, settings=settings, diff=options.diff, only=only, filter_mode="added", isolate=options.isolate, file_timeout=options.file_timeout
    )
    result = run_session(request)
    return [finding for finding in result.findings if settings.tells(finding, options.fail_on)]
