"""The bench's engine adapter: texts through the engine as they are, each distinct one once."""

from __future__ import annotations

from pathlib import Path

from bench.adapters import engine_translate, new_engine
from models.backend import DecodeOptions
from service.cache.sqlite import SqliteCache
from tests.standins import StandInBackend

GREEDY = DecodeOptions(max_output_tokens=12)


def test_each_distinct_text_reaches_the_model_once() -> None:
    backend = StandInBackend(lambda text: f"en:{text}")
    engine = new_engine(backend, 32)
    texts = ["แมว", "หมา", "แมว", "นก", "หมา"]
    assert engine_translate(engine, texts, GREEDY) == [f"en:{t}" for t in texts]
    assert backend.encoded == ["แมว", "หมา", "นก"]
    assert engine.stats.segments == 3


def test_a_second_pass_is_served_by_the_cache(tmp_path: Path) -> None:
    backend = StandInBackend(lambda text: f"en:{text}")
    with SqliteCache(tmp_path / "c.sqlite3") as cache:
        engine = new_engine(backend, 32, cache=cache)
        first = engine_translate(engine, ["แมว", "หมา"], GREEDY)
        assert engine_translate(engine, ["หมา", "แมว"], GREEDY) == first[::-1]
        assert engine.stats.model_calls == 1 and cache.stats.hits == 2
