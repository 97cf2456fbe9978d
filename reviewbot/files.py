"""Reading and writing the files reviewbot itself handles, safely on a hostile checkout.

A pull request can commit a symbolic link where a config, baseline or source file is expected,
pointing at ``/dev/zero`` or at a secret elsewhere on the runner, or put a FIFO there, which blocks
whoever opens it. So reads take regular files only, never through a link, and never more than a
limit; writes go to a temporary file renamed into place, so a reader never sees half a file.

Where reviewbot writes or deletes (the cache, the hooks' state, the baseline) a link may also stand
for a directory on the way, and a coding agent's shell can make one at any time. So those files are
reached through ``Directory``: a walk down from the repository root that opens each directory
relative to the one above it, never following a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from reviewbot.errors import ConfigError, ReviewbotError


def read_text_file(path: Path, limit: int, name: str, kind: str = "config file", error_class: type[ReviewbotError] = ConfigError) -> str:
    """A small UTF-8 text file the repository holds (config, baseline), read as ``read_source`` reads.

    Anything else is an ``error_class`` naming the file: a symbolic link (it could point anywhere on
    the machine, ``/dev/zero`` or a secret), a device or FIFO, more than ``limit`` bytes, not UTF-8.
    """
    try:
        data = read_source(path, limit, f"the limit for a {kind}")
    except NotScanned as error:
        raise error_class(f"{name}: {error}") from None
    except OSError as error:
        raise error_class(f"{name}: cannot read {kind}: {error.strerror}") from None
    if len(data) > limit:
        raise error_class(f"{name}: more than the {limit} bytes allowed for a {kind}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise error_class(f"{name}: not UTF-8 (byte {data[error.start]:#04x} at offset {error.start})") from None


def _no_follow(path: str, flags: int) -> int:
    """``open`` that refuses a symbolic link swapped in after the check (``O_NOFOLLOW``)."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))


def write_atomic(path: Path, text: str | bytes, root: Path) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory, renamed into place.

    Below ``root`` (the repository) no directory on the way may be a link (``LinkedPath``); a path
    outside it was named by the user, and its directories are taken as given. A link at ``path``
    itself is replaced, never written through.
    """
    absolute = Path(os.path.abspath(path))
    steps = steps_from(root, absolute.parent)
    start, steps = (root, steps) if steps is not None else (absolute.parent, ())
    with open_directory(start, steps) as directory:
        directory.write(absolute.name, text)


class LinkedPath(OSError):
    """A directory on the way to a file reviewbot writes is a symbolic link, or no directory at all."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.strerror = why


def steps_from(root: Path, path: Path | str) -> tuple[str, ...] | None:
    """The directory names that lead from ``root`` down to ``path`` (relative to ``root``, or absolute),
    by text alone: ``..`` is undone in the name, never by following a link. ``None`` when ``path``
    leaves ``root``."""
    try:
        relative = Path(os.path.relpath(os.path.normpath(root / path), root))
    except ValueError:
        return None  # another drive
    if relative.parts[:1] == ("..",):
        return None
    return tuple(part for part in relative.parts if part != ".")


# Files opened relative to a directory's descriptor are what make a walk free of links; without
# ``dir_fd`` (Windows, which has no O_NOFOLLOW either) each step is checked with ``lstat`` instead.
_AT = {os.open, os.mkdir, os.rename, os.unlink, os.stat} <= os.supports_dir_fd and os.listdir in os.supports_fd
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def open_directory(root: Path, steps: Iterable[str] = (), create: bool = False) -> Directory:
    """The directory ``root/steps...``, each step taken without following a link (``LinkedPath`` if
    one is) and made when missing if ``create``.

    ``root`` itself is taken as given: it is the repository the user works in, and may lie below a
    link of the system's own (``/tmp`` on macOS).
    """
    descriptor = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if _AT else None
    directory = Directory(root, "", descriptor)
    for step in steps:
        try:
            inner = directory.directory(step, create)
        finally:
            directory.close()
        directory = inner
    return directory


