"""The Redis-backed cache and budgets against a real ``redis-server`` (no fakes): same keys as
the SQLite cache, TTLs, atomic budgets across clients, and Redis going away and coming back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from models.backend import DecodeOptions
from service.cache.keys import make_key, segment_key
from service.cache.redis import PREFIX, RedisCache
from service.state.budgets import BudgetUnavailable, OverBudget, SharedBudget
from service.state.redis_link import RedisLink
from tests.realdeps import RedisProcess


class StandInBackend:  # only the identity attributes a cache key reads
    name, model_id, revision, precision = "ct2", "some/model", "abc", "int8"


@pytest.fixture()
def redis_proc(tmp_path: Path) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path).start()
    yield proc
    proc.stop()


def _link(proc: RedisProcess) -> RedisLink:
    return RedisLink(proc.url, timeout_s=0.5, retry_after_s=0.05)


def _wait_up(link: RedisLink) -> None:
    deadline = time.monotonic() + 30
    while not link.check():
        assert time.monotonic() < deadline, "the link never reconnected"
        time.sleep(0.05)


def test_same_keys_as_the_sqlite_cache_with_a_renewed_ttl(
    redis_proc: RedisProcess, tmp_path: Path
) -> None:
    link = _link(redis_proc)
    cache = RedisCache(link, ttl_s=1000)
    backend, options = StandInBackend(), DecodeOptions(beam_size=2)
    key = segment_key(backend, options, "แมว")  # type: ignore[arg-type]
    assert key == make_key("some/model", "abc", "ct2:int8", options.cache_key(), "แมว")
    cache.put_many({key: "cat ✓", make_key("m", "r", "b", "d", "x"): "x"})
    assert cache.get_many([key, key, "0" * 64]) == {key: "cat ✓"}
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert 0 < link.client.ttl(PREFIX + key) <= 1000
    link.client.expire(PREFIX + key, 5)
    cache.get_many([key])  # a hit renews the TTL
    assert link.client.ttl(PREFIX + key) > 5
    assert cache.status == "ok" and cache.faults.counts() == {}


def test_two_clients_share_one_budget_exactly(redis_proc: RedisProcess) -> None:
    """Two links (two replicas' worth of connections) spend one key's 1,000 characters from
    32 threads at once: exactly 142 charges of 7 characters fit, whoever makes them."""
    budgets = [SharedBudget(_link(redis_proc), 1000, 3600) for _ in range(2)]
    start = threading.Barrier(32)

    def spend(i: int) -> bool:
        if i < 32:
            start.wait()
        try:
            budgets[i % 2].spend("key:shared", 7)
        except OverBudget:
            return False
        return True

    with ThreadPoolExecutor(32) as pool:
        charged = sum(pool.map(spend, range(400)))
    assert charged == 1000 // 7
    for budget in budgets:
        with pytest.raises(OverBudget) as refused:
            budget.spend("key:shared", 7)
        assert refused.value.used == 994 and refused.value.retry_after_s > 1
    budgets[0].spend("key:other", 1000)  # another identity, its own budget


def test_a_refund_on_one_replica_frees_the_budget_on_another(redis_proc: RedisProcess) -> None:
    a, b = (SharedBudget(_link(redis_proc), 1000, 3600) for _ in range(2))
    charge = a.spend("key:k", 900)
    with pytest.raises(OverBudget):
        b.spend("key:k", 200)
    a.refund(charge)  # the work was not done (503/504)
    b.spend("key:k", 1000)
    assert all(k.startswith(b"thaimt:budget:") and b"key:k" not in k
               for k in a.link.client.keys("*"))  # fmt: skip


@pytest.mark.parametrize("fallback", ["local", "open", "closed"])
def test_redis_down_and_back(redis_proc: RedisProcess, fallback: str) -> None:
    link = _link(redis_proc)
    cache = RedisCache(link)
    budget = SharedBudget(link, 1000, 3600, fallback=fallback)  # type: ignore[arg-type]
    key = make_key("m", "r", "b", "d", "segment")
    cache.put_many({key: "before"})
    budget.spend("key:k", 600)

    redis_proc.kill()
    assert cache.get_many([key]) == {}  # a miss, not an error
    cache.put_many({key: "lost"})  # skipped
    assert not link.check() and cache.status == "degraded"
    assert cache.faults.counts()["unavailable"] >= 2
    if fallback == "local":  # each replica enforces the limit on its own
        budget.spend("key:k", 600)
        with pytest.raises(OverBudget):
            budget.spend("key:k", 600)
    elif fallback == "open":
        assert budget.spend("key:k", 1000).store == "none"
    else:
        with pytest.raises(BudgetUnavailable):
            budget.spend("key:k", 1)
    assert budget.faults.counts()["unavailable"] >= 1

    redis_proc.start()  # same port, empty (nothing was saved)
    _wait_up(link)
    cache.put_many({key: "after"})
    assert cache.get_many([key]) == {key: "after"}
    assert budget.spend("key:k", 1000).store == "shared"  # the script is loaded again


def test_a_full_redis_refuses_stores_and_lookups_go_on(tmp_path: Path) -> None:
    proc = RedisProcess(tmp_path, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    proc.start()
    try:
        cache = RedisCache(_link(proc))
        first = make_key("m", "r", "b", "d", "first")
        cache.put_many({first: "kept"})
        for i in range(40):  # 40 × 100 KB: well past 2 MB
            cache.put_many({make_key("m", "r", "b", "d", f"big {i}"): "x" * 100_000})
        assert cache.faults.counts().get("full", 0) >= 1
        assert cache.get_many([first]) == {first: "kept"}
    finally:
        proc.stop()
