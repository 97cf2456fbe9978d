"""Told once: the findings an agent's session has already been told about, kept between its hook
events in ``.reviewbot_cache/hooks/`` of the repository (one file per agent and session)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

# A state file without a session id to key it is forgotten after this many seconds.
ANONYMOUS_SESSION = 3600
# State files older than this are removed when another is written.
STALE_STATE = 24 * 3600
# A state file larger than this is taken as broken (it holds a line per finding told).
MAX_STATE_BYTES = 16 << 20


@dataclass(frozen=True)
class State:
    """A session's state file: ``name`` in ``.reviewbot_cache/hooks`` of the repository at ``root``."""

    root: Path
    name: str


def state_file(root: Path, agent: str, session: str | None) -> State:
    """Where a session's told findings are kept: the cache directory, keyed by agent and session
    (or by the work tree, for agents whose events carry no session id)."""
    key = hashlib.sha256(f"{agent}\0{session or root.resolve()}".encode()).hexdigest()[:24]
    return State(root, f"{key}.json")


def told(state: State, session: str | None) -> set[str]:
    """The findings this session was told about; none when the state is missing, broken or, without
    a session id, older than ``ANONYMOUS_SESSION``.

    The state is reached from the repository root without following a link: a committed one, or one
    the agent's shell made, would have the hook delete and write files elsewhere. With a link on the
    way the session is told again, and the user warned.
    """
    from reviewbot.cache import DEFAULT_DIRECTORY
    from reviewbot.files import LinkedPath, open_directory

    try:
        with open_directory(state.root, (DEFAULT_DIRECTORY, "hooks")) as directory:
            if session is None and time.time() - directory.lstat(state.name).st_mtime > ANONYMOUS_SESSION:
                return set()
            found = json.loads(directory.read(state.name, MAX_STATE_BYTES))
    except LinkedPath as error:
        logging.getLogger(__name__).warning("hook state not kept: %s; findings already told are told again", error.strerror)
        return set()
    except (OSError, ValueError, RecursionError):
        return set()
    return {str(item) for item in found} if isinstance(found, list) else set()


def remember(state: State, keys: set[str], session: str | None) -> None:
    """Keep what was told, and forget sessions nobody has touched for a day (never through a link)."""
    from reviewbot.cache import DEFAULT_DIRECTORY
    from reviewbot.files import open_directory

    try:
        with open_directory(state.root, (DEFAULT_DIRECTORY,), create=True) as cache, cache.directory("hooks", create=True) as directory:
            # The cache directory is never committed (its .gitignore says so).
            cache.create(".gitignore", "*\n")
            for name, status in directory.entries():
                try:
                    if time.time() - status.st_mtime > STALE_STATE:
                        directory.unlink(name)
                except OSError:
                    pass  # removed by a hook running at the same time
            # Another hook of the session may have written meanwhile (parallel tool calls): keep both.
            directory.write(state.name, json.dumps(sorted(keys | told(state, session))))
    except OSError:
        pass  # a read-only work tree, or a link on the way: the agent is told again next time, nothing worse


# Beside a session's state file: how often reviewbot kept the session going at a stop it had to
# count itself (``Event.counted``), and whether it did at the last one (no edit checked since).
STOPPED = ".stop"
# Stops kept going per session at most, for agents that do not say whether a hook already keeps them going.
MAX_COUNTED_BLOCKS = 3


def stopped(state: State, session: str | None) -> tuple[bool, int]:
    """Whether reviewbot kept this session going at its last stop with no edit checked since, and
    how many of its stops it kept going (a mark without a session id lasts ``ANONYMOUS_SESSION``)."""
    from reviewbot.cache import DEFAULT_DIRECTORY
    from reviewbot.files import open_directory

    try:
        with open_directory(state.root, (DEFAULT_DIRECTORY, "hooks")) as directory:
            if session is None and time.time() - directory.lstat(state.name + STOPPED).st_mtime > ANONYMOUS_SESSION:
                return False, 0
            found = json.loads(directory.read(state.name + STOPPED, 1024))
        return bool(found["kept"]), int(found["blocks"])
    except (OSError, ValueError, KeyError, TypeError):
        return False, 0


def mark_stopped(state: State, kept: bool, blocks: int) -> bool:
    """Record the session's counted stops; whether it could (a stop is kept going only then)."""
    from reviewbot.cache import DEFAULT_DIRECTORY
    from reviewbot.files import open_directory

    try:
        with open_directory(state.root, (DEFAULT_DIRECTORY,), create=True) as cache, cache.directory("hooks", create=True) as directory:
            directory.write(state.name + STOPPED, json.dumps({"kept": kept, "blocks": blocks}))
    except OSError:
        return False
    return True
