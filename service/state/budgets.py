"""Per-identity character budgets over a fixed window: in this process, or shared by every
replica through Redis.

An identity is an API key, or a client address when no keys are configured (the HTTP layer
decides). ``spend`` charges characters or raises :class:`OverBudget`; it returns a
:class:`Charge` that ``refund`` takes back when the work was not done. The window starts with an
identity's first charge and lasts ``window_s``.

In Redis, each identity is one hash (``thaimt:budget:<sha256 of the identity>``, so keys are
never stored) updated by a Lua script: the check and the charge are one atomic step on the
Redis server, with the Redis server's clock, so a budget is spent once whichever replica serves
the request. When Redis cannot be reached, ``fallback`` decides: ``local`` (the default) counts
in this process instead (each replica then enforces the limit on its own: a key gets at most
replicas × limit while Redis is down, and translation goes on), ``open`` lets every request
through uncounted, ``closed`` refuses (:class:`BudgetUnavailable`, a 503).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from service.state.faults import FaultTracker
from service.state.redis_link import RedisFailed, RedisLink, RedisUnavailable

if TYPE_CHECKING:
    from redis import Redis

    from service.settings import Settings

log = logging.getLogger(__name__)

MAX_TRACKED = 100_000  # identities a local budget remembers (their windows end soonest go first)
Fallback = Literal["local", "open", "closed"]


@dataclass(frozen=True)
class Charge:
    """Characters charged to an identity, and where (for a refund)."""

    identity: str
    chars: int
    window: int  # the window's start (opaque; a refund after the window ended does nothing)
    store: Literal["local", "shared", "none"]


class OverBudget(Exception):
    def __init__(self, used: int, limit: int, chars: int, retry_after_s: int) -> None:
        super().__init__(f"{used} of {limit} characters used this window; this request has {chars}")
        self.used, self.limit, self.chars, self.retry_after_s = used, limit, chars, retry_after_s


class BudgetUnavailable(Exception):
    """The shared budget store cannot be reached and the fallback policy is ``closed``."""


@dataclass(frozen=True)
class Usage:
    """An identity's characters charged in its current window (0 and no start when none is
    running), as DeepL's ``/v2/usage`` reports them."""

    used: int
    limit: int
    window_s: float
    started: float | None = None  # wall-clock time (time.time()) the window began


class Budget(Protocol):
    limit: int
    window_s: float

    def spend(self, identity: str, chars: int) -> Charge: ...

    def refund(self, charge: Charge) -> None: ...

    def usage(self, identity: str) -> Usage: ...


class LocalBudget:
    """This process's budgets; remembers at most ``max_tracked`` identities (expired windows
    are dropped first, then the windows that end soonest)."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        max_tracked: int = MAX_TRACKED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_tracked = max_tracked
        self._clock = clock
        self._lock = threading.Lock()
        # identity -> (window start, used), oldest window first
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def spend(self, identity: str, chars: int) -> Charge:
        now = self._clock()
        with self._lock:
            start, used = self._windows.get(identity, (now, 0))
            if now - start >= self.window_s:
                start, used = now, 0
            if used + chars > self.limit:
                retry = max(1, math.ceil(start + self.window_s - now))
                raise OverBudget(used, self.limit, chars, retry)
            if identity in self._windows and self._windows[identity][0] != start:
                del self._windows[identity]  # a new window goes to the back
            self._windows[identity] = (start, used + chars)
            self._bound(now)
        return Charge(identity, chars, _window_id(start), "local")

    def refund(self, charge: Charge) -> None:
        with self._lock:
            entry = self._windows.get(charge.identity)
            if entry is not None and _window_id(entry[0]) == charge.window:
                self._windows[charge.identity] = (entry[0], max(0, entry[1] - charge.chars))

    def usage(self, identity: str) -> Usage:
        now = self._clock()
        with self._lock:
            start, used = self._windows.get(identity, (now, 0))
        if used == 0 or now - start >= self.window_s:
            return Usage(0, self.limit, self.window_s)
        return Usage(used, self.limit, self.window_s, time.time() - (now - start))

    def _bound(self, now: float) -> None:
        windows = self._windows
        while windows:
            start, _ = next(iter(windows.values()))
            if now - start < self.window_s and len(windows) <= self.max_tracked:
                return
            windows.popitem(last=False)


def _window_id(start: float) -> int:
    return round(start * 1_000_000)


# KEYS[1]: the identity's hash; ARGV: chars, limit, window (ms). Returns {1, used, the window's
# start} when charged, {0, used, ms until the window ends} when over the limit. Times are
# milliseconds of the Redis server's clock (13 digits: Lua prints them exactly).
SPEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local chars, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
local used = tonumber(redis.call('HGET', KEYS[1], 'used')) or 0
if start == nil or now - start >= window then
  start = now
  used = 0
end
if used + chars > limit then
  return {0, used, start + window - now}
end
redis.call('HSET', KEYS[1], 'start', start, 'used', used + chars)
redis.call('PEXPIRE', KEYS[1], start + window - now + 1000)
return {1, used + chars, start}
"""

