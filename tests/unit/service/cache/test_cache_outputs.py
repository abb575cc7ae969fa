"""The cache front: a second pass returns the same text without the model, and the cached form
of a model output reads back (older shapes too; unreadable entries are misses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.backend import DecodeOptions, ModelOutput, encode_segments
from models.corpus import thai_lines
from service.cache.outputs import decode_output, encode_output
from service.cache.sqlite import SqliteCache
from service.engine import Engine
from service.pipeline import TranslateOptions
from service.workflow import translate_document, translate_documents
from tests.standins import StandInBackend

# Short outputs keep the first (model) pass quick; the cache does not care about length.
OPTIONS = DecodeOptions(max_output_tokens=12)


def _texts(engine: Engine, texts: list[str], decode: DecodeOptions = OPTIONS) -> list[str]:
    results = translate_documents(engine, texts, TranslateOptions(decode=decode))
    return [r.text for r in results]


def test_second_pass_is_served_from_cache_with_identical_text(tiny_backend, tmp_path: Path) -> None:
    texts = thai_lines()[:200]
    cache = SqliteCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, max_batch_size=32, cache=cache)

    first = _texts(engine, texts)
    calls_after_first = engine.stats.model_calls
    distinct = cache.stats.misses
    assert cache.stats.hits == 0 and distinct == engine.stats.segments > 0

    assert _texts(engine, texts) == first
    assert engine.stats.model_calls == calls_after_first  # nothing reached the model
    assert (cache.stats.hits, cache.stats.misses) == (distinct, distinct)
    assert engine.outputs.hits == distinct


def test_a_new_engine_on_the_same_file_reuses_translations(tiny_backend, tmp_path: Path) -> None:
    texts = thai_lines()[200:240]
    path = tmp_path / "cache.sqlite3"
    with SqliteCache(path) as cache:
        first = _texts(Engine(tiny_backend, cache=cache), texts)
    with SqliteCache(path) as cache:
        engine = Engine(tiny_backend, cache=cache)
        assert _texts(engine, texts) == first
        assert engine.stats.model_calls == 0


def test_other_decode_options_miss(tiny_backend, tmp_path: Path) -> None:
    texts = thai_lines()[:5]
    cache = SqliteCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, cache=cache)
    _texts(engine, texts)
    _texts(engine, texts, DecodeOptions(max_output_tokens=11))
    assert cache.stats.hits == 0


def test_cached_documents_keep_spans_and_glossary(tiny_backend, tmp_path: Path) -> None:
    text = "บริษัท Alibaba Cloud เปิดตัวบริการใหม่ที่ https://example.com/th ในกรุงเทพมหานคร\nราคา 1,250 บาท"
    options = TranslateOptions(glossary={"กรุงเทพมหานคร": "Bangkok"}, decode=OPTIONS)
    cache = SqliteCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, cache=cache)
    first = translate_document(engine, text, options)
    second = translate_document(engine, text, options)
    assert second.to_dict() == first.to_dict()
    assert cache.stats.hits > 0
    for kept in ("Alibaba Cloud", "https://example.com/th", "Bangkok"):
        assert kept in second.text


def test_the_cache_keeps_alternatives(tmp_path: Path) -> None:
    backend = StandInBackend(lambda text: "the cat " * 30)
    with SqliteCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(backend, cache=cache)
        options = DecodeOptions(alternatives=2)
        fresh = engine.run(encode_segments(backend, ["สวัสดี"]), options)
        engine.outputs.remember({"สวัสดี": fresh[0]}, options)
        hit = engine.outputs.lookup(["สวัสดี", "ไม่มี"], options)
    assert list(hit) == ["สวัสดี"]
    assert hit["สวัสดี"] == ModelOutput(fresh[0].text, 0, fresh[0].alternatives)
    assert len(fresh[0].alternatives) == 2


OUTPUT = ModelOutput("Hello\ud800 \u0e01", 7, ("Hi", "Hey"))


def test_the_cached_form_is_an_object_with_one_key_per_field() -> None:
    value = encode_output(OUTPUT)
    assert json.loads(value) == {"text": OUTPUT.text, "alternatives": ["Hi", "Hey"], "score": None}
    assert decode_output(value) == ModelOutput(OUTPUT.text, 0, OUTPUT.alternatives)


def test_the_cache_keeps_the_models_score(tmp_path: Path) -> None:
    """A hit keeps the score its confidence is computed from."""
    backend = StandInBackend(lambda text: "a cat", score=lambda text: -0.25)
    with SqliteCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(backend, cache=cache)
        fresh = engine.run(encode_segments(backend, ["แมว"]), OPTIONS)
        engine.outputs.remember({"แมว": fresh[0]}, OPTIONS)
        hit = engine.outputs.lookup(["แมว"], OPTIONS)["แมว"]
    assert fresh[0].score == hit.score == -0.25


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["Hello", ["Hi"]]', ModelOutput("Hello", 0, ("Hi",))),  # the first format-2 shape
        ('{"text": "Hello"}', ModelOutput("Hello", 0, ())),  # a field it was written without
        ('{"text": "Hello", "alternatives": [], "later": 0.5}', ModelOutput("Hello", 0, ())),
        ('{"text": "Hello", "score": -0.5}', ModelOutput("Hello", 0, (), -0.5)),
        ('{"text": "Hello", "score": "high"}', ModelOutput("Hello", 0, ())),  # unknown score
        ("not json", None),
        ('{"alternatives": []}', None),
        ('{"text": 3}', None),
        ('["Hello"]', None),
        ("42", None),
    ],
)
def test_older_and_newer_entries_read_as_hits_anything_else_as_a_miss(
    value: str, expected: ModelOutput | None
) -> None:
    assert decode_output(value) == expected
