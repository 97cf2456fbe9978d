"""The phase-1 cache: a file whose bytes, settings and reviewbot did not change is not parsed again.

One SQLite database (``.reviewbot_cache/cache.sqlite3`` at the repository root, or config
``cache-dir``) in WAL mode, so scans running at the same time share it safely. A row holds one
file's phase-1 result (findings and facts) under its path and a digest of everything else it
depends on (the settings, reviewbot's own code and version, LibCST's version), and is trusted
only when the file's content hash matches too. A database that is corrupt, foreign or of another format is
discarded and rebuilt; when it cannot be used at all the scan goes on without it.

A full scan's outcome is kept too (``runs``): its findings after the project phase and the
repository's conventions, under a key of everything they depend on (``session.run_key``: the
digest above, the files' names and content hashes, the last commit). A scan whose key is known
answers with them without reading a single result of phase 1, parsing, or importing LibCST.

SQLite cannot be told not to follow links, and makes its ``-wal`` and ``-shm`` files itself. So the
database is opened only in a directory reached from the repository root without a link at any
level and owned by the user, and only while none of its files is a link, checked right before
each connection: a link there could make SQLite create, change or switch to WAL mode a database
anywhere on the machine.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
import stat
import time
import importlib.util
from pathlib import Path
from typing import Any

import reviewbot
from reviewbot.files import LinkedPath, open_directory, steps_from
from reviewbot.model import Facts, FileResult, Finding

log = logging.getLogger(__name__)

# The cache directory at the repository root when the config names none.
DEFAULT_DIRECTORY = ".reviewbot_cache"
# The database file inside the cache directory.
DATABASE = "cache.sqlite3"
# The files SQLite keeps next to it: the write-ahead log, its index, a rollback journal.
COMPANIONS = ("-wal", "-shm", "-journal")
# Bumped whenever the tables or the stored records change shape.
FORMAT = "reviewbot-cache 3"
# How long a scan waits for another one's write to finish, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
# How often opening is tried while another scan holds the database (creating it, say).
OPEN_ATTEMPTS = 20
# One row per file and settings digest: an edited file replaces its row instead of adding one.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS phase1 (
    path BLOB NOT NULL,
    digest TEXT NOT NULL,
    content TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (path, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, findings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, counts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mentions (key TEXT PRIMARY KEY, paths TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hashes (path BLOB PRIMARY KEY, signature TEXT NOT NULL, content TEXT NOT NULL) WITHOUT ROWID;
"""
# The full scans remembered (``runs``): the latest ones, for scans of different paths or configs
# (on django a row holds 5,500 findings, 2.7 MB).
KEPT_RUNS = 4
# What the conventions' greps counted at a commit (``conventions.Memo``): the latest ones.
KEPT_COUNTS = 256
# Which files at a commit mention some words (``session.GitHistory``): the latest answers.
KEPT_MENTIONS = 256
# The statements that read, write and prune each table of what git said of a commit.
_SAID = {
    table: (
        f"SELECT {column} FROM {table} WHERE key = ?",
        f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
        f"DELETE FROM {table} WHERE rowid NOT IN (SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT ?)",
    )
    for table, column in (("counts", "counts"), ("mentions", "paths"))
}
# The tables of a cache of this format.
TABLES = frozenset({"meta", "phase1", "runs", "counts", "mentions", "hashes"})
# Marks the directory as a cache for backup tools (https://bford.info/cachedir/), as Ruff does.
CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory holds reviewbot's cache; it is safe to delete.\n"


