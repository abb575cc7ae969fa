"""The engine: batches within its limits, one backend call per batch, the repetition guard, and
the cached form of a model output."""

from __future__ import annotations

from pathlib import Path

from models.backend import DecodeOptions, ModelOutput
from models.corpus import thai_lines
from service.cache import TranslationCache
from service.engine import Engine
from tests.standins import StandInBackend

GREEDY = DecodeOptions(max_output_tokens=12)


def test_run_keeps_input_order_and_matches_single_calls(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(tiny_backend, max_batch_size=4)
    segments = engine.segments(thai_lines()[:10])
    outputs = engine.run(segments, GREEDY)
    alone = [engine.run_batch([s], GREEDY)[0] for s in segments]
    assert [o.text for o in outputs] == [o.text for o in alone]
    assert engine.stats.model_calls == 3 + 10  # 4 + 4 + 2, then one each
    assert all(o.tokens > 0 for o in outputs)


def test_batches_are_length_sorted_and_within_limits(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(tiny_backend, max_batch_size=5, max_batch_tokens=120)
    segments = engine.segments(thai_lines()[:30])
    batches = list(engine.batches(segments))
    assert sorted(i for b in batches for i in b) == list(range(30))
    for batch in batches:
        tokens = [segments[i].tokens for i in batch]
        assert tokens == sorted(tokens) and len(batch) <= 5
        assert len(batch) == 1 or max(tokens) * len(batch) <= 120


def test_translate_sends_each_distinct_text_once() -> None:
    backend = StandInBackend(lambda text: f"en:{text}")
    engine = Engine(backend)
    texts = ["แมว", "หมา", "แมว", "นก", "หมา"]
    assert engine.translate(texts, GREEDY) == [f"en:{t}" for t in texts]
    assert backend.encoded == ["แมว", "หมา", "นก"]
    assert engine.stats.segments == 3


def test_the_cache_keeps_alternatives(tmp_path: Path) -> None:
    backend = StandInBackend(lambda text: "the cat " * 30)
    with TranslationCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(backend, cache=cache)
        options = DecodeOptions(alternatives=2)
        fresh = engine.run(engine.segments(["สวัสดี"]), options)
        engine.store({"สวัสดี": fresh[0]}, options)
        hit = engine.lookup(["สวัสดี", "ไม่มี"], options)
    assert list(hit) == ["สวัสดี"]
    assert hit["สวัสดี"] == ModelOutput(fresh[0].text, 0, fresh[0].alternatives)
    assert len(fresh[0].alternatives) == 2


def test_the_cache_keeps_the_models_score(tmp_path: Path) -> None:
    """A hit keeps the score its confidence is computed from."""
    backend = StandInBackend(lambda text: "a cat", score=lambda text: -0.25)
    with TranslationCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(backend, cache=cache)
        fresh = engine.run(engine.segments(["แมว"]), GREEDY)
        engine.store({"แมว": fresh[0]}, GREEDY)
        hit = engine.lookup(["แมว"], GREEDY)["แมว"]
    assert fresh[0].score == hit.score == -0.25


def test_entries_cached_before_scores_still_load(tmp_path: Path) -> None:
    """An entry written by an older thaimt ([text, alternatives]) is a hit with no score; an
    entry of an unknown shape is a miss."""
    backend = StandInBackend(lambda text: "a cat")
    with TranslationCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(backend, cache=cache)
        old, odd = (cache.key(backend, GREEDY, t) for t in ("แมว", "หมา"))
        cache.put_many({old: '["a cat", ["the cat"]]', odd: '["a dog", [], "high"]'})
        found = engine.lookup(["แมว", "หมา"], GREEDY)
    assert found == {"แมว": ModelOutput("a cat", 0, ("the cat",), None)}
