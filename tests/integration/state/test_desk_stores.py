"""Both desk stores against the same contract (SQLite file, real ``redis-server``): glossaries
and units per team, the change feed two replicas' close-match indexes follow, and a store that
goes away failing loudly for writes and quietly (no memory) for translations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.desk.books import MemoryBook
from service.desk.glossaries import new_glossary, replaced
from service.desk.lookup import TeamMemory
from service.desk.memory import make_unit
from service.desk.redis import RedisDesk
from service.desk.sqlite import SqliteDesk
from service.desk.store import DeskStore, DeskUnavailable
from service.state.redis_link import RedisLink
from tests.realdeps import RedisProcess

Open = Callable[[], DeskStore]  # a new store over the same data: another replica


@pytest.fixture(scope="module")
def redis_proc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path_factory.mktemp("desk-redis")).start()
    yield proc
    proc.stop()


@pytest.fixture(params=["sqlite", "redis"])
def replica(request: pytest.FixtureRequest, tmp_path: Path) -> Open:
    if request.param == "sqlite":
        return lambda: SqliteDesk(tmp_path / "desk.sqlite3")
    proc: RedisProcess = request.getfixturevalue("redis_proc")
    prefix = f"test:{request.node.name}:"
    return lambda: RedisDesk(RedisLink(proc.url, timeout_s=0.5), prefix=prefix)


def test_glossaries_by_team(replica: Open) -> None:
    one, two = replica(), replica()
    record = new_glossary("news", "names", {"อาลีบาบา": "Alibaba"}, ["สมคิด"])
    one.put_glossary(record)
    assert two.glossary("news", record.glossary_id) == record
    assert two.glossary("features", record.glossary_id) is None
    assert [g.glossary_id for g in two.glossaries("news")] == [record.glossary_id]
    assert two.glossaries("features") == []
    newer = replaced(record, None, {"อาลีบาบา": "Alibaba Group"})
    two.put_glossary(newer)
    assert one.glossary_version("news", record.glossary_id) == newer.version != record.version
    assert not one.delete_glossary("features", record.glossary_id)
    assert one.delete_glossary("news", record.glossary_id)
    assert two.glossary("news", record.glossary_id) is None


def test_units_and_the_change_feed_between_replicas(replica: Open) -> None:
    one, two = replica(), replica()
    price = make_unit("ราคา 100 บาท", "It costs 100 baht")
    weather = make_unit("วันนี้อากาศดีมาก", "The weather is lovely today")
    one.put_units("news", [price, weather])
    assert two.units("news", [price.key, "nope"]) == {price.key: price}
    assert two.units("features", [price.key]) == {} and two.unit_count("news") == 2
    feed = two.changes("news", 0)
    assert {k for k, u in feed.units if u is not None} == {price.key, weather.key}
    assert one.delete_units("news", [weather.key, "nope"]) == 1
    later = two.changes("news", feed.seq)
    assert later.units == [(weather.key, None)] and later.seq > feed.seq
    assert [u.key for u in two.all_units("news")] == [price.key]
    assert one.clear_units("news") == 1 and two.unit_count("news") == 0

    # Two replicas' close-match indexes follow the feed: a unit saved through one is offered by
    # the other, and a removed one is not.
    first, second = MemoryBook(one), MemoryBook(two)
    first.add("news", [("ตลาดปิด 5 วัน เพราะฝนตก", "The market closes for 5 days: rain")])
    masked = "ตลาดปิด ZX0 วัน เพราะฝนตกหนัก"
    [(_, found)] = second.close_matches("news", [masked], wait=True).items()
    assert found.unit.target == "The market closes for 5 days: rain"
    first.delete("news", found.unit.key)
    assert second.close_matches("news", [masked]) == {}


def test_a_store_that_cannot_answer(tmp_path: Path, redis_proc: RedisProcess) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    stores = [SqliteDesk(blocked / "desk.sqlite3"),
              RedisDesk(RedisLink("redis://127.0.0.1:9/0", timeout_s=0.2))]  # fmt: skip
    unit = make_unit("ราคา 100 บาท", "It costs 100 baht")
    for store in stores:
        with pytest.raises(DeskUnavailable):
            store.put_units("news", [unit])
        assert TeamMemory(MemoryBook(store), "news").exact([unit.masked_source]) == {}
        assert store.status == "degraded" and sum(store.faults.counts().values()) >= 1