@functools.cache
def engine_digest() -> str:
    """reviewbot's version, its code and packs, and LibCST's version: a change to any re-scans.

    The code is known by each file's name, size and modification time (reading it all would cost
    more than a warm scan of a small change); an edited or reinstalled file changes them. LibCST is
    known by its ``_version.py`` (``importlib.metadata`` alone takes a tenth of a warm scan to import).
    """
    digest = hashlib.sha256(f"{reviewbot.__version__}\0".encode())
    spec = importlib.util.find_spec("libcst")
    version = Path(spec.origin).with_name("_version.py") if spec is not None and spec.origin is not None else None
    if version is not None and version.is_file():
        digest.update(version.read_bytes())
    else:
        from importlib import metadata

        digest.update(metadata.version("libcst").encode())
    package = Path(reviewbot.__file__).parent
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.yml"), *(package.parent / "rules").glob("*.yml")]):
        status = path.stat()
        digest.update(f"{path.relative_to(package.parent)}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def content_digest(data: bytes) -> str:
    """The hash a file's bytes are known by."""
    return hashlib.sha256(data).hexdigest()


class Cache:
    """Phase-1 results by path, for one settings digest; full scans' findings by their key; the
    conventions' counts at a commit."""

    def __init__(self, connection: sqlite3.Connection, digest: str) -> None:
        self.connection = connection
        self.digest = digest
        self._pending: list[tuple[bytes, str, str, str]] = []
        # Set when a file of this run was lost (not cached): the run is then not remembered either.
        self.incomplete = False

    @classmethod
    def open(cls, directory: Path, settings_digest: str, root: Path | None = None) -> Cache | None:
        """The cache in ``directory``, rebuilt if it cannot be trusted; ``None`` if it cannot be used.

        No directory from ``root`` (the repository; by default ``directory``'s parent) down may be a link.
        """
        digest = hashlib.sha256(f"{settings_digest}\0{engine_digest()}".encode()).hexdigest()
        root = directory.parent if root is None else root
        steps = steps_from(root, directory)
        if steps is None:
            log.warning("cache not used: %s is outside %s", directory, root)
            return None
        if not _make_directory(root, steps):
            return None
        database = root.joinpath(*steps, DATABASE)
        rebuilt = False
        for attempt in range(OPEN_ATTEMPTS):
            why = _unsafe(root, steps)
            if why is not None:
                log.warning("cache not used: %s", why)
                return None
            connection = None
            try:
                # Transactions are begun by hand while preparing, by ``with`` afterwards.
                connection = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
                _prepare(connection)
                return cls(connection, digest)
            except sqlite3.OperationalError as error:
                # Busy or locked: another scan is setting the database up. Never a reason to delete it.
                if connection is not None:
                    connection.close()
                log.info("cache %s busy (%s); trying again", database, error)
                time.sleep(0.05 * (attempt + 1))
            except (sqlite3.DatabaseError, _Foreign) as error:
                # Not a database, not ours, or another format: removed and made anew, once.
                if connection is not None:
                    connection.close()
                if rebuilt:
                    break
                log.info("cache %s discarded and rebuilt: %s", database, error)
                _discard(root, steps)
                rebuilt = True
        log.warning("cache not used: %s cannot be opened", database)
        return None

    def get(self, path: str, content: str, facts_only: bool = False) -> FileResult | None:
        """The result stored for ``path`` if its content hash is ``content``; else ``None``. With
        ``facts_only``, its findings are left unread (the project phase reading another revision)."""
        try:
            row = self.connection.execute("SELECT content, result FROM phase1 WHERE path = ? AND digest = ?", (_key(path), self.digest)).fetchone()
            if row is None or row[0] != content:
                return None
            record = json.loads(row[1])
            findings = () if facts_only else tuple(Finding.from_row(found) for found in record["findings"])
            return FileResult(findings, Facts.from_record(record["facts"]))
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError) as error:
            # A damaged row is a miss: the file is scanned again and the row replaced.
            log.info("cache entry for %s unreadable (%s); scanning again", path, error)
            return None

    def put(self, path: str, content: str, result: FileResult) -> None:
        """Remember ``result`` for ``path`` at ``content``; written by ``flush``."""
        record = {"findings": [finding.to_row() for finding in result.findings], "facts": result.facts.to_record()}
        self._pending.append((_key(path), self.digest, content, json.dumps(record)))

    def run(self, key: str) -> list[Finding] | None:
        """The findings of the full scan stored under ``key`` (``session.run_key``), if any."""
        try:
            row = self.connection.execute("SELECT findings FROM runs WHERE key = ?", (key,)).fetchone()
            return None if row is None else [Finding.from_row(found) for found in json.loads(row[0])]
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError) as error:
            log.info("cache entry for this scan unreadable (%s); scanning again", error)
            return None

    def put_run(self, key: str, findings: list[Finding]) -> None:
        """Remember a full scan's findings under ``key``, keeping the ``KEPT_RUNS`` latest scans."""
        record = json.dumps([finding.to_row() for finding in findings])
        try:
            with self.connection:
                self.connection.execute("INSERT OR REPLACE INTO runs VALUES (?, ?)", (key, record))
                self.connection.execute("DELETE FROM runs WHERE rowid NOT IN (SELECT rowid FROM runs ORDER BY rowid DESC LIMIT ?)", (KEPT_RUNS,))
        except sqlite3.DatabaseError as error:
            log.warning("cache not updated: %s", error)

    def counts(self, key: str) -> tuple[int, ...] | None:
        """What a grep of ``conventions`` counted (its key names the commit), if it was kept."""
        found = self._said("counts", key)
        try:
            return None if found is None else tuple(int(count) for count in found)
        except (ValueError, TypeError):
            return None

    def put_counts(self, key: str, counts: tuple[int, ...]) -> None:
        """Keep a grep's counts, and the ``KEPT_COUNTS`` latest ones."""
        self._keep("counts", key, counts, KEPT_COUNTS)

    def hashes(self) -> dict[str, tuple[str, str]]:
        """Each file's stat signature and content hash when it was last hashed (``session._contents``)."""
        try:
            rows = self.connection.execute("SELECT path, signature, content FROM hashes").fetchall()
        except sqlite3.DatabaseError:
            return {}
        return {path.decode("utf-8", "surrogateescape"): (signature, content) for path, signature, content in rows}

    def put_hashes(self, hashes: dict[str, tuple[str, str]]) -> None:
        """Keep files' stat signatures and content hashes."""
        try:
            with self.connection:
                self.connection.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?)", [(_key(path), *known) for path, known in hashes.items()])
        except sqlite3.DatabaseError as error:
            log.warning("cache not updated: %s", error)

    def paths(self, key: str) -> list[str] | None:
        """The files a grep of ``session.GitHistory`` found at a commit (its key names it), if kept."""
        found = self._said("mentions", key)
        return [str(path) for path in found] if isinstance(found, list) else None

    def put_paths(self, key: str, paths: list[str]) -> None:
        """Keep the files a grep at a commit found, and the ``KEPT_MENTIONS`` latest answers."""
        self._keep("mentions", key, paths, KEPT_MENTIONS)

    def _said(self, table: str, key: str) -> Any:
        """What git said of a commit, kept in ``table`` under ``key`` (as JSON), if it was."""
        try:
            row = self.connection.execute(_SAID[table][0], (key,)).fetchone()
            return None if row is None else json.loads(row[0])
        except (sqlite3.DatabaseError, ValueError):
            return None

    def _keep(self, table: str, key: str, value: object, kept: int) -> None:
        """Keep what git said of a commit in ``table`` under ``key``, and the ``kept`` latest answers."""
        try:
            with self.connection:
                self.connection.execute(_SAID[table][1], (key, json.dumps(value)))
                self.connection.execute(_SAID[table][2], (kept,))
        except sqlite3.DatabaseError as error:
            log.warning("cache not updated: %s", error)

    def flush(self) -> None:
        """Write what ``put`` collected, in one transaction; a failure loses the entries, not the scan."""
        if not self._pending:
            return
        try:
            with self.connection:
                self.connection.executemany("INSERT OR REPLACE INTO phase1 VALUES (?, ?, ?, ?)", self._pending)
        except sqlite3.DatabaseError as error:
            log.warning("cache not updated: %s", error)
        self._pending.clear()

    def close(self) -> None:
        """Write what is pending and close the database."""
        self.flush()
        self.connection.close()


