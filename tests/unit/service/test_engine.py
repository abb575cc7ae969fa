"""The engine's memory of token counts: a segment is tokenised once on its way through the
pipeline (budget check) and the batcher (batch limits), and the counts are always the backend's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

import service.engine as engine_module
from models.backend import DecodeOptions
from models.corpus import thai_lines
from service.batcher import Batcher, BatcherConfig
from service.engine import Engine
from service.http.translation import translate_texts
from service.pipeline import (
    DocumentResult,
    TranslateOptions,
    prepare_documents,
    translate_documents,
    unique_requests,
)


class CountingCounter:
    """The real tiny backend, with a record of which texts it was asked to count."""

    def __init__(self, backend) -> None:  # type: ignore[no-untyped-def]
        self.backend = backend
        self.counted: list[str] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.backend, name)

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        self.counted += texts
        return list(self.backend.token_lengths(texts))


def test_counts_equal_the_backends_and_each_text_is_tokenised_once(tiny_backend) -> None:
    texts = thai_lines()[:40]
    spy = CountingCounter(tiny_backend)
    engine = Engine(spy)
    mixed = texts[:25] + texts[10:40] + texts[:5]  # repeats, across and within calls

    assert engine.token_lengths(texts[:25]) == tiny_backend.token_lengths(texts[:25])
    assert engine.token_lengths(mixed) == tiny_backend.token_lengths(mixed)
    assert sorted(spy.counted) == sorted(set(texts))  # every distinct text exactly once
    assert engine.token_lengths([]) == []


def test_the_memory_is_bounded_and_forgets_the_oldest(
    tiny_backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "LENGTH_MEMO", 4)
    texts = thai_lines()[:6]
    spy = CountingCounter(tiny_backend)
    engine = Engine(spy)
    engine.token_lengths(texts)  # remembers the last 4
    spy.counted.clear()

    assert engine.token_lengths(texts[2:]) == tiny_backend.token_lengths(texts[2:])
    assert spy.counted == []  # all remembered
    assert engine.token_lengths(texts[:1]) == tiny_backend.token_lengths(texts[:1])
    assert spy.counted == texts[:1]  # the oldest had been forgotten


def test_a_served_request_tokenises_each_segment_once(tiny_backend) -> None:
    """Through the server's path (prepare → batcher → assemble): the budget check counts each
    segment, the batcher reuses that count, and the text equals the offline pipeline's."""
    spy = CountingCounter(tiny_backend)
    engine = Engine(spy)
    options = TranslateOptions(decode=DecodeOptions(forced_output_tokens=4))
    texts = ["สวัสดีครับ วันนี้อากาศดีมาก", "ผมชอบกินข้าวผัดที่ Startup Digital Hub CLMVT ทุกวัน"]

    async def serve() -> tuple[list[DocumentResult], int]:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=5))
        batcher.start()
        try:
            return await translate_texts(engine, batcher, texts, options)
        finally:
            await batcher.stop()

    results, count = asyncio.run(serve())

    segments = unique_requests(prepare_documents(texts, options, tiny_backend))
    assert count == len(segments) > 1
    assert {s: spy.counted.count(s) for s in segments} == {s: 1 for s in segments}
    offline = translate_documents(texts, Engine(tiny_backend), options)
    assert [r.text for r in results] == [r.text for r in offline]
    assert "Startup Digital Hub CLMVT" in results[1].text
