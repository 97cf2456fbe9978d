"""The hook server: hook events answered with Python, LibCST and the rules already loaded.

An agent waits for its hook after every edit, and a new process spends most of that wait starting
Python and importing LibCST and the rules (docs/agents.md, "Speed"). So the first event
``reviewbot hook`` answers in its own process, as it always could, and starts this server in the
background; the events after it are handed to the server over a Unix socket in a directory only
the user can enter. The server answers each in a child forked for it, with the client's working
directory and environment: one event's state and failures stay its own, and parallel events are
answered in parallel. When no answer comes (no server yet, or a failed child), the client answers
the event itself, so nothing is lost.

The socket is named by a fingerprint of reviewbot's files and its Python environment: an upgrade is
served by a new server, never by old code. A server exits after ``IDLE`` seconds without an event.
``REVIEWBOT_HOOK_SERVER=off`` answers every event in its own process.

The client half runs before anything else of reviewbot is imported (``reviewbot.__main__``), so it
uses the standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import sys
import time
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

# The environment variable that turns the server off (``off``).
SWITCH = "REVIEWBOT_HOOK_SERVER"
# Seconds without an event after which the server exits.
IDLE = 1800
# Seconds between a waiting server's looks at its socket and its idle time.
LOOK_AROUND = 30
# Seconds a client waits to be accepted before it answers the event itself.
CONNECT_TIMEOUT = 2.0
# Seconds a server's child waits for a client that stopped sending or reading.
STALLED = 60.0
# The longest socket path every system can bind.
MAX_SOCKET_PATH = 104
# A server that finds its log of answered events larger than this starts it afresh.
MAX_LOG_BYTES = 256 * 1024


def address() -> str | None:
    """The socket of the server for this reviewbot and environment, or ``None``: switched off, no
    Unix sockets or ``fork`` here, or no private directory to hold it (one that another user owns
    or can enter is never used)."""
    if os.environ.get(SWITCH, "").strip().lower() == "off" or not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"):
        return None
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    directory = os.path.join(base, f"reviewbot-{os.getuid()}")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    # An import path relative to this working directory would mean nothing in the server's.
    if any(entry and not os.path.isabs(entry) and os.path.exists(entry) for entry in sys.path[1:]):
        return None
    try:
        where = os.path.join(directory, f"{fingerprint()}.sock")
    except OSError:
        return None  # a file of reviewbot's removed while it is read: an upgrade under way
    # A socket's path has room for 104 bytes on some systems (108 on Linux).
    return where if len(os.fsencode(where)) < MAX_SOCKET_PATH else None


def fingerprint() -> str:
    """What the answers depend on besides the event: the interpreter, where imports come from,
    reviewbot's files (modules and packs, by size and time) and the installed packages (by the time
    their directory last changed, which any install or upgrade does)."""
    package = os.path.dirname(os.path.abspath(__file__))
    # ``sys.path[0]`` is the script's directory (the client) or the working directory (the server).
    parts = [sys.prefix, os.path.realpath(sys.executable), sys.version, *sys.path[1:]]
    # In a source checkout the packs live beside the package, in rules/.
    checkout_rules = os.path.join(os.path.dirname(package), "rules")
    for top in (package,) if os.path.isdir(os.path.join(package, "rules")) else (package, checkout_rules):
        for folder, folders, names in os.walk(top):
            folders[:] = sorted(name for name in folders if name != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".yml")):
                    info = os.stat(os.path.join(folder, name))
                    parts.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
    for entry in sys.path:
        if entry.endswith("-packages") and os.path.isdir(entry):
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:24]


def read_event() -> bytes:
    """Standard input, whole; closed or unreadable input is empty (a broken event, not a crash)."""
    stream = sys.stdin
    try:
        return stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode() if stream is not None else b""
    except (OSError, ValueError):
        return b""


def ask(arguments: list[str]) -> int | None:
    """Hand ``reviewbot ARGUMENTS`` (a hook command) and its event to the server: its exit status
    once the reply is written, or ``None`` when no server answered."""
    # Help, and a person typing at a terminal, are no events: the command line answers them.
    if "-h" in arguments or "--help" in arguments or sys.stdin is None or _terminal(sys.stdin):
        return None
    where = address()
    if where is None:
        return None
    event = read_event()
    umask = os.umask(0o077)
    os.umask(umask)
    request = {"argv": arguments, "stdin": event.decode("utf-8", errors="replace"), "cwd": "", "env": dict(os.environ), "umask": umask}
    try:
        request["cwd"] = os.getcwd()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(CONNECT_TIMEOUT)
            connection.connect(where)
            # The answer takes as long as the check does; the agent's own hook timeout bounds it.
            connection.settimeout(None)
            connection.sendall(json.dumps(request).encode("utf-8", "surrogateescape"))
            connection.shutdown(socket.SHUT_WR)
            answer = json.loads(_read_all(connection))
        status, stdout, stderr = int(answer["status"]), str(answer["stdout"]), str(answer["stderr"])
    except (OSError, ValueError, KeyError, TypeError):
        # The event has been read: it is handed on as standard input to the process answering it.
        import io

        sys.stdin = io.TextIOWrapper(io.BytesIO(event), encoding="utf-8", errors="replace")
        return None
    for stream, text in ((sys.stdout, stdout), (sys.stderr, stderr)):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
        stream.write(text)
    return status


def _terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False  # closed: an empty event, which the command line calls broken


def start() -> None:
    """Start the server in the background for the events to come, unless one is running or none can."""
    import subprocess

    where = address()
    if where is None or _accepts(where) or _failed_lately(f"{where[: -len('.sock')]}.failed"):
        return
    try:
        # Its own session, so that the agent ending this hook's process group leaves it alone; the
        # private directory as its working directory, so that no module of the project's can
        # shadow one of reviewbot's.
        subprocess.Popen(
            [sys.executable, "-m", "reviewbot.hookserver", where],
            cwd=os.path.dirname(where),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        pass  # the event was answered; the next one starts it again


def _failed_lately(marker: str) -> bool:
    """Whether a server for this reviewbot could not start in the last ``IDLE`` seconds (its log
    says why): not tried again before then, in case the cause was that moment's environment."""
    try:
        return time.time() - os.stat(marker).st_mtime < IDLE
    except OSError:
        return False


