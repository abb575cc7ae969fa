"""One process's connection to Redis: short timeouts, automatic reconnects, and a breaker so
that a Redis that is down costs each request nothing.

redis-py does the connecting: a pool shared by every thread, ``health_check_interval`` (idle
connections are pinged before reuse) and one retry on a connection error (a pooled connection
broken by a Redis restart is replaced at once). On top of that, after a call fails to reach
Redis the link stays "down" and refuses calls without trying for ``retry_after_s``; then the
next call tries again (only that one: the others keep being refused until it has answered),
so a dead or unreachable Redis stalls at most one call per interval by at most the timeout.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from redis import Redis

    from service.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER_S = 1.0
HEALTH_CHECK_INTERVAL_S = 10


class RedisUnavailable(Exception):
    """Redis could not be reached (or was not tried: the link is down)."""

    kind = "unavailable"


class RedisFailed(Exception):
    """Redis answered with an error (out of memory, a script error, ...)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _redis_module() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - redis is a base dependency
        raise ImportError(
            "THAIMT_REDIS_URL needs the redis package: pip install 'redis==8.1.0' "
            "(it is part of thaimt's base dependencies; reinstall with `make install`)"
        ) from exc
    return redis


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisLink:
    """A Redis client plus the knowledge of whether Redis is reachable now."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 0.5,
        retry_after_s: float = RETRY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        redis = _redis_module()
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = redacted(url)
        self.client: Redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            health_check_interval=HEALTH_CHECK_INTERVAL_S,
            # One immediate retry on a broken connection (not on a timeout: a Redis that
            # hangs would only be waited for twice).
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        self._errors = (redis.ConnectionError, redis.TimeoutError)
        self._redis_error = redis.RedisError
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._up = True
        self._next_try = 0.0

    @property
    def up(self) -> bool:
        """Whether the last call reached Redis."""
        with self._lock:
            return self._up

    def call(self, operation: Callable[[Redis], T]) -> T:
        """Run ``operation(client)``: RedisUnavailable when Redis cannot be reached (or is
        known to be down), RedisFailed when it answers with an error."""
        self._admit()
        try:
            result = operation(self.client)
        except self._errors as exc:
            self._went_down(exc)
            raise RedisUnavailable(f"{self.url}: {exc}") from exc
        except self._redis_error as exc:
            self._came_up()
            raise RedisFailed(str(exc), _answer_kind(exc)) from exc
        self._came_up()
        return result

    def check(self) -> bool:
        """Ping Redis (unless it is known to be down and not due for a retry); whether it is up."""
        try:
            self.call(lambda client: client.ping())
        except (RedisUnavailable, RedisFailed):
            return False
        return True

    def close(self) -> None:
        self.client.close()

    def _admit(self) -> None:
        with self._lock:
            if self._up:
                return
            now = self._clock()
            if now < self._next_try:
                raise RedisUnavailable(f"{self.url} is down; next try in "
                                       f"{self._next_try - now:.1f} s")  # fmt: skip
            self._next_try = now + self._retry_after_s  # this caller tries; the rest wait

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            was_up, self._up = self._up, False
            self._next_try = self._clock() + self._retry_after_s
        if was_up:
            log.warning(
                "Redis at %s is unreachable (%s): caching and shared limits fall back until "
                "it answers again (retrying every %g s)", self.url, exc, self._retry_after_s,
            )  # fmt: skip

    def _came_up(self) -> None:
        with self._lock:
            was_up, self._up = self._up, True
        if not was_up:
            log.warning("Redis at %s answers again: shared cache and limits resume", self.url)


def _answer_kind(exc: BaseException) -> str:
    """``full`` for Redis at its ``maxmemory`` under ``noeviction`` (alone or in a pipeline)."""
    message = str(exc)
    return "full" if message.startswith("OOM") or "maxmemory" in message else "error"


@functools.lru_cache(maxsize=8)
def _link(url: str, timeout_s: float) -> RedisLink:
    return RedisLink(url, timeout_s=timeout_s)


def shared_link(settings: Settings) -> RedisLink:
    """The process's one link to ``THAIMT_REDIS_URL`` (the cache and the budgets share it,
    and with it the pool and the knowledge of whether Redis is up)."""
    if not settings.redis_url:
        raise ValueError("THAIMT_REDIS_URL is not set")
    return _link(settings.redis_url, settings.redis_timeout_s)