# KEYS[1]: the identity's hash; ARGV: chars, the window's start. Nothing if the window ended.
REFUND = """
if redis.call('HGET', KEYS[1], 'start') == ARGV[2] then
  local used = tonumber(redis.call('HGET', KEYS[1], 'used')) or 0
  redis.call('HSET', KEYS[1], 'used', math.max(0, used - tonumber(ARGV[1])))
end
return 0
"""


# KEYS[1]: the identity's hash; ARGV: window (ms). Returns {used, the window's start} of a
# running window, {0, 0} when none runs.
USED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local start = tonumber(redis.call('HGET', KEYS[1], 'start'))
if start == nil or now - start >= tonumber(ARGV[1]) then
  return {0, 0}
end
return {tonumber(redis.call('HGET', KEYS[1], 'used')) or 0, start}
"""


class SharedBudget:
    """Budgets in Redis, atomic across replicas, with a fallback policy when Redis is down."""

    PREFIX = "thaimt:budget:"

    def __init__(
        self,
        link: RedisLink,
        limit: int,
        window_s: float = 60.0,
        *,
        fallback: Fallback = "local",
    ) -> None:
        self.link = link
        self.limit = limit
        self.window_s = window_s
        self.fallback = fallback
        self.local = LocalBudget(limit, window_s)
        self.faults = FaultTracker("key budget (Redis)", log)
        self._spend = link.client.register_script(SPEND)
        self._refund = link.client.register_script(REFUND)
        self._used = link.client.register_script(USED)
        self._window_ms = max(1, round(window_s * 1000))

    def spend(self, identity: str, chars: int) -> Charge:
        key = self._key(identity)

        def run(client: Redis) -> list[int]:
            args = [chars, self.limit, self._window_ms]
            return list(self._spend(keys=[key], args=args, client=client))

        try:
            reply = self.link.call(run)
        except (RedisUnavailable, RedisFailed) as exc:
            return self._fall_back(identity, chars, exc)
        charged, used, third = (int(x) for x in reply)
        if not charged:
            raise OverBudget(used, self.limit, chars, max(1, math.ceil(third / 1000)))
        return Charge(identity, chars, third, "shared")

    def refund(self, charge: Charge) -> None:
        if charge.store == "local":
            self.local.refund(charge)
        if charge.store != "shared":
            return
        key = self._key(charge.identity)

        def run(client: Redis) -> None:
            self._refund(keys=[key], args=[charge.chars, charge.window], client=client)

        try:
            self.link.call(run)
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "a refund for unserved work is lost")

    def usage(self, identity: str) -> Usage:
        """The shared count; this replica's own count while Redis cannot be reached."""
        key = self._key(identity)

        def run(client: Redis) -> list[int]:
            return list(self._used(keys=[key], args=[self._window_ms], client=client))

        try:
            used, start = (int(x) for x in self.link.call(run))
        except (RedisUnavailable, RedisFailed) as exc:
            self.faults.record(exc.kind, exc, "usage is this replica's own count")
            return self.local.usage(identity)
        if used == 0:
            return Usage(0, self.limit, self.window_s)
        return Usage(used, self.limit, self.window_s, start / 1000)

    def _fall_back(self, identity: str, chars: int, exc: RedisUnavailable | RedisFailed) -> Charge:
        consequence = {
            "local": "this replica counts budgets on its own until Redis answers",
            "open": "requests pass uncounted until Redis answers",
            "closed": "requests with a budget are refused (503) until Redis answers",
        }[self.fallback]
        self.faults.record(exc.kind, exc, consequence)
        if self.fallback == "local":
            return self.local.spend(identity, chars)
        if self.fallback == "open":
            return Charge(identity, chars, 0, "none")
        raise BudgetUnavailable(f"the shared budget store is unreachable ({exc})") from exc

    def _key(self, identity: str) -> str:
        return self.PREFIX + hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


def budget_from_settings(
    settings: Settings, link: RedisLink | None
) -> LocalBudget | SharedBudget | None:
    """The budget ``THAIMT_KEY_CHAR_LIMIT`` asks for: none, shared (Redis) or local."""
    if settings.key_char_limit is None:
        return None
    if not settings.api_keys:
        proxies = ", ".join(settings.trusted_proxies) or "none (THAIMT_TRUSTED_PROXIES)"
        log.info(
            "no API keys: the character budget is per client address; X-Forwarded-For is "
            "believed from: %s", proxies,
        )  # fmt: skip
    window = settings.key_char_window_s
    if link is None:
        return LocalBudget(settings.key_char_limit, window)
    return SharedBudget(
        link, settings.key_char_limit, window, fallback=settings.redis_limit_fallback
    )
