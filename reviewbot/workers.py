"""Phase 1 in worker processes, one file at a time per worker, so a file can only lose itself.

A worker that dies (a signal, the native parser overflowing the C stack, the out-of-memory killer),
goes over ``max-memory`` or spends longer than ``--file-timeout`` on one file costs one RB002
finding for the file it was scanning; a fresh worker takes its place, is given first the file that
was waiting in the dead worker's pipe, and the scan goes on. Results are keyed by path, so the
report is the same whatever the number of workers and the order in which they finish.
"""

from __future__ import annotations

import gc
import itertools
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reviewbot import memory
from reviewbot.checks import install
from reviewbot.config import Settings
from reviewbot.model import FileResult
from reviewbot.written import register

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

# Deeply nested expressions need more than Python's default recursion depth to walk. Set once in
# each process that scans (a worker, or the main process with ``--jobs 1``), never per file.
SCAN_RECURSION_LIMIT = 20_000
# A worker's exit status after a ``MemoryError``: the parent reports the file as over ``max-memory``.
OUT_OF_MEMORY = 3
# Tasks a worker holds at once: the one it scans and the next, already in its pipe, so that it never
# waits while this process reads the next file and takes the last one's findings (4 % of a scan).
HELD = 2
# Only a file this small waits in a busy worker's pipe: sending blocks once the pipe is full (from
# about 64 KiB), and this process must never block on a worker that is stuck or sending findings.
WAITING_BYTES = 32 << 10

# Called as each file finishes: its path, its result, and whether the file was lost (RB002 for a
# dead or timed-out worker, or one over ``max-memory``: worth scanning again next time, not worth
# caching).
OnDone = Callable[[str, FileResult, bool], None]


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def scan_one(path: str, data: bytes, settings: Settings) -> FileResult:
    """Phase 1 for one file, in whatever process runs it; a ``RecursionError`` becomes RB002, and a
    ``MemoryError`` is the caller's, which knows whether the process is worth keeping."""
    from reviewbot.engine import lost_file, scan_file

    # A parsed file is hundreds of thousands of young objects, and Python's cycle collector would
    # trace them again and again while they are built and walked: a fifth of a scan or more. They
    # hold no cycles (the walk breaks its own, see ``walk._release``), so reference counting frees
    # them; the collector is paused for the file and resumes between files.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return scan_file(path, data, settings)
    except RecursionError as error:
        return lost_file(settings, path, f"internal error: {type(error).__name__} while scanning this file")
    finally:
        if collecting:
            gc.enable()


class _Expired(BaseException):
    """``--file-timeout`` passed (a ``BaseException``: no rule's ``except Exception`` swallows it)."""


def scan_in_place(path: str, data: bytes, settings: Settings, file_timeout: float) -> tuple[FileResult, bool]:
    """``scan_one`` in this process, as a worker would run it: with a deep recursion limit, the
    address space capped at ``max-memory``, and an RB002 once ``file_timeout`` seconds have passed
    or memory ran out; and whether the file was lost so. The timer is seen between Python steps, so
    it cannot cut a native parse short, and the native parser ends the process when an allocation
    fails: only a disposable process (the hook server's child for one event) scans in place."""

    def expire(signum: int, frame: object) -> None:
        raise _Expired

    limit = sys.getrecursionlimit()
    previous = signal.signal(signal.SIGALRM, expire)
    try:
        sys.setrecursionlimit(max(limit, SCAN_RECURSION_LIMIT))
        # Like the recursion limit, the cap holds for the scan only: the process goes on after it.
        with memory.capped(settings.max_memory):
            # The timer is stopped inside the ``try`` that catches it: it may fire on the way out.
            try:
                signal.setitimer(signal.ITIMER_REAL, file_timeout)
                return scan_one(path, data, settings), False
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except (_Expired, MemoryError) as error:
        from reviewbot.engine import lost_file

        why = f"took longer than --file-timeout ({file_timeout:g} s)" if isinstance(error, _Expired) else memory.over(settings.max_memory)
        return lost_file(settings, path, f"internal error: {why}; the other files were scanned"), True
    finally:
        signal.signal(signal.SIGALRM, previous)
        sys.setrecursionlimit(limit)


def _serve(connection: Connection, settings: Settings) -> None:
    """A worker's life: scan each (path, bytes) received until told to stop (``None``)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), SCAN_RECURSION_LIMIT))
    # A spawned worker starts with the built-in rules only (a forked one has them all already).
    install(tuple(settings.plugins))
    register(settings.checks)
    memory.limit(settings.max_memory)
    # The parent handles Ctrl-C and ends its workers; a worker must not print a traceback for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        task = connection.recv()
        if task is None:
            return
        path, data = task
        try:
            result = scan_one(path, data, settings)
        except MemoryError:
            # A heap that has run out is not worth keeping: the parent starts a fresh worker.
            os._exit(OUT_OF_MEMORY)
        connection.send(result)


def _how_it_ended(code: int | None) -> str:
    """``signal SIGKILL`` or ``exit status 3``, from a process's exit code."""
    if code is None or code >= 0:
        return f"exit status {code}"
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


@dataclass
class _Worker:
    """One worker process, its end of the pipe, and the tasks it holds, oldest (being scanned) first."""

    process: BaseProcess
    connection: Connection
    held: deque[tuple[str, bytes]] = field(default_factory=deque)
    # When the worker began the oldest task it holds.
    started: float = 0.0


