"""The translation cache in Redis, shared by every replica (``THAIMT_REDIS_URL``).

Same keys as the SQLite cache (:func:`service.cache.segment_key`, a SHA-256 hex digest), stored
as ``thaimt:tr:<digest>`` strings holding the UTF-8 translation. Size policy: every entry has a
TTL (``THAIMT_REDIS_CACHE_TTL_S``, 30 days by default), renewed when it is hit, and Redis itself
bounds memory: run it with ``maxmemory`` and ``maxmemory-policy allkeys-lru`` (see deploy/), so
the least recently used translations go first. Under ``noeviction`` a full Redis refuses writes:
those are counted (kind ``full``) and skipped, and lookups still work.

A Redis that is down or failing never fails a translation: lookups are misses, stores are
skipped, and both are counted in ``faults`` by kind.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from service.cache import CacheStats, segment_key
from service.state.faults import FaultTracker
from service.state.redis_link import RedisFailed, RedisLink, RedisUnavailable

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

log = logging.getLogger(__name__)

PREFIX = "thaimt:tr:"
DEFAULT_TTL_S = 30 * 24 * 3600
_CHUNK = 500  # keys per round trip


class RedisCache:
    """Segment → translation store in Redis, with hit/miss/error counters (this process's)."""

    def __init__(self, link: RedisLink, ttl_s: int = DEFAULT_TTL_S, prefix: str = PREFIX) -> None:
        if ttl_s < 1:
            raise ValueError(f"ttl_s must be at least 1, got {ttl_s}")
        self.link = link
        self.ttl_s = ttl_s
        self.prefix = prefix
        self.faults = FaultTracker("translation cache (Redis)", log)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def key(self, backend: Backend, options: DecodeOptions, segment: str) -> str:
        return segment_key(backend, options, segment)

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Cached translations of ``keys`` (a miss for each when Redis fails); hits get their
        TTL renewed."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        try:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                found.update(self.link.call(functools.partial(self._fetch, chunk=chunk)))
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "lookups are misses")
        with self._lock:
            self._hits += len(found)
            self._misses += len(wanted) - len(found)
        return found

    def put_many(self, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Store translations with the TTL (skipped, and counted, when Redis fails)."""
        pairs = list(items.items() if isinstance(items, Mapping) else items)
        try:
            for start in range(0, len(pairs), _CHUNK):
                chunk = pairs[start : start + _CHUNK]
                self.link.call(functools.partial(self._store, chunk=chunk))
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "translations are not stored")

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(hits=self._hits, misses=self._misses)

    @property
    def status(self) -> str:
        """``ok``, or ``degraded`` while Redis is down or after recent faults."""
        return "ok" if self.link.up and not self.faults.degraded else "degraded"

    def clear(self) -> None:
        """Delete every thaimt translation in this Redis (SCAN, not FLUSHDB: the database
        may hold other data)."""

        def delete_all(client: Any) -> None:
            batch = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            for start in range(0, len(batch), _CHUNK):
                client.unlink(*batch[start : start + _CHUNK])

        self.link.call(delete_all)

    def close(self) -> None:
        """The link is the process's, shared with the budgets: it stays open."""

    def __enter__(self) -> RedisCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _fetch(self, client: Any, chunk: list[str]) -> dict[str, str]:
        values = client.mget([self.prefix + k for k in chunk])
        pairs = zip(chunk, values, strict=True)
        found = {k: v.decode("utf-8", "surrogatepass") for k, v in pairs if v is not None}
        if found:
            with client.pipeline(transaction=False) as pipe:
                for k in found:
                    pipe.expire(self.prefix + k, self.ttl_s)
                pipe.execute()
        return found

    def _store(self, client: Any, chunk: list[tuple[str, str]]) -> None:
        with client.pipeline(transaction=False) as pipe:
            for k, text in chunk:
                pipe.set(self.prefix + k, text.encode("utf-8", "surrogatepass"), ex=self.ttl_s)
            pipe.execute()
