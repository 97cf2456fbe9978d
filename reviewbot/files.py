"""Reading and writing the files reviewbot itself handles, safely on a hostile checkout.

A pull request can commit a symbolic link where a config, baseline or source file is expected,
pointing at ``/dev/zero`` or at a secret elsewhere on the runner, or put a FIFO there, which blocks
whoever opens it. So reads take regular files only, never through a link, and never more than a
limit; writes go to a temporary file renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
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


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory, renamed into place."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(text)
        # The permissions a plain write would give: the old file's, else the umask's (not mkstemp's 0600).
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
