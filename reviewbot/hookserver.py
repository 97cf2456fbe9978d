"""The hook server: hook events answered with Python, LibCST and the rules already loaded.

An agent waits for its hook after every edit, and a new process spends most of that wait starting
Python and importing LibCST and the rules (docs/agents.md, "Speed"). So the first event
``reviewbot hook`` answers in its own process, as it always could, and starts this server in the
background; the events after it are handed to the server over a Unix socket in a directory only
the user can enter. The server answers each in a child forked for it, with the client's working
directory and environment: one event's state and failures stay its own, and parallel events are
answered in parallel. When no answer comes (no server yet, a failed child, a refusal), the client
answers the event itself, so nothing is lost.

Who may talk to whom:

- The socket's directory is one reviewbot creates, this user's, closed to others, in a directory
  no other user can rename entries of (this user's or root's, writable by nobody else unless
  sticky); otherwise there is no server. The server starts in ``/`` and works in the socket's
  directory once it has checked it, so its files are its own however the path changes later.
- Each end learns the other's user from the system (``peer_uid``) before the event goes over: a
  client sends nothing to another user's server, a server answers no other user's client. Where
  the system cannot say, there is no server.
- The child takes the client's environment but for what chooses programs (``SERVERS_OWN``): a
  client may be a confined process of the same user, which must not choose what runs outside.
- At most ``MAX_CHILDREN`` events at once, a request of at most ``MAX_REQUEST_BYTES`` that arrives
  whole within ``STALLED`` seconds, and a reply taken within as long; anything else is refused.

The socket is named by a fingerprint of reviewbot's files (packs by their content too) and its
Python environment: an upgrade is served by a new server, never by old code. A server exits after
``IDLE`` seconds without an event. ``REVIEWBOT_HOOK_SERVER=off`` answers every event in its own
process.

The client half, which runs before anything else of reviewbot is imported, is
``reviewbot.hookclient``; this module is the server, started as ``python -m reviewbot.hookserver``.
Its children answer with ``reviewbot.hooks.command``, the command the hook's own process runs.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from typing import IO, TYPE_CHECKING

from reviewbot.hookclient import IDLE, MAX_REQUEST_BYTES, fingerprint, locates_git, peer_uid, private

if TYPE_CHECKING:
    import argparse

# Seconds between a waiting server's looks at its socket and its idle time; ``LOOK_SETTING`` may
# shorten it (a test that removes a socket or changes reviewbot's files need not wait that long).
LOOK_AROUND = 30.0
LOOK_SETTING = "REVIEWBOT_HOOK_SERVER_LOOK"
# Seconds a server's child gives its client to send the whole request, and again to take the
# whole reply: a client that stalls, or drips a byte at a time, holds a child no longer. The client
# has its request ready before it connects, so it needs a fraction of that.
STALLED = 10.0
# Events a server answers at once; a connection beyond them is closed unanswered at once, and its
# client answers the event itself.
MAX_CHILDREN = 16
# What chooses a program that the child runs (git, and what git runs in turn), what that program
# loads, or where git reads the configuration that names more programs (core.fsmonitor,
# core.pager, diff.external): the child keeps the server's own values, never the client's. The
# server was started by this user's own hook, so its PATH and HOME are the user's; a client may be
# a sandboxed process of the same user, which must not choose what runs outside its sandbox.
SERVERS_OWN = frozenset(
    {"PATH", "HOME", "XDG_CONFIG_HOME", "SHELL", "BASH_ENV", "ENV", "EDITOR", "VISUAL", "PAGER", "SSH_ASKPASS", "GCONV_PATH", "LOCPATH"}
)
SERVERS_OWN_PREFIXES = ("GIT_", "LD_", "DYLD_", "PYTHON")
# A server that finds its log of answered events larger than this starts it afresh.
MAX_LOG_BYTES = 256 * 1024


def _read_request(connection: socket.socket) -> bytes:
    """The client's whole request, within ``STALLED`` seconds and ``MAX_REQUEST_BYTES``:
    ``TimeoutError`` or ``ValueError`` as soon as either is passed, with nothing more read."""
    deadline = time.monotonic() + STALLED
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long")
        connection.settimeout(left)
        chunk = connection.recv(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ValueError("the request is too large")
        chunks.append(chunk)


def serve(where: str) -> None:
    """Answer events on the socket ``where`` until ``IDLE`` seconds pass without one, the socket
    is removed, reviewbot's files change, or the server is told to end (SIGTERM).

    A server started for another reviewbot than this one, or while another serves the same socket,
    leaves at once.
    """
    import fcntl
    import signal

    directory, where = os.path.split(where)
    if where != f"{fingerprint()}.sock":
        return
    # The server works in the socket's directory once it has found it to be this user's own (its
    # working directory then, and no other user's): its file names mean the same files for its
    # whole life, whatever becomes of the path that led there.
    try:
        os.chdir(directory)
        if not private(os.lstat(".")):
            return
    except OSError:
        return
    stem = where[: -len(".sock")]
    lock = open(f"{stem}.lock", "a+", encoding="utf-8")  # noqa: SIM115 - held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    # Told to end: leave now, or, when the signal comes during ``fork`` (whose callbacks swallow the
    # exception), as soon as the fork returns.
    ending: list[int] = []

    def end(signum: int, frame: object) -> None:
        ending.append(signum)
        sys.exit(0)

    signal.signal(signal.SIGTERM, end)
    try:
        # The process id, for as long as this server runs.
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        _listen(where, stem, lock, ending)
    finally:
        lock.truncate(0)


def _listen(where: str, stem: str, lock: IO[str], ending: list[int]) -> None:
    """``serve`` once the socket is this server's: load, bind, accept and fork until it ends."""
    import gc
    import signal

    log = _open_log(stem)
    try:
        parser = _preload()
    except Exception as error:  # noqa: BLE001 - said in the log; the hook's own process answers instead
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} cannot start: {type(error).__name__}: {error}\n")
        log.close()
        open(f"{stem}.failed", "w").close()  # noqa: SIM115 - an empty marker
        return
    # Held back until the socket is cleaned up on the way out, whenever it comes.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(where):
        os.unlink(where)  # left by a server that was killed
    listener.bind(where)
    os.chmod(where, 0o600)
    listener.listen(64)
    listener.settimeout(_look_around())
    own, last = os.stat(where).st_ino, time.monotonic()
    # The children answering events, until they are reaped (when a connection comes, or the next look).
    children: set[int] = set()
    # What was loaded stays shared with the children instead of being copied by the collector.
    gc.freeze()
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        while not ending:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                _reap(children)
                # Idle for long enough, unreachable (its socket removed or taken), or out of date.
                if time.monotonic() - last > IDLE or not _same_file(where, own) or where != f"{fingerprint()}.sock":
                    return
                continue
            last = time.monotonic()
            _reap(children)
            # Over the cap, or from another user: closed unanswered, and the client answers itself.
            if len(children) >= MAX_CHILDREN or not _this_users(connection):
                connection.close()
                continue
            children.add(_fork(connection, parser, log, (listener, lock)))
            connection.close()
    finally:
        if _same_file(where, own):
            os.unlink(where)
        listener.close()


