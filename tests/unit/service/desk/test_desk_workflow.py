"""The memory in the one workflow: before the cache and the model, on every way of running it
(engine, batcher, stream); a unit fixed to a number applies only where the number is the same;
close matches are offered beside the machine translation when asked for."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from service.batching import Batcher, BatcherConfig
from service.cache.sqlite import SqliteCache
from service.desk.books import MemoryBook
from service.desk.lookup import TeamMemory
from service.desk.sqlite import SqliteDesk
from service.engine import Engine
from service.pipeline import DocumentResult, SegmentResult, TranslateOptions
from service.workflow import (
    start_stream,
    stream_paragraphs,
    translate_documents,
    translate_documents_async,
)

ARTICLE = "ราคา 100 บาท ที่ Central World\nวันนี้อากาศดีมาก\nราคา 2,500 บาท ที่ Siam Paragon"


def segments(results: Sequence[DocumentResult]) -> list[SegmentResult]:
    return [s for r in results for p in r.paragraphs for s in p.segments]


async def served(engine: Engine, options: TranslateOptions, stream: bool) -> list[str]:
    batcher = Batcher(engine, BatcherConfig(max_wait_ms=5))
    batcher.start()
    try:
        if not stream:
            results, _ = await translate_documents_async(engine, batcher, [ARTICLE], options)
            return [results[0].text]
        job = await start_stream(engine, batcher, [ARTICLE], options)
        return ["\n".join([result.text async for _, _, result in stream_paragraphs(job)])]
    finally:
        await batcher.stop()


@pytest.fixture()
def book(tmp_path: Path) -> MemoryBook:
    book = MemoryBook(SqliteDesk(tmp_path / "desk.sqlite3"))
    book.add("news", [("ราคา 100 บาท ที่ Central World", "It costs 100 baht at Central World")])
    return book


@pytest.mark.parametrize("way", ["engine", "batcher", "stream"])
def test_an_approved_translation_replaces_the_model_on_every_way(
    way: str, book: MemoryBook, tiny_backend: Any, tmp_path: Path
) -> None:
    options = TranslateOptions(memory=TeamMemory(book, "news"))
    with SqliteCache(tmp_path / "cache.sqlite3") as cache:
        engine = Engine(tiny_backend, cache=cache)
        if way == "engine":
            [text] = [r.text for r in translate_documents(engine, [ARTICLE], options)]
        else:
            [text] = asyncio.run(served(engine, options, stream=way == "stream"))
        assert engine.stats.segments == 1  # only the weather sentence reached the model
        assert cache.stats.misses == 1  # the memory comes before the cache
    first, _, third = text.split("\n")
    assert first == "It costs 100 baht at Central World"
    assert third == "It costs 2,500 baht at Siam Paragon"
    other = TranslateOptions(memory=TeamMemory(book, "features"))  # another team's memory
    theirs = segments(translate_documents(Engine(tiny_backend), [ARTICLE], other))
    assert {s.origin for s in theirs} == {"machine"}


def test_a_unit_fixed_to_a_number_applies_only_to_that_number(
    book: MemoryBook, tiny_backend: Any
) -> None:
    book.add("news", [("ราคา 100 บาท ที่ Central World", "A hundred baht at Central World")])
    engine = Engine(tiny_backend)
    options = TranslateOptions(memory=TeamMemory(book, "news"))
    first, _, third = segments(translate_documents(engine, [ARTICLE], options))
    assert (first.origin, first.target) == ("memory", "A hundred baht at Central World")
    assert third.origin == "machine" and "hundred" not in third.target
    assert engine.stats.segments == 2  # the price sentence still ran once, for the 2,500
    # Confidence is the model's: none for the approved unit, a number for the model's output.
    assert first.confidence is None and third.confidence is not None


def test_close_matches_are_offered_when_asked_for(book: MemoryBook, tiny_backend: Any) -> None:
    text = "ราคา 300 บาท ที่ Central World ครับ"
    quiet = TranslateOptions(memory=TeamMemory(book, "news"))
    [plain] = segments(translate_documents(Engine(tiny_backend), [text], quiet))
    assert plain.origin == "machine" and plain.suggestion is None
    asking = TranslateOptions(memory=TeamMemory(book, "news", suggestions=True))
    [seg] = segments(translate_documents(Engine(tiny_backend), [text], asking))
    assert seg.suggestion is not None and seg.suggestion["score"] >= 0.8
    assert seg.suggestion["adapted"] == "It costs 300 baht at Central World"
