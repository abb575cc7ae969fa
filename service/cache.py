"""A persistent translation cache: SQLite (stdlib), WAL, shared by the server and batch runs.

The engine caches what the model returns for one masked segment. That output depends on the
model (id, revision, backend and its precision), the decoding options and the masked segment
itself, so those make the key. Glossary targets and protected spans are put back *after* the
model, which is why a glossary is not part of the key: one cached segment serves every glossary.

Keys are SHA-256 digests, stored as 32-byte blobs. Each row records when it was last used, and
when the table grows past ``max_entries`` the least recently used tenth is deleted in one
statement. One connection guarded by a lock serves every thread; several processes may share a
file (WAL mode and a busy timeout keep them from stepping on each other).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

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


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class TranslationCache:
    """Segment → translation store with LRU-ish eviction and hit/miss counters."""

    def __init__(
        self, path: str | Path, max_entries: int = 1_000_000, evict_fraction: float = 0.1
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self.path = Path(path)
        self.max_entries = max_entries
        # Evict down to this many rows, so eviction runs once per many inserts, not every insert.
        self._evict_to = max(0, int(max_entries * (1.0 - evict_fraction)))
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")  # durable enough for a cache, far faster
        self._conn.executescript(_SCHEMA)
        self._count = self._exact_count()

    def key(self, backend: Backend, options: DecodeOptions, segment: str) -> str:
        """Key of ``segment`` translated by ``backend`` with ``options`` (what the engine asks)."""
        return make_key(
            backend.model_id,
            backend.revision,
            backend_variant(backend),
            options.cache_key(),
            segment,
        )

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Translations for the keys that are cached; counts a hit or a miss per distinct key."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        now = time.time()
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = [bytes.fromhex(k) for k in wanted[start : start + _CHUNK]]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, target FROM translations WHERE key IN ({marks})", chunk
                ).fetchall()
                found.update((bytes(k).hex(), t) for k, t in rows)
                if rows:  # record the use, so eviction spares rows that are still hit
                    self._touch([bytes(k) for k, _ in rows], now)
            self._conn.commit()
            self._hits += len(found)
            self._misses += len(wanted) - len(found)
        return found

    def put_many(self, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Store translations (key → text); existing keys are overwritten."""
        pairs = list(items.items() if isinstance(items, Mapping) else items)
        if not pairs:
            return
        now = time.time()
        with self._lock:
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT INTO translations (key, target, last_used) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET target = excluded.target, "
                "last_used = excluded.last_used",
                [(bytes.fromhex(k), t, now) for k, t in pairs],
            )
            # Counts updates too, so the estimate only errs high; eviction recounts exactly.
            self._count += self._conn.total_changes - before
            if self._count > self.max_entries:
                self._evict()
            self._conn.commit()

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(hits=self._hits, misses=self._misses)

    def __len__(self) -> int:
        with self._lock:
            return self._exact_count()

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM translations")
            self._conn.commit()
            self._count = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _touch(self, keys: list[bytes], now: float) -> None:
        marks = ",".join("?" * len(keys))
        self._conn.execute(
            f"UPDATE translations SET last_used = ? WHERE key IN ({marks})", [now, *keys]
        )

    def _exact_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def _evict(self) -> None:
        """Delete the least recently used rows in one statement, down to ``_evict_to``."""
        self._count = self._exact_count()  # another process may have added or evicted rows
        excess = self._count - self._evict_to
        if self._count <= self.max_entries or excess <= 0:
            return
        self._conn.execute(
            "DELETE FROM translations WHERE key IN "
            "(SELECT key FROM translations ORDER BY last_used, key LIMIT ?)",
            (excess,),
        )
        self._count -= excess


# Bumped when what the cache stores changes shape (2: a model output as JSON, n-best included).
VALUE_FORMAT = "2"


def make_key(model_id: str, revision: str, backend: str, decode_key: str, segment: str) -> str:
    """A hex digest naming everything that decides the model's output for ``segment``."""
    parts = [VALUE_FORMAT, model_id, revision, backend, decode_key, segment]
    # A JSON array keeps the parts apart whatever they contain (and escapes lone surrogates).
    return hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()


def backend_variant(backend: Backend) -> str:
    """Backend name plus its numeric precision: int8 and float32 runs translate differently."""
    return f"{backend.name}:{backend.precision}"


def open_cache(path: str | Path, max_entries: int = 1_000_000) -> TranslationCache:
    """Open (creating if needed) the cache file at ``path``."""
    return TranslationCache(path, max_entries=max_entries)


class CacheCollector:
    """Prometheus collector exporting ``thaimt_cache_hits_total`` and
    ``thaimt_cache_misses_total`` from a cache's counters at scrape time.

    Register it on the server's registry: ``registry.register(CacheCollector(engine.cache))``.
    """

    def __init__(self, cache: TranslationCache) -> None:
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