def _look_around() -> float:
    """``LOOK_AROUND``, or the shorter time ``LOOK_SETTING`` names (at least 0.05 s)."""
    try:
        return min(max(float(os.environ.get(LOOK_SETTING, LOOK_AROUND)), 0.05), LOOK_AROUND)
    except ValueError:
        return LOOK_AROUND


def _open_log(stem: str) -> IO[str]:
    """The log of answered events, started afresh once it has grown too long. The server opens
    it, so that its children, which go to their events' working directories, write to this one:
    each line in one write, at its end."""
    log = f"{stem}.log"
    if os.path.exists(log) and os.path.getsize(log) > MAX_LOG_BYTES:
        os.unlink(log)
    return open(log, "a", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115 - for the server's life


def _fork(connection: socket.socket, parser: argparse.ArgumentParser, log: IO[str], servers: tuple[socket.socket, IO[str]]) -> int:
    """A child that answers the event on ``connection`` and exits, its process id; the server goes
    back to waiting at once. The child closes the server's own ``servers`` (listener and lock)."""
    import signal

    child = os.fork()
    if child == 0:
        for own in servers:
            own.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            _answer(connection, parser, log)
        finally:
            os._exit(0)
    return child


def _reap(children: set[int]) -> None:
    """Forget the children that have ended (and let the system forget them too)."""
    for child in list(children):
        try:
            ended, _ = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            ended = child
        if ended:
            children.discard(child)


def _this_users(connection: socket.socket) -> bool:
    """Whether the process at the other end of ``connection`` is this user's."""
    try:
        return peer_uid(connection) == os.getuid()
    except OSError:
        return False


def _same_file(path: str, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _preload() -> argparse.ArgumentParser:
    """Import and warm what answering an event needs, once, before any child is forked; the
    command line's parser, built once too (it reads ``reviewbot hook``'s flags the same way)."""
    import libcst  # noqa: F401

    from reviewbot import cache, diff, files, logs, project, session  # noqa: F401
    from reviewbot.arguments import build_parser
    from reviewbot.config import build_settings
    from reviewbot.hooks import command  # noqa: F401
    from reviewbot.workers import scan_one

    # One file through every rule: the imports and compiled patterns the first scan needs.
    scan_one("warm_up.py", WARM_UP, build_settings({}))
    return build_parser()


# A module that reaches most rules' code paths.
WARM_UP = b'''"""Warm-up."""
import os
import requests


def fetch(url: str) -> dict:
    """Fetch."""
    try:
        return requests.get(url, timeout=5).json()
    except Exception:
        print(os.environ.get("X"))
        return {}
'''


def _answer(connection: socket.socket, parser: argparse.ArgumentParser, log: IO[str]) -> None:
    """One event, in a forked child: run as the client's own process would (its working directory,
    environment, umask and warnings on standard error), reply, then count what it tells as told.

    Anything but a hook command that parses gets no reply: the client then runs it itself, and
    says what is wrong with it.
    """
    import io

    from reviewbot.hooks.command import answer
    from reviewbot.logs import log_to_stderr

    started = time.perf_counter()
    try:
        request = json.loads(_read_request(connection).decode("utf-8", "surrogateescape"))
        os.chdir(request["cwd"])
        environment = _environment(request["env"])
        os.environ.clear()
        os.environ.update(environment)
        os.umask(int(request["umask"]))
        try:
            args = parser.parse_args(request["argv"])
        except SystemExit:
            return
        if args.command != "hook":
            return
        sys.stderr = captured = io.StringIO()
        log_to_stderr(False)
        # This child is the event's own process: a crash loses no other event, and the client
        # then answers the event itself.
        reply = answer(args, request["stdin"], isolate=False)
        response = {"status": reply.status, "stdout": reply.stdout, "stderr": captured.getvalue() + reply.stderr}
        # A client that takes its reply a byte at a time does not hold this child for longer.
        connection.settimeout(STALLED)
        connection.sendall(json.dumps(response).encode("utf-8", "surrogateescape"))
        reply.delivered()
        seconds = time.perf_counter() - started
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {args.agent} {request['cwd']} status {reply.status} {seconds:.3f} s\n")
        log.flush()
    except (OSError, ValueError, KeyError, TypeError):
        pass
    finally:
        connection.close()


def _environment(client: object) -> dict[str, str]:
    """The event's environment: the client's, but for what chooses programs (``SERVERS_OWN``),
    which stays the server's own."""
    if not isinstance(client, dict):
        raise TypeError("the environment is no mapping")

    def servers(name: str) -> bool:
        return name in SERVERS_OWN or name.startswith(SERVERS_OWN_PREFIXES)

    taken = {name: value for name, value in client.items() if not servers(name)}
    environment = {**taken, **{name: value for name, value in os.environ.items() if servers(name)}}
    return {name: value for name, value in environment.items() if not locates_git(name)}


if __name__ == "__main__":
    serve(sys.argv[1])
