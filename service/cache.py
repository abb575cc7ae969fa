"""A persistent translation cache: SQLite (stdlib), WAL, shared by the server and batch runs.

The engine caches what the model returns for one masked segment. That output depends on the
model (id, revision, backend and its precision), the decoding options and the masked segment
itself, so those make the key. Glossary targets and protected spans are put back *after* the
model, which is why a glossary is not part of the key: one cached segment serves every glossary.

Keys are SHA-256 digests, stored as 32-byte blobs. Each row records when it was last used, and
when the table grows past ``max_entries`` the least recently used tenth is deleted in one
statement. One connection guarded by a lock serves every thread; several processes may share a
file (WAL mode and a busy timeout keep them from stepping on each other).

A fleet of servers shares one cache through Redis instead (``THAIMT_REDIS_URL``, see
:mod:`service.state.redis_cache`): same keys, same interface. :func:`cache_from_settings`
picks one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from service.state.faults import FaultTracker

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions
    from service.settings import Settings
    from service.state.redis_cache import RedisCache

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


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class ObservedCache(Protocol):
    """What the server reads from any cache for ``/ready`` and ``/metrics``."""

    faults: FaultTracker

    @property
    def stats(self) -> CacheStats: ...

    @property
    def status(self) -> str: ...


class TranslationCache:
    """Segment → translation store with LRU-ish eviction and hit/miss counters.

    It never fails a translation: a corrupt file found at start is moved aside (one warning)
    and a fresh one started; an error while serving (corruption, a full disk, a lock held too
    long) makes that lookup a miss or that store a no-op, is counted by kind in ``faults``, and
    marks the cache degraded for a while. A file found corrupt while serving is moved aside
    too, so the cache heals itself.
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
        self.path = Path(path)
        self.max_entries = max_entries
        # Evict down to this many rows, so eviction runs once per many inserts, not every insert.
        self._evict_to = max(0, int(max_entries * (1.0 - evict_fraction)))
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._count = 0
        self.faults = FaultTracker("translation cache", log)
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._retry_at = 0.0
        with self._lock:
            self._start()

    def key(self, backend: Backend, options: DecodeOptions, segment: str) -> str:
        """Key of ``segment`` translated by ``backend`` with ``options`` (what the engine asks)."""
        return segment_key(backend, options, segment)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Translations for the keys that are cached; counts a hit or a miss per distinct key."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        with self._lock:
            conn = self._usable()
            if conn is not None:
                try:
                    found = self._select(conn, wanted)
                except sqlite3.Error as exc:
                    self._failed(exc, "lookups are misses")
                else:
                    self._touch_found(conn, found)
            self._hits += len(found)
            self._misses += len(wanted) - len(found)
        return found

    def put_many(self, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Store translations (key → text); existing keys are overwritten."""
        pairs = list(items.items() if isinstance(items, Mapping) else items)
        if not pairs:
            return
        with self._lock:
            conn = self._usable()
            if conn is None:
                return
            try:
                self._insert(conn, pairs)
            except sqlite3.Error as exc:
                self._failed(exc, "translations are not stored")

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(hits=self._hits, misses=self._misses)

    @property
    def status(self) -> str:
        """``ok``, or ``degraded`` after recent faults or while no file could be opened. Reads
        without the lock: ``/ready`` must not wait behind a statement stuck on a busy file."""
        closed = self._conn is None
        return "degraded" if closed or self.faults.degraded else "ok"

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

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

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
        in_memory = str(self.path) == ":memory:"
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
        self._inode = None if in_memory else os.stat(self.path).st_ino

    def _move_aside(self, reason: BaseException) -> bool:
        """Rename the corrupt file (and its WAL and shared-memory files) with a timestamp
        suffix; one warning line. False if there is nothing to move or it cannot be moved."""
        if str(self.path) == ":memory:" or not self.path.exists():
            return False
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        try:
            for suffix in ("", "-wal", "-shm"):
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
        """The connection; after a failed open, another try at most every REOPEN_AFTER_S."""
        if self._conn is None and time.monotonic() >= self._retry_at:
            self._start()
        return self._conn

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
            if self._still_ours():
                self._move_aside(exc)
            self._start()

    def _still_ours(self) -> bool:
        """Whether the file at ``path`` is the one this cache opened (another process sharing
        it may already have moved it aside and started a fresh one)."""
        try:
            return os.stat(self.path).st_ino == self._inode
        except OSError:
            return False

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


# Bumped when what the cache stores changes shape (2: a model output as JSON, n-best included).
VALUE_FORMAT = "2"


def make_key(model_id: str, revision: str, backend: str, decode_key: str, segment: str) -> str:
    """A hex digest naming everything that decides the model's output for ``segment``."""
    parts = [VALUE_FORMAT, model_id, revision, backend, decode_key, segment]
    # A JSON array keeps the parts apart whatever they contain (and escapes lone surrogates).
    return hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()


def segment_key(backend: Backend, options: DecodeOptions, segment: str) -> str:
    """The key every cache uses for ``segment`` translated by ``backend`` with ``options``."""
    return make_key(
        backend.model_id, backend.revision, backend_variant(backend), options.cache_key(), segment
    )


def backend_variant(backend: Backend) -> str:
    """Backend name plus its numeric precision: int8 and float32 runs translate differently."""
    return f"{backend.name}:{backend.precision}"


def open_cache(path: str | Path, max_entries: int = 1_000_000) -> TranslationCache:
    """Open (creating if needed) the cache file at ``path``."""
    return TranslationCache(path, max_entries=max_entries)


def cache_from_settings(
    settings: Settings, enabled: bool | None = None
) -> TranslationCache | RedisCache | None:
    """The cache ``settings`` ask for: none (``THAIMT_CACHE=false``, or ``enabled=False``),
    Redis when ``THAIMT_REDIS_URL`` is set, otherwise the SQLite file at ``THAIMT_CACHE_PATH``."""
    if not (settings.cache if enabled is None else enabled):
        return None
    if settings.redis_url:
        from service.state.redis_cache import RedisCache
        from service.state.redis_link import shared_link

        return RedisCache(shared_link(settings), ttl_s=settings.redis_cache_ttl_s)
    return open_cache(settings.cache_path, settings.cache_max_entries)


class CacheCollector:
    """Prometheus collector exporting ``thaimt_cache_hits_total``,
    ``thaimt_cache_misses_total`` and ``thaimt_cache_errors_total{kind}`` from a cache's
    counters at scrape time.

    Register it on the server's registry: ``registry.register(CacheCollector(engine.cache))``.
    """

    def __init__(self, cache: ObservedCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        stats = self.cache.stats
        yield CounterMetricFamily(
            "thaimt_cache_hits", "Segments answered from the translation cache", value=stats.hits
        )
        yield CounterMetricFamily(
            "thaimt_cache_misses", "Segments the translation cache did not hold", value=stats.misses
        )
        errors = CounterMetricFamily(
            "thaimt_cache_errors",
            "Cache operations that failed and were served as misses or skipped stores",
            labels=["kind"],
        )
        for kind, count in sorted(self.cache.faults.counts().items()):
            errors.add_metric([kind], count)
        yield errors