class Directory:
    """A directory reached without following a link, whose files are used without following one.

    With ``dir_fd`` every name is resolved relative to the directory's descriptor, so a link swapped
    in for the directory or one above it after it was opened changes nothing. Without it (Windows)
    each name is checked with ``lstat`` before it is used, and a link made between the check and the
    use goes unnoticed.
    """

    def __init__(self, path: Path, shown: str, descriptor: int | None) -> None:
        self.path = path
        # How messages name it: relative to where the walk started.
        self.shown = shown
        self.descriptor = descriptor

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the directory's descriptor."""
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None

    def directory(self, name: str, create: bool = False) -> Directory:
        """The subdirectory ``name``, made when missing if ``create``; ``LinkedPath`` if it is a link."""
        target, at = self._at(name)
        shown = f"{self.shown}/{name}" if self.shown else name
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(target, dir_fd=at)
        if at is None:
            _refuse(os.lstat(target), shown)
            return Directory(self.path / name, shown, None)
        try:
            descriptor = os.open(target, os.O_RDONLY | os.O_DIRECTORY | _NO_FOLLOW, dir_fd=at)
        except OSError as error:
            # A link (ELOOP, EMLINK on FreeBSD) or a file: say which.
            if error.errno in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR):
                _refuse(os.stat(target, dir_fd=at, follow_symlinks=False), shown)
            raise
        return Directory(self.path / name, shown, descriptor)

    def read(self, name: str, limit: int) -> bytes:
        """The bytes of the regular file ``name``, never through a link; ``NotScanned`` past ``limit``."""
        target, at = self._at(name)
        if stat.S_ISLNK(os.stat(target, dir_fd=at, follow_symlinks=False).st_mode):
            raise NotScanned("symbolic link, not read")
        with open(os.open(target, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=at), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise NotScanned("not a regular file, not read")
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise NotScanned(f"more than {limit} bytes, not read")
        return data

    def write(self, name: str, text: str | bytes) -> None:
        """Replace ``name`` by ``text`` (UTF-8, or bytes as they are) through a temporary file renamed
        into place: a reader sees the old file or the new one, and a link at ``name`` is replaced,
        never written through."""
        target, at = self._at(name)
        temporary, _ = self._at(f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            old: os.stat_result | None = os.stat(target, dir_fd=at, follow_symlinks=False)
        except FileNotFoundError:
            old = None
        # O_EXCL opens no name that exists, a link included; 0o666 leaves the rest to the umask.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o666, dir_fd=at)
        try:
            with open(descriptor, "wb") as stream:
                # The permissions a plain write would keep: the old file's.
                if old is not None and stat.S_ISREG(old.st_mode):
                    os.chmod(descriptor if os.chmod in os.supports_fd else temporary, stat.S_IMODE(old.st_mode))
                stream.write(text if isinstance(text, bytes) else text.encode("utf-8", "backslashreplace"))
            os.replace(temporary, target, src_dir_fd=at, dst_dir_fd=at)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=at)
            raise

    def create(self, name: str, text: str) -> None:
        """Write ``name`` unless something is there already (a link included, which is left alone)."""
        target, at = self._at(name)
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o666, dir_fd=at)
        except FileExistsError:
            return
        with open(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)

    def lstat(self, name: str) -> os.stat_result:
        """``name``'s own status: a link's, not its target's."""
        target, at = self._at(name)
        return os.stat(target, dir_fd=at, follow_symlinks=False)

    def entries(self) -> list[tuple[str, os.stat_result]]:
        """Every name in the directory with its own status (a link's, not its target's)."""
        found = []
        for name in os.listdir(self.descriptor if self.descriptor is not None else self.path):
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                found.append((name, self.lstat(name)))
        return found

    def unlink(self, name: str) -> None:
        """Remove ``name``; a link is removed itself, its target is left alone."""
        target, at = self._at(name)
        os.unlink(target, dir_fd=at)

    def status(self) -> os.stat_result:
        """The directory's own status (its owner, say)."""
        return os.fstat(self.descriptor) if self.descriptor is not None else os.lstat(self.path)

    def _at(self, name: str) -> tuple[str, int | None]:
        """``name`` as the system's functions take it: relative to the descriptor, else a whole path."""
        if name in ("", ".", "..") or os.sep in name or "/" in name:
            raise ValueError(f"not a name in a directory: {name!r}")
        return (name, self.descriptor) if self.descriptor is not None else (str(self.path / name), None)


def _refuse(status: os.stat_result, shown: str) -> None:
    """``LinkedPath`` unless ``status`` is a directory's."""
    if stat.S_ISLNK(status.st_mode):
        raise LinkedPath(f"{shown} is a symbolic link, not followed")
    if not stat.S_ISDIR(status.st_mode):
        raise LinkedPath(f"{shown} is not a directory")


# Directories never scanned when walking a plain directory (git mode uses .gitignore instead), nor
# looked into for agent files.
SKIPPED_DIRECTORIES = frozenset(
    {"__pycache__", "node_modules", "venv", "env", "build", "dist", "site-packages", "__pypackages__"}
)
# The most of one source file ever read; ``max-file-bytes`` (2 MiB by default) reports it earlier.
MAX_SOURCE_BYTES = 256 << 20


class NotScanned(OSError):
    """A path that is not a regular file (a symbolic link, a FIFO, a device), or too large to read."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.strerror = why


def read_source(path: Path, limit: int, limit_name: str = "max-file-bytes") -> bytes:
    """The bytes of a regular file, at most ``limit`` (+1, to tell a larger one), never through a link.

    Raises ``NotScanned`` (an ``OSError``, reported as RB001 for a file to scan) otherwise: a
    committed link may point at ``/dev/zero`` or a secret, a FIFO blocks whoever opens it.
    """
    status = path.lstat()
    if stat.S_ISLNK(status.st_mode):
        raise NotScanned("symbolic link, not read")
    if not stat.S_ISREG(status.st_mode):
        raise NotScanned("not a regular file (a FIFO, device or socket), not read")
    if status.st_size > limit:
        raise NotScanned(f"file is {status.st_size} bytes, over {limit_name} ({limit})")
    with open(path, "rb", opener=_no_follow) as stream:
        return stream.read(limit + 1)