class Pool:
    """``jobs`` worker processes that scan files for one set of settings."""

    def __init__(self, settings: Settings, jobs: int, file_timeout: float) -> None:
        self.settings = settings
        self.jobs = jobs
        self.file_timeout = file_timeout
        # ``fork`` starts a worker in milliseconds with LibCST already imported; elsewhere, ``spawn``.
        # (Imported here: a scan the cache answers starts no worker.)
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        self.context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.workers: list[_Worker] = []
        # Tasks whose worker died before scanning them: they go out before any other.
        self.backlog: deque[tuple[str, bytes]] = deque()

    def _start(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(theirs, self.settings), daemon=True)
        process.start()
        # Only the worker holds its end now, so its death reads as end-of-file here.
        theirs.close()
        return _Worker(process, ours)

    def scan(self, tasks: Iterable[tuple[str, bytes]], on_done: OnDone, most: int) -> None:
        """Scan every (path, bytes) task, telling ``on_done`` about each file as it finishes.

        Tasks are taken as workers become free: a task's bytes are read only when it is sent.
        ``most`` bounds the number of tasks, so that two files never start sixteen workers.
        """
        pending = iter(tasks)
        first = next(pending, None)
        if first is None:
            return  # everything came from the cache: no worker is needed
        # Asked once here rather than once in every worker (which inherit the answer).
        from reviewbot.walk import fast_walk_is_exact, unvalidated_parse_is_exact

        fast_walk_is_exact()
        unvalidated_parse_is_exact()
        from multiprocessing.connection import wait

        pending = itertools.chain([first], pending)
        self.workers = [self._start() for _ in range(min(self.jobs, most))]
        try:
            while True:
                # Every worker's first task before any worker's second: a few files go to as many workers.
                for depth in range(1, HELD + 1):
                    for index in range(len(self.workers)):
                        if len(self.workers[index].held) >= depth:
                            continue
                        task = self.backlog.popleft() if self.backlog else next(pending, None)
                        if task is None:
                            break
                        if depth > 1 and len(task[1]) > WAITING_BYTES:
                            # A large file waits for an idle worker, first in line.
                            self.backlog.appendleft(task)
                            break
                        self._send(index, task)
                busy = [worker for worker in self.workers if worker.held]
                if not busy:
                    return
                deadline = min(worker.started for worker in busy) + self.file_timeout
                ready = wait([worker.connection for worker in busy], timeout=max(0.0, deadline - time.monotonic()))
                for worker in busy:
                    if worker.connection in ready:
                        self._receive(worker, on_done)
                    elif time.monotonic() - worker.started > self.file_timeout:
                        self._lose(worker, on_done, f"took longer than --file-timeout ({self.file_timeout:g} s)")
        finally:
            self.close()

    def _send(self, index: int, task: tuple[str, bytes]) -> None:
        """Give a task to the worker at ``index``; one that died while idle is replaced first (one
        that died holding tasks is found out by ``_receive``, and the task waits in the backlog)."""
        worker = self.workers[index]
        try:
            worker.connection.send(task)
        except OSError:
            if worker.held:
                self.backlog.append(task)
                return
            self._stop(worker)
            worker = self.workers[index] = self._start()
            worker.connection.send(task)
        if not worker.held:
            worker.started = time.monotonic()
        worker.held.append(task)

    def _receive(self, worker: _Worker, on_done: OnDone) -> None:
        """Take a finished worker's findings, or, if it died, give its file an RB002."""
        try:
            result: FileResult = worker.connection.recv()
        except (EOFError, OSError):
            # End of file on the pipe: the worker is gone; its exit code says how.
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            if code == OUT_OF_MEMORY:
                self._lose(worker, on_done, memory.over(self.settings.max_memory))
            elif memory.aborted_over(code, self.settings.max_memory):
                # An allocation the cap refused aborts the native parser; so would another fault.
                self._lose(worker, on_done, f"the worker process scanning it aborted, most likely {memory.over(self.settings.max_memory)}")
            else:
                self._lose(worker, on_done, f"the worker process scanning it died ({_how_it_ended(code)})")
            return
        path, _ = worker.held.popleft()
        # The next task was waiting in the pipe: the worker begins it now.
        worker.started = time.monotonic()
        on_done(path, result, False)

    def _lose(self, worker: _Worker, on_done: OnDone, why: str) -> None:
        """The file ``worker`` was scanning is lost: RB002 for it, and a fresh worker in its place,
        which the tasks that were waiting behind it go to first."""
        from reviewbot.engine import lost_file

        path, _ = worker.held.popleft()
        self._stop(worker)
        self.workers[self.workers.index(worker)] = self._start()
        self.backlog.extendleft(reversed(worker.held))
        on_done(path, lost_file(self.settings, path, f"internal error: {why}; the other files were scanned"), True)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        """End a worker at once."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.connection.close()

    def close(self) -> None:
        """Tell idle workers to stop and end the rest."""
        for worker in self.workers:
            try:
                if not worker.held and worker.process.is_alive():
                    worker.connection.send(None)
                    worker.process.join(timeout=1)
            except (OSError, ValueError):
                pass
            self._stop(worker)
        self.workers = []
