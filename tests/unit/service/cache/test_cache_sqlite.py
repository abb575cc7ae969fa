"""The SQLite translation cache on its own: storage, counters, eviction, threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from service.cache.factory import open_cache
from service.cache.keys import make_key
from service.cache.sqlite import SqliteCache


def _key(i: int) -> str:
    return make_key("m", "r", "torch", "d", f"segment {i}")


@pytest.fixture()
def cache(tmp_path: Path) -> SqliteCache:
    return SqliteCache(tmp_path / "cache.sqlite3", max_entries=1000)


def test_round_trip_counts_hits_and_misses(cache: SqliteCache) -> None:
    cache.put_many({_key(1): "one", _key(2): "two"})
    found = cache.get_many([_key(1), _key(2), _key(3)])
    assert found == {_key(1): "one", _key(2): "two"}
    assert (cache.stats.hits, cache.stats.misses) == (2, 1)


def test_repeated_keys_in_one_lookup_count_once(cache: SqliteCache) -> None:
    cache.put_many([(_key(1), "one")])
    assert cache.get_many([_key(1), _key(1), _key(9), _key(9)]) == {_key(1): "one"}
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)


def test_put_overwrites(cache: SqliteCache) -> None:
    cache.put_many({_key(1): "old"})
    cache.put_many({_key(1): "new"})
    assert cache.get_many([_key(1)]) == {_key(1): "new"}
    assert len(cache) == 1


def test_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite3"  # parent folders are created
    with open_cache(path) as first:
        first.put_many({_key(1): "ข้อความ ✓ \U0001f600"})
    with open_cache(path) as second:
        assert second.get_many([_key(1)]) == {_key(1): "ข้อความ ✓ \U0001f600"}


def test_lookups_larger_than_one_sqlite_statement(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite3", max_entries=10_000)
    items = {_key(i): f"t{i}" for i in range(1200)}
    cache.put_many(items)
    assert cache.get_many(list(items)) == items


def test_eviction_keeps_the_cap_and_spares_recently_used(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite3", max_entries=10)
    cache.put_many({_key(i): str(i) for i in range(10)})
    cache.get_many([_key(0)])  # used after the others were written
    cache.put_many({_key(i): str(i) for i in range(10, 15)})
    assert len(cache) <= 10
    assert _key(0) in cache.get_many([_key(0)])
    assert _key(14) in cache.get_many([_key(14)])  # the newest survive too


def test_eviction_in_bulk(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite3", max_entries=100, evict_fraction=0.2)
    cache.put_many({_key(i): str(i) for i in range(101)})
    assert len(cache) == 80  # evicts down to 80%, not to 100, so inserts do not evict each time


def test_threads_share_one_cache(cache: SqliteCache) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(50):
                key = _key(worker * 1000 + i)
                cache.put_many({key: f"{worker}-{i}"})
                assert cache.get_many([key]) == {key: f"{worker}-{i}"}
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) == 400
    assert cache.stats.hits == 400


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    """The server and a batch run may use the same file at once."""
    path = tmp_path / "shared.sqlite3"
    with open_cache(path) as server, open_cache(path) as batch:
        server.put_many({_key(1): "from server"})
        batch.put_many({_key(2): "from batch"})
        assert server.get_many([_key(2)]) == {_key(2): "from batch"}
        assert batch.get_many([_key(1)]) == {_key(1): "from server"}


def test_rejects_a_zero_cap(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        SqliteCache(tmp_path / "c.sqlite3", max_entries=0)


def test_prometheus_counters(cache: SqliteCache) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from service.cache.collector import CacheCollector

    registry = CollectorRegistry()
    registry.register(CacheCollector(cache))
    cache.put_many({_key(1): "one"})
    cache.get_many([_key(1), _key(2), _key(3)])
    text = generate_latest(registry).decode()
    assert "thaimt_cache_hits_total 1.0" in text
    assert "thaimt_cache_misses_total 2.0" in text