def _key(path: str) -> bytes:
    """A path as stored: bytes, since a file name need not be valid UTF-8."""
    return path.encode("utf-8", "surrogateescape")


class _Foreign(Exception):
    """The database is not a reviewbot cache of this format."""


def _make_directory(root: Path, steps: tuple[str, ...]) -> bool:
    """Create the cache directory, ignored by git and tagged for backup tools; False if impossible."""
    try:
        with open_directory(root, steps, create=True) as directory:
            directory.create(".gitignore", "*\n")
            directory.create("CACHEDIR.TAG", CACHEDIR_TAG)
    except LinkedPath as error:
        log.warning("cache not used: %s", error.strerror)
        return False
    except OSError as error:
        log.warning("cache not used: cannot create %s: %s", root.joinpath(*steps), error.strerror)
        return False
    return True


def _unsafe(root: Path, steps: tuple[str, ...]) -> str | None:
    """Why SQLite must not open the database now, if it must not: a link on the way to the cache
    directory, a directory another user owns, or a database file that is a link (or no file)."""
    try:
        with open_directory(root, steps) as directory:
            if hasattr(os, "geteuid") and directory.status().st_uid != os.geteuid():
                return f"{directory.shown} belongs to another user"
            for name in (DATABASE, *(DATABASE + suffix for suffix in COMPANIONS)):
                try:
                    mode = directory.lstat(name).st_mode
                except FileNotFoundError:
                    continue
                if not stat.S_ISREG(mode):
                    shown = f"{directory.shown}/{name}" if directory.shown else name
                    return f"{shown} is {'a symbolic link' if stat.S_ISLNK(mode) else 'not a regular file'}, not opened"
    except LinkedPath as error:
        return error.strerror
    except OSError as error:
        return f"{root.joinpath(*steps)}: {error.strerror}"
    return None


def _prepare(connection: sqlite3.Connection) -> None:
    """Set the connection up and check that the database is ours, in our format."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Another program's database is left as it was: looked at before anything is changed in it.
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables - TABLES:
        raise _Foreign(f"unexpected tables {sorted(tables - TABLES)}")
    # WAL lets scans read while another one writes.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    # Creating the tables and stamping the format happen once, whoever comes first.
    connection.execute("BEGIN IMMEDIATE")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
    [found] = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    connection.execute("COMMIT")
    if found != FORMAT:
        raise _Foreign(f"format {found!r}, expected {FORMAT!r}")
    # From now on Python's ``with connection:`` begins and ends each write.
    connection.isolation_level = "DEFERRED"


def _discard(root: Path, steps: tuple[str, ...]) -> None:
    """Remove the database and its companions (a link among them is removed, never followed)."""
    try:
        with open_directory(root, steps) as directory:
            for name in (DATABASE, *(DATABASE + suffix for suffix in COMPANIONS)):
                try:
                    directory.unlink(name)
                except FileNotFoundError:
                    pass
                except OSError as error:
                    log.warning("cannot remove %s: %s", directory.path / name, error.strerror)
    except OSError as error:
        log.warning("cannot remove the cache in %s: %s", root.joinpath(*steps), error.strerror)
