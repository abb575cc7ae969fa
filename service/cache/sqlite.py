"""The translation cache in a SQLite file (stdlib), WAL, shared by the server and batch runs.

Keys are SHA-256 digests (:mod:`service.cache.keys`), stored as 32-byte blobs. Each row records
when it was last used, and when the table grows past ``max_entries`` the least recently used
tenth is deleted in one statement. One connection guarded by a lock serves every thread; several
processes may share a file (WAL mode and a busy timeout keep them from stepping on each other).

A file deleted or replaced while it is open (``rm cache.sqlite3*``) would take every later write
with it, silently: before each operation the cache checks that the files at its path are still
the ones it opened, and otherwise counts a ``lost`` fault (``/ready`` says ``degraded``) and
opens the path afresh. (Closing the orphaned connection lets SQLite remove its ``-wal`` and
``-shm`` by name; should another process have started a new cache there in between, that one
loses its unsaved entries and notices the same way: entries are lost, never a translation.)
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from service.cache.store import SegmentStore
from service.state.faults import FaultTracker

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key BLOB PRIMARY KEY,
    target TEXT NOT NULL,
    last_used REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS translations_last_used ON translations (last_used);
"""
# SQLite limits the number of "?" parameters per statement (32766 since 3.32); stay well under.
_CHUNK = 500
REOPEN_AFTER_S = 30.0  # a cache file that could not be opened at all is tried again this often
# The files of an open cache: the database, its write-ahead log and its shared-memory index.
_SUFFIXES = ("", "-wal", "-shm")
# (device, inode) of each of those files; None for one that does not exist.
FileIds = tuple[tuple[int, int] | None, ...]


