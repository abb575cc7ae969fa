"""The translation cache in Redis, shared by every replica (``THAIMT_REDIS_URL``).

Same keys as the SQLite cache (:mod:`service.cache.keys`, a SHA-256 hex digest), stored as
``thaimt:tr:<digest>`` strings holding the UTF-8 value. Size policy: every entry has a
TTL (``THAIMT_REDIS_CACHE_TTL_S``, 30 days by default), renewed when it is hit, and Redis itself
bounds memory: run it with ``maxmemory`` and ``maxmemory-policy volatile-lru`` (see deploy/), so
the least recently used translations go first. Under ``noeviction`` a full Redis refuses writes:
those are counted (kind ``full``) and skipped, and lookups still work.

A Redis that is down or failing never fails a translation: lookups are misses, stores are
skipped, and both are counted in ``faults`` by kind.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from service.cache.store import SegmentStore
from service.state.faults import FaultTracker
from service.state.redis_link import RedisFailed, RedisLink, RedisUnavailable

log = logging.getLogger(__name__)

PREFIX = "thaimt:tr:"
DEFAULT_TTL_S = 30 * 24 * 3600
_CHUNK = 500  # keys per round trip


class RedisCache(SegmentStore):
    """Segment → translation store in Redis (counters and faults are this process's).
    ``close`` leaves the link open: it is the process's, shared with the budgets."""

    def __init__(self, link: RedisLink, ttl_s: int = DEFAULT_TTL_S, prefix: str = PREFIX) -> None:
        if ttl_s < 1:
            raise ValueError(f"ttl_s must be at least 1, got {ttl_s}")
        super().__init__(FaultTracker("translation cache (Redis)", log))
        self.link = link
        self.ttl_s = ttl_s
        self.prefix = prefix

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

    def _fetch(self, wanted: list[str]) -> dict[str, str]:
        """Values of ``wanted`` (a miss for each when Redis fails); hits get their TTL renewed."""
        found: dict[str, str] = {}
        try:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                found.update(self.link.call(functools.partial(self._mget, chunk=chunk)))
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "lookups are misses")
        return found

    def _store(self, pairs: list[tuple[str, str]]) -> None:
        """Store with the TTL (skipped, and counted, when Redis fails)."""
        try:
            for start in range(0, len(pairs), _CHUNK):
                chunk = pairs[start : start + _CHUNK]
                self.link.call(functools.partial(self._set, chunk=chunk))
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "translations are not stored")

    def _mget(self, client: Any, chunk: list[str]) -> dict[str, str]:
        values = client.mget([self.prefix + k for k in chunk])
        pairs = zip(chunk, values, strict=True)
        found = {k: v.decode("utf-8", "surrogatepass") for k, v in pairs if v is not None}
        if found:
            with client.pipeline(transaction=False) as pipe:
                for k in found:
                    pipe.expire(self.prefix + k, self.ttl_s)
                pipe.execute()
        return found

    def _set(self, client: Any, chunk: list[tuple[str, str]]) -> None:
        with client.pipeline(transaction=False) as pipe:
            for k, text in chunk:
                pipe.set(self.prefix + k, text.encode("utf-8", "surrogatepass"), ex=self.ttl_s)
            pipe.execute()
