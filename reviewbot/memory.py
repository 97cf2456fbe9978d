"""``max-memory``: how much memory one file's scan may take, written as people write sizes.

A two-megabyte line of Python can make LibCST's native parser take gigabytes before
``--file-timeout`` ends it. The cap is the address-space limit (``RLIMIT_AS``) of the process that
scans: a worker for its whole life, the hook server's child only around each file. Past it an
allocation fails: Python raises ``MemoryError``, LibCST's native parser aborts the process
(SIGABRT); either way the file is an RB002. Linux enforces the limit; macOS accepts it and ignores
it, and Windows has no ``resource`` module: there nothing is capped.
"""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# The default cap: far above what real files need (two megabytes of ordinary Python, as large as
# the default ``max-file-bytes`` lets through, take about 600 MiB to scan).
DEFAULT_MAX_MEMORY = 4 << 30
# Below this not even a small file's scan fits (a worker starts at about 50 MiB): a cap this low is
# taken for a size written without its unit.
MIN_MAX_MEMORY = 100 << 20
# Binary units only: "GB" would leave the reader guessing between 10**9 and 2**30.
UNITS = {"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", re.IGNORECASE)
# Where the platform enforces ``RLIMIT_AS``, so that a process ending in SIGABRT under a cap most
# likely hit it (LibCST's native parser aborts when an allocation fails).
ENFORCED = sys.platform.startswith("linux")


def parse_size(value: object) -> int | None:
    """``"4GiB"``, ``"512 MiB"`` or a number of bytes -> bytes; ``"none"`` -> ``None`` (no cap).

    ``ValueError`` says what is wrong, for the caller to prefix with the flag or key.
    """
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    match = SIZE.fullmatch(value) if isinstance(value, str) else None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif match is not None and match[2].lower() in UNITS:
        # "1.5" is 15 tenths: integers keep it exact (and spare importing ``fractions`` at each start).
        whole, _, decimals = match[1].partition(".")
        size = int(whole + decimals) * UNITS[match[2].lower()] // 10 ** len(decimals)
    else:
        raise ValueError(f"expected a size such as 4GiB or 512MiB (units B, KiB, MiB, GiB, TiB), a number of bytes, or none; got {value!r}")
    if size < MIN_MAX_MEMORY:
        raise ValueError(f"{describe(size)} is below {describe(MIN_MAX_MEMORY)}, too little to scan any file (a unit missing?)")
    return size


def describe(size: int) -> str:
    """``4294967296`` -> ``"4 GiB"``: the largest binary unit that holds the size exactly."""
    for unit, factor in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def over(size: int | None) -> str:
    """Why a file that ran out of memory was lost, for its RB002."""
    return f"went over max-memory ({describe(size)})" if size is not None else "ran out of memory"


def aborted_over(code: int | None, size: int | None) -> bool:
    """Whether a worker that ended with exit code ``code`` most likely went over the cap ``size``."""
    return ENFORCED and size is not None and code == -signal.SIGABRT


def limit(size: int | None) -> tuple[int, int] | None:
    """Lower this process's address-space limit to ``size`` bytes; the limits it had, for
    ``restore``, or ``None`` when nothing changed (no cap, a lower limit already, no ``RLIMIT_AS``)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    if size is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and soft <= size:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_AS, (size, hard))
    except (ValueError, OverflowError, OSError):
        return None
    return soft, hard


def restore(previous: tuple[int, int] | None) -> None:
    """Give back the limits ``limit`` replaced (a process may raise its soft limit up to its hard one)."""
    if previous is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, previous)


@contextmanager
def capped(size: int | None) -> Iterator[None]:
    """The address-space limit lowered to ``size`` for the block only."""
    previous = limit(size)
    try:
        yield
    finally:
        restore(previous)


def exhausted() -> bool:
    """Whether this process has come within half of its address-space limit, so that a bare
    ``MemoryError`` means memory ran out. (Python 3.10 and 3.11 raise the same bare
    ``MemoryError`` when their parser's stack overflows on deep nesting, which takes little memory.)
    Without a limit, or where the peak cannot be read, no."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:"))
    except (ImportError, OSError, ValueError, IndexError, StopIteration):
        return False
    return soft != resource.RLIM_INFINITY and peak >= soft // 2