class SqliteCache(SegmentStore):
    """Segment → translation store in a SQLite file, with LRU-ish eviction.

    It never fails a translation: a corrupt file found at start is moved aside (one warning)
    and a fresh one started; an error while serving (corruption, a full disk, a lock held too
    long) makes that lookup a miss or that store a no-op, is counted by kind in ``faults``, and
    marks the cache degraded for a while. A file found corrupt while serving is moved aside
    too, and a file deleted or replaced under it is opened afresh, so the cache heals itself.
    """

    def __init__(
        self,
        path: str | Path,
        max_entries: int = 1_000_000,
        evict_fraction: float = 0.1,
        busy_timeout_s: float = 5.0,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        super().__init__(FaultTracker("translation cache", log))
        self.path = Path(path)
        self.max_entries = max_entries
        # Evict down to this many rows, so eviction runs once per many inserts, not every insert.
        self._evict_to = max(0, int(max_entries * (1.0 - evict_fraction)))
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._count = 0
        self._conn: sqlite3.Connection | None = None
        self._files: FileIds | None = None  # the files this connection opened
        self._retry_at = 0.0
        with self._lock:
            self._start()

    @property
    def in_memory(self) -> bool:
        return str(self.path) == ":memory:"

    @property
    def status(self) -> str:
        """``ok``, or ``degraded`` after recent faults, while no file could be opened, or while
        the open file is no longer at its path. Reads without the lock: ``/ready`` must not
        wait behind a statement stuck on a busy file."""
        unusable = self._conn is None or not self._still_ours()
        return "degraded" if unusable or self.faults.degraded else "ok"

    def __len__(self) -> int:
        with self._lock:
            return 0 if self._conn is None else _exact_count(self._conn)

    def clear(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.execute("DELETE FROM translations")
                self._conn.commit()
            self._count = 0

    def close(self) -> None:
        with self._lock:
            self._close()

    def _fetch(self, wanted: list[str]) -> dict[str, str]:
        with self._lock:
            conn = self._usable()
            if conn is None:
                return {}
            try:
                found = self._select(conn, wanted)
            except sqlite3.Error as exc:
                self._failed(exc, "lookups are misses")
                return {}
            self._touch_found(conn, found)
            return found

    def _store(self, pairs: list[tuple[str, str]]) -> None:
        with self._lock:
            conn = self._usable()
            if conn is None:
                return
            try:
                self._insert(conn, pairs)
            except sqlite3.Error as exc:
                self._failed(exc, "translations are not stored")

    # Opening, and recovering from faults (all called with the lock held)

    def _start(self) -> None:
        """Open the file; a corrupt one is moved aside and replaced by a fresh one."""
        try:
            self._open()
            return
        except (sqlite3.Error, OSError) as exc:
            if not (_is_corrupt(exc) and self._move_aside(exc)):
                self._gave_up(exc)
                return
        try:
            self._open()
        except (sqlite3.Error, OSError) as exc:
            self._gave_up(exc)

    def _open(self) -> None:
        in_memory = self.in_memory
        if not in_memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(self.path), check_same_thread=False, timeout=self._busy_timeout_s
        )
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable enough for a cache, far faster
            conn.executescript(_SCHEMA)
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise CorruptCacheFile(f"integrity check failed: {verdict}")
            self._count = _exact_count(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._files = None if in_memory else _file_ids(self.path)

    def _move_aside(self, reason: BaseException) -> bool:
        """Rename the corrupt file (and its WAL and shared-memory files) with a timestamp
        suffix; one warning line. False if there is nothing to move or it cannot be moved."""
        if self.in_memory or not self.path.exists():
            return False
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        try:
            for suffix in _SUFFIXES:
                source = Path(f"{self.path}{suffix}")
                if source.exists():
                    source.rename(f"{aside}{suffix}")
        except OSError as exc:
            log.warning("translation cache %s is unreadable (%s) and cannot be moved aside "
                        "(%s); translating without a cache", self.path, reason, exc)  # fmt: skip
            return False
        self.faults.count("corrupt")
        log.warning(
            "translation cache %s is unreadable (%s): moved aside to %s; starting a fresh cache",
            self.path, reason, aside,
        )  # fmt: skip
        return True

    def _gave_up(self, exc: BaseException) -> None:
        self._conn = None
        self._retry_at = time.monotonic() + REOPEN_AFTER_S
        consequence = f"translating without a cache (retrying every {REOPEN_AFTER_S:g} s)"
        self.faults.record(_error_kind(exc), exc, consequence)

    def _usable(self) -> sqlite3.Connection | None:
        """The connection, to the file now at ``path``; after a failed open, another try at
        most every REOPEN_AFTER_S."""
        if self._conn is not None and not self._still_ours():
            self._lost()
        if self._conn is None and time.monotonic() >= self._retry_at:
            self._start()
        return self._conn

    def _lost(self) -> None:
        """The open file was deleted or replaced (what this connection would write is lost
        with it): count it, say it once, and open the file now at ``path`` (or a new one)."""
        self.faults.record(
            "lost",
            f"{self.path} was deleted or replaced while open",
            "reopened it; translations stored since it went are lost",
        )
        self._close()
        self._start()

    def _failed(self, exc: sqlite3.Error, consequence: str) -> None:
        """An operation failed: undo its transaction, count it, and replace a corrupt file."""
        kind = _error_kind(exc)
        self.faults.record(kind, exc, consequence)
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
        if kind == "corrupt":
            self._close()
            if self._still_ours(database_only=True):
                self._move_aside(exc)
            self._start()

    def _still_ours(self, database_only: bool = False) -> bool:
        """Whether the files at ``path`` are the ones this cache opened (someone may have
        deleted them, or another process sharing them moved a corrupt one aside and started
        a fresh one). Three ``stat`` calls: cheap next to any statement. ``database_only``:
        the database file alone (closing the last connection removes the other two)."""
        if self._files is None:
            return True
        now = _file_ids(self.path)
        return now[0] == self._files[0] if database_only else now == self._files

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    # Statements (called with the lock held; they raise sqlite3.Error)

    def _select(self, conn: sqlite3.Connection, wanted: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = [bytes.fromhex(k) for k in wanted[start : start + _CHUNK]]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, target FROM translations WHERE key IN ({marks})", chunk
            ).fetchall()
            found.update((bytes(k).hex(), t) for k, t in rows)
        return found

    def _touch_found(self, conn: sqlite3.Connection, found: dict[str, str]) -> None:
        """Record the use, so eviction spares rows that are still hit (a failure here costs
        nothing but the record)."""
        if not found:
            return
        keys = [bytes.fromhex(k) for k in found]
        now = time.time()
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                conn.execute(
                    f"UPDATE translations SET last_used = ? WHERE key IN ({marks})", [now, *chunk]
                )
            conn.commit()
        except sqlite3.Error as exc:
            self._failed(exc, "hits are served but not recorded")

    def _insert(self, conn: sqlite3.Connection, pairs: list[tuple[str, str]]) -> None:
        now = time.time()
        before = conn.total_changes
        conn.executemany(
            "INSERT INTO translations (key, target, last_used) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET target = excluded.target, "
            "last_used = excluded.last_used",
            [(bytes.fromhex(k), t, now) for k, t in pairs],
        )
        # Counts updates too, so the estimate only errs high; eviction recounts exactly.
        self._count += conn.total_changes - before
        if self._count > self.max_entries:
            self._evict(conn)
        conn.commit()

    def _evict(self, conn: sqlite3.Connection) -> None:
        """Delete the least recently used rows in one statement, down to ``_evict_to``."""
        self._count = _exact_count(conn)  # another process may have added or evicted rows
        excess = self._count - self._evict_to
        if self._count <= self.max_entries or excess <= 0:
            return
        conn.execute(
            "DELETE FROM translations WHERE key IN "
            "(SELECT key FROM translations ORDER BY last_used, key LIMIT ?)",
            (excess,),
        )
        self._count -= excess


class CorruptCacheFile(sqlite3.DatabaseError):
    """SQLite opened the file but its integrity check found damage."""


def _file_ids(path: Path) -> FileIds:
    """(device, inode) of the database file and its WAL and shared-memory files."""
    ids: list[tuple[int, int] | None] = []
    for suffix in _SUFFIXES:
        try:
            found = os.stat(f"{path}{suffix}")
        except OSError:
            ids.append(None)
        else:
            ids.append((found.st_dev, found.st_ino))
    return tuple(ids)


def _exact_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0])


def _is_corrupt(exc: BaseException) -> bool:
    return _error_kind(exc) == "corrupt"


def _error_kind(exc: BaseException) -> str:
    """The ``kind`` label of ``thaimt_cache_errors_total`` for a SQLite (or file) error."""
    if isinstance(exc, CorruptCacheFile):
        return "corrupt"
    if isinstance(exc, OSError):
        return "full" if exc.errno == errno.ENOSPC else "unwritable"
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    for prefix, kind in _SQLITE_KINDS:
        if name.startswith(prefix):
            return kind
    return "other"


_SQLITE_KINDS = (
    ("SQLITE_CORRUPT", "corrupt"),
    ("SQLITE_NOTADB", "corrupt"),
    ("SQLITE_FULL", "full"),
    ("SQLITE_BUSY", "locked"),
    ("SQLITE_LOCKED", "locked"),
    ("SQLITE_IOERR", "io"),
    ("SQLITE_READONLY", "unwritable"),
    ("SQLITE_CANTOPEN", "unwritable"),
    ("SQLITE_PERM", "unwritable"),
)
