"""The SQLite cache never fails a translation: a corrupt file at start is moved aside, errors
while serving are misses or skipped stores, counted by kind and logged once per kind."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import pytest

from service.cache.keys import make_key
from service.cache.sqlite import SqliteCache
from tests.realdeps import fill_disk, tmpfs


def _key(i: int) -> str:
    return make_key("m", "r", "torch", "d", f"segment {i}")


def _filled(path: Path, n: int = 3000) -> Path:
    with SqliteCache(path) as cache:
        cache.put_many({_key(i): "translation " * 4 for i in range(n)})
    return path


def _garbage(path: Path) -> Path:
    path.write_bytes(b"this is no SQLite database\n" * 200)
    return path


def _truncated(path: Path) -> Path:
    _filled(path)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    return path


def _moved_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


@pytest.mark.parametrize("damage", [_garbage, _truncated])
def test_a_corrupt_file_at_start_is_moved_aside_with_one_warning(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    path = damage(tmp_path / "cache.sqlite3")  # type: ignore[operator]
    before = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="service.cache.sqlite"):
        cache = SqliteCache(path)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "moved aside" in warnings[0], warnings
    aside = [p for p in _moved_aside(path) if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == before  # kept for a post-mortem
    cache.put_many({_key(1): "one"})
    assert cache.get_many([_key(1)]) == {_key(1): "one"}
    assert cache.faults.counts() == {"corrupt": 1}


def test_corruption_while_serving_is_a_miss_then_the_cache_heals(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = SqliteCache(path)
    cache.put_many({_key(i): f"t{i}" for i in range(20)})
    assert len(cache.get_many([_key(i) for i in range(20)])) == 20
    for suffix in ("", "-wal", "-shm"):  # every byte SQLite has on disk
        target = Path(f"{path}{suffix}")
        target.write_bytes(os.urandom(target.stat().st_size))
    with caplog.at_level(logging.WARNING, logger="service.cache.sqlite"):
        assert cache.get_many([_key(i) for i in range(20)]) == {}  # a miss, not an error
        cache.put_many({_key(99): "fresh"})
        assert cache.get_many([_key(99)]) == {_key(99): "fresh"}  # a fresh file took over
    assert cache.faults.counts()["corrupt"] >= 1
    assert cache.status == "degraded"
    assert len(_moved_aside(path)) >= 1


def test_a_lock_held_too_long_is_a_miss_and_a_skipped_store(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = SqliteCache(path, busy_timeout_s=0.05)
    cache.put_many({_key(1): "one"})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        cache.put_many({_key(2): "two"})
        assert cache.faults.counts() == {"locked": 1}
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert cache.get_many([_key(1), _key(2)]) == {_key(1): "one"}  # works again
    assert cache.status == "degraded"


def test_a_full_disk_skips_stores_and_lookups_go_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with tmpfs(tmp_path / "small", "1m") as disk:
        cache = SqliteCache(disk / "cache.sqlite3")
        cache.put_many({_key(1): "one"})
        filler = fill_disk(disk)
        with caplog.at_level(logging.WARNING, logger="service.cache.sqlite"):
            for i in range(20):
                cache.put_many({_key(100 + i * 100 + j): "x" * 200 for j in range(100)})
            assert cache.get_many([_key(1)]) == {_key(1): "one"}
        assert cache.faults.counts()["full"] >= 20
        assert sum("error (full)" in r.getMessage() for r in caplog.records) == 1
        filler.unlink()
        cache.put_many({_key(2): "two"})
        assert cache.get_many([_key(2)]) == {_key(2): "two"}
        cache.close()


def test_an_unopenable_path_means_no_cache_not_a_crash(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache = SqliteCache(blocker / "cache.sqlite3")  # its parent cannot be created
    cache.put_many({_key(1): "one"})
    assert cache.get_many([_key(1)]) == {}
    assert cache.status == "degraded"
    assert cache.faults.counts() == {"unwritable": 1}


def _delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):  # what `rm cache.sqlite3*` removes
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_a_file_deleted_while_open_is_recreated_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19, point 2 (fails on main: the store went into the unlinked file, and the
    status stayed "ok")."""
    path = tmp_path / "cache.sqlite3"
    cache = SqliteCache(path)
    cache.put_many({_key(1): "one"})
    _delete(path)
    assert cache.status == "degraded"  # at once: /ready need not wait for a store
    with caplog.at_level(logging.WARNING, logger="service.cache.sqlite"):
        cache.put_many({_key(2): "two"})
        cache.put_many({_key(3): "three"})
    assert path.exists()
    assert cache.faults.counts() == {"lost": 1}
    assert sum("error (lost)" in r.getMessage() for r in caplog.records) == 1
    assert cache.get_many([_key(1), _key(2)]) == {_key(2): "two"}
    cache.close()
    with SqliteCache(path) as reopened:  # what a restart finds
        assert reopened.get_many([_key(1), _key(2), _key(3)]) == {_key(2): "two", _key(3): "three"}
        assert reopened.status == "ok"


def test_a_file_replaced_while_open_is_the_one_used(tmp_path: Path) -> None:
    """``mv other.sqlite3 cache.sqlite3`` (or another process that moved a corrupt file aside
    and started afresh): lookups and stores go to the file now at the path."""
    path, other = tmp_path / "cache.sqlite3", tmp_path / "other.sqlite3"
    cache = SqliteCache(path)
    cache.put_many({_key(1): "old"})
    with SqliteCache(other) as replacement:
        replacement.put_many({_key(2): "new"})
    _delete(path)
    other.rename(path)
    assert cache.get_many([_key(1), _key(2)]) == {_key(2): "new"}
    cache.put_many({_key(3): "three"})
    cache.close()
    with SqliteCache(path) as reopened:
        assert set(reopened.get_many([_key(1), _key(2), _key(3)])) == {_key(2), _key(3)}
    assert cache.faults.counts() == {"lost": 1}


def test_an_in_memory_cache_has_no_file_to_lose() -> None:
    cache = SqliteCache(":memory:")
    cache.put_many({_key(1): "one"})
    assert cache.get_many([_key(1)]) == {_key(1): "one"}
    assert cache.status == "ok" and cache.faults.counts() == {}
