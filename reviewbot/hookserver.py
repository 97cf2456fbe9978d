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
# Seconds between a waiting server's looks at its socket and its idle time; ``LOOK_SETTING`` may
# shorten it (a test that removes a socket or changes reviewbot's files need not wait that long).
LOOK_AROUND = 30.0
LOOK_SETTING = "REVIEWBOT_HOOK_SERVER_LOOK"
# Seconds a client waits to be accepted before it answers the event itself.
CONNECT_TIMEOUT = 2.0
# Seconds a server's child gives its client to send the whole request, and again to take the
# whole reply: a client that stalls, or drips a byte at a time, holds a child no longer. The client
# has its request ready before it connects, so it needs a fraction of that.
STALLED = 10.0
# The largest request a server reads (an event carries the file an agent wrote, and the client's
# environment): a larger one is refused after this many bytes, and the client answers it itself.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
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
# Git variables that choose what git reads: a client that sets one answers its event itself (``ask``).
# The child has none of them, not even the server's own (it may have been started inside a git hook).
GIT_LOCATING = frozenset(
    {
        *("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"),
        *("GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS"),
        *("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"),
    }
)
# The longest socket path every system can bind.
MAX_SOCKET_PATH = 104
# A server that finds its log of answered events larger than this starts it afresh.
MAX_LOG_BYTES = 256 * 1024


def address() -> str | None:
    """The socket of the server for this reviewbot and environment, or ``None``: switched off, no
    Unix sockets or ``fork`` here, or no private directory to hold it (one that another user owns
    or can enter is never used, nor one in a directory where others could swap it)."""
    if os.environ.get(SWITCH, "").strip().lower() == "off" or not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"):
        return None
    if not _names_peers():
        return None
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    if not _closed_to_others(base):
        return None
    directory = os.path.join(base, f"reviewbot-{os.getuid()}")
    try:
        os.mkdir(directory, mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(directory)
    except OSError:
        return None
    if not _private(info):
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


def _closed_to_others(base: str) -> bool:
    """Whether no other user can rename what ``base`` or any directory above it holds: each belongs
    to this user or root, and nobody else may write to it unless it is sticky (``/tmp``), where each
    may rename only their own (OpenSSH checks its files' paths so). Both the path as written and the
    one its links lead to are checked. Elsewhere the socket's directory could be swapped for another
    user's between a look at it and a connection (the client's check of its peer still stops that;
    this keeps it from coming to that)."""
    for path in {os.path.abspath(base), os.path.realpath(base)}:
        while True:
            try:
                info = os.stat(path)
            except OSError:
                return False
            open_to_others = bool(info.st_mode & 0o022) and not info.st_mode & stat.S_ISVTX
            if not stat.S_ISDIR(info.st_mode) or info.st_uid not in (0, os.getuid()) or open_to_others:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
    return True


def _private(info: os.stat_result) -> bool:
    """Whether ``info`` (from ``lstat``) is a directory of this user's that nobody else can enter."""
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _names_peers() -> bool:
    """Whether this system says who is at the other end of a Unix socket (``peer_uid``)."""
    if sys.platform.startswith("linux"):
        return True
    try:
        import ctypes

        return hasattr(ctypes.CDLL(None), "getpeereid")
    except (ImportError, OSError):
        return False


def peer_uid(connection: socket.socket) -> int | None:
    """The user id of the process at the other end of ``connection`` (a server: the one that
    listens), or ``None`` where the system does not say."""
    if sys.platform.startswith("linux"):
        import struct

        # struct ucred: pid, uid, gid (OpenBSD's SO_PEERCRED orders them otherwise).
        layout = "iII"
        _, uid, _ = struct.unpack(layout, connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize(layout)))
        return int(uid)
    try:
        import ctypes

        # The BSDs and macOS have getpeereid(2), which Python's socket module does not wrap.
        uid, gid = ctypes.c_uint32(), ctypes.c_uint32()
        if ctypes.CDLL(None).getpeereid(connection.fileno(), ctypes.byref(uid), ctypes.byref(gid)) == 0:
            return uid.value
    except (ImportError, OSError, AttributeError):
        pass
    return None


def _connect(where: str) -> socket.socket:
    """A connection to the server on ``where``, once its process is known to be this user's:
    ``OSError`` otherwise, before a byte is sent, so that whoever else listens there hears nothing."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(CONNECT_TIMEOUT)
        connection.connect(where)
        if peer_uid(connection) != os.getuid():
            raise ConnectionRefusedError(f"{where} is not served by this user")
    except BaseException:
        connection.close()
        raise
    return connection


def fingerprint() -> str:
    """What the answers depend on besides the event: the interpreter, where imports come from,
    reviewbot's files (by size and time, and packs by their bytes too) and the installed packages
    (by the time their directory last changed, which any install or upgrade does).

    Python itself knows a module by its size and time (its cached bytecode does), so those are
    what a new process would see too; a pack is read as it is, so a pack rewritten with the same
    size and time is another pack. Packs are small: hashing them costs microseconds.
    """
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
                if name.endswith(".yml"):
                    with open(os.path.join(folder, name), "rb") as pack:
                        parts.append(hashlib.sha256(pack.read()).hexdigest())
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
    # Git told which repository, index or configuration to read (inside a git hook, say): the
    # server's child keeps the server's own git variables, so only this process answers as told.
    if any(_locates_git(name) for name in os.environ):
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
        data = json.dumps(request).encode("utf-8", "surrogateescape")
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError("too large for the server")
        with _connect(where) as connection:
            # The answer takes as long as the check does; the agent's own hook timeout bounds it.
            connection.settimeout(None)
            connection.sendall(data)
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
        # Its own session, so that the agent ending this hook's process group leaves it alone. It
        # starts in the root directory, which ``-m`` puts first on its import path: not the
        # project's (whose modules could shadow reviewbot's), nor the socket's, whose path could
        # lead elsewhere by then; ``serve`` enters the socket's directory once it has checked it.
        subprocess.Popen(
            [sys.executable, "-m", "reviewbot.hookserver", where],
            cwd="/",
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
    """Whether a server of this user's listens on ``where``."""
    try:
        _connect(where).close()
    except OSError:
        return False
    return True


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


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
        if not _private(os.lstat(".")):
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


def _answer(connection: socket.socket, parser: argparse.ArgumentParser, log: IO[str]) -> None:
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
        reply = run(args.agent, request["stdin"], replace(hook_options(args), isolate=False))
        answer = {"status": reply.status, "stdout": reply.stdout, "stderr": captured.getvalue() + reply.stderr}
        # A client that takes its reply a byte at a time does not hold this child for longer.
        connection.settimeout(STALLED)
        connection.sendall(json.dumps(answer).encode("utf-8", "surrogateescape"))
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
    return {name: value for name, value in environment.items() if not _locates_git(name)}


def _locates_git(name: str) -> bool:
    """Whether the variable ``name`` chooses the repository, index or configuration git reads."""
    return name in GIT_LOCATING or name.startswith("GIT_CONFIG_")


if __name__ == "__main__":
    serve(sys.argv[1])
