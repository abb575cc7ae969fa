"""The cache behind the engine: a second pass returns the same text without the model."""

from __future__ import annotations

from pathlib import Path

from models.backend import DecodeOptions
from models.corpus import thai_lines
from service.cache import TranslationCache
from service.engine import Engine
from service.pipeline import TranslateOptions
from service.workflow import translate_document

# Short outputs keep the first (model) pass quick; the cache does not care about length.
OPTIONS = DecodeOptions(max_output_tokens=12)


def test_second_pass_is_served_from_cache_with_identical_text(tiny_backend, tmp_path: Path) -> None:
    segments = thai_lines()[:200]
    distinct = len(set(segments))
    cache = TranslationCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, max_batch_size=32, cache=cache)

    first = engine.translate(segments, OPTIONS)
    calls_after_first = engine.stats.model_calls
    assert (cache.stats.hits, cache.stats.misses) == (0, distinct)

    second = engine.translate(segments, OPTIONS)
    assert second == first
    assert engine.stats.model_calls == calls_after_first  # nothing reached the model
    assert (cache.stats.hits, cache.stats.misses) == (distinct, distinct)


def test_a_new_engine_on_the_same_file_reuses_translations(tiny_backend, tmp_path: Path) -> None:
    segments = thai_lines()[200:240]
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        first = Engine(tiny_backend, cache=cache).translate(segments, OPTIONS)
    with TranslationCache(path) as cache:
        engine = Engine(tiny_backend, cache=cache)
        assert engine.translate(segments, OPTIONS) == first
        assert engine.stats.model_calls == 0


def test_other_decode_options_miss(tiny_backend, tmp_path: Path) -> None:
    segments = thai_lines()[:5]
    cache = TranslationCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, cache=cache)
    engine.translate(segments, OPTIONS)
    engine.translate(segments, DecodeOptions(max_output_tokens=11))
    assert cache.stats.hits == 0


def test_cached_documents_keep_spans_and_glossary(tiny_backend, tmp_path: Path) -> None:
    text = "บริษัท Alibaba Cloud เปิดตัวบริการใหม่ที่ https://example.com/th ในกรุงเทพมหานคร\nราคา 1,250 บาท"
    options = TranslateOptions(glossary={"กรุงเทพมหานคร": "Bangkok"}, decode=OPTIONS)
    cache = TranslationCache(tmp_path / "cache.sqlite3")
    engine = Engine(tiny_backend, cache=cache)
    first = translate_document(engine, text, options)
    second = translate_document(engine, text, options)
    assert second.to_dict() == first.to_dict()
    assert cache.stats.hits > 0
    for kept in ("Alibaba Cloud", "https://example.com/th", "Bangkok"):
        assert kept in second.text
