"""The hook server's client half: a hook event handed to the resident server (``reviewbot.hookserver``),
and the server started for the events to come.

``reviewbot hook`` runs this first (``reviewbot.__main__``), before anything else of reviewbot is
imported, so it uses the standard library only. Whenever no answer comes (no server yet, a failed
child, a refusal), ``ask`` hands the event back and the hook's own process answers it, so nothing
is lost. Who may talk to whom is said in ``reviewbot.hookserver``: this half finds the socket only
in a directory of this user's that no other user can swap (``address``), and sends nothing to a
server run by another user (``peer_uid``).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import sys
import time

# The environment variable that turns the server off (``off``).
SWITCH = "REVIEWBOT_HOOK_SERVER"
# Seconds without an event after which the server exits; a server that could not start is not
# tried again for as long.
IDLE = 1800
# Seconds a client waits to be accepted before it answers the event itself.
CONNECT_TIMEOUT = 2.0
# The largest request a server reads (an event carries the file an agent wrote, and the client's
# environment): a larger one is refused after this many bytes, and the client answers it itself.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
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
    if not private(info):
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


def private(info: os.stat_result) -> bool:
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
    if any(locates_git(name) for name in os.environ):
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


def locates_git(name: str) -> bool:
    """Whether the variable ``name`` chooses the repository, index or configuration git reads."""
    return name in GIT_LOCATING or name.startswith("GIT_CONFIG_")