def _accepts(where: str) -> bool:
    """Whether a server listens on ``where``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(CONNECT_TIMEOUT)
        try:
            probe.connect(where)
        except OSError:
            return False
    return True


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def serve(where: str) -> None:
    """Answer events on the socket ``where`` until ``IDLE`` seconds pass without one, the socket
    is removed, reviewbot's files change, or the server is told to end (SIGTERM).

    A server started for another reviewbot than this one, or while another serves the same socket,
    leaves at once.
    """
    import fcntl
    import signal

    if os.path.basename(where) != f"{fingerprint()}.sock":
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

    # The log of answered events starts afresh once it has grown too long.
    log = f"{stem}.log"
    if os.path.exists(log) and os.path.getsize(log) > MAX_LOG_BYTES:
        os.unlink(log)
    try:
        parser = _preload()
    except Exception as error:  # noqa: BLE001 - said in the log; the hook's own process answers instead
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} cannot start: {type(error).__name__}: {error}\n")
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
    listener.settimeout(LOOK_AROUND)
    own, last = os.stat(where).st_ino, time.monotonic()
    # The system reaps the children; this process only accepts and forks.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # What was loaded stays shared with the children instead of being copied by the collector.
    gc.freeze()
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        while not ending:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                # Idle for long enough, unreachable (its socket removed or taken), or out of date.
                if time.monotonic() - last > IDLE or not _same_file(where, own) or os.path.basename(where) != f"{fingerprint()}.sock":
                    return
                continue
            last = time.monotonic()
            # The child answers the event and exits; the parent goes back to waiting at once.
            if os.fork() == 0:
                listener.close()
                lock.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                try:
                    _answer(connection, parser, log)
                finally:
                    os._exit(0)
            connection.close()
    finally:
        if _same_file(where, own):
            os.unlink(where)
        listener.close()


def _same_file(path: str, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _preload() -> argparse.ArgumentParser:
    """Import and warm what answering an event needs, once, before any child is forked; the
    command line's parser, built once too."""
    import git  # noqa: F401 - imported for the children
    import libcst  # noqa: F401

    from reviewbot import cache, cli, diff, project, session  # noqa: F401
    from reviewbot.arguments import build_parser
    from reviewbot.config import build_settings
    from reviewbot.hooks import adapters  # noqa: F401
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


def _answer(connection: socket.socket, parser: argparse.ArgumentParser, log: str) -> None:
    """One event, in a forked child: run as the client's own process would (its working directory,
    environment, umask and warnings on standard error), reply, then count what it tells as told.

    Anything but a hook command that parses gets no reply: the client then runs it itself, and
    says what is wrong with it.
    """
    import io
    from dataclasses import replace

    from reviewbot.cli import hook_options, log_to_stderr
    from reviewbot.hooks import run

    started = time.perf_counter()
    # A client that stalls does not hold this child for ever.
    connection.settimeout(STALLED)
    try:
        if hasattr(socket, "SO_PEERCRED"):
            import struct

            _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
            if uid != os.getuid():
                return
        request = json.loads(_read_all(connection).decode("utf-8", "surrogateescape"))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
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
        reply = run(args.agent, request["stdin"], replace(hook_options(args), isolate=False))
        answer = {"status": reply.status, "stdout": reply.stdout, "stderr": captured.getvalue() + reply.stderr}
        connection.sendall(json.dumps(answer).encode("utf-8", "surrogateescape"))
        reply.delivered()
        seconds = time.perf_counter() - started
        with open(log, "a", encoding="utf-8", errors="backslashreplace") as file:
            file.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {args.agent} {request['cwd']} status {reply.status} {seconds:.3f} s\n")
    except (OSError, ValueError, KeyError, TypeError):
        pass
    finally:
        connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
