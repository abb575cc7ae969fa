"""The one workflow: every path (engine, batcher, stream) gives the same documents, consults and
fills the cache, and on the server's path tokenises each distinct segment exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from models.backend import DecodeOptions
from service.batching import Batcher, BatcherConfig
from service.cache.sqlite import SqliteCache
from service.engine import Engine
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import (
    start_stream,
    stream_paragraphs,
    translate_documents,
    translate_documents_async,
)

OPTIONS = TranslateOptions(
    glossary={"กรุงเทพมหานคร": "Bangkok"}, decode=DecodeOptions(forced_output_tokens=4)
)
TEXTS = [
    "สวัสดีครับ วันนี้อากาศดีมาก\nผมชอบกินข้าวผัดที่ Startup Digital Hub CLMVT ทุกวัน",
    "แมวนอนอยู่บนโต๊ะในกรุงเทพมหานคร ราคา 1,250 บาท\n\nสวัสดีครับ วันนี้อากาศดีมาก",
]


class CountingTokenizer:
    """The real tokenizer, recording every text it is asked to tokenise."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def __call__(self, texts: Any, *args: Any, **kwargs: Any) -> Any:
        self.texts += [texts] if isinstance(texts, str) else list(texts)
        return self.inner(texts, *args, **kwargs)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("tokenised outside __call__")

    encode = tokenize = batch_encode_plus = encode_plus = _refuse

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def _served(engine: Engine, texts: Sequence[str]) -> tuple[list[DocumentResult], int]:
    batcher = Batcher(engine, BatcherConfig(max_wait_ms=5))
    batcher.start()
    try:
        return await translate_documents_async(engine, batcher, texts, OPTIONS)
    finally:
        await batcher.stop()


async def _streamed(engine: Engine, texts: Sequence[str]) -> list[str]:
    batcher = Batcher(engine, BatcherConfig(max_wait_ms=5))
    batcher.start()
    try:
        job = await start_stream(engine, batcher, texts, OPTIONS)
        paragraphs: AsyncIterator[Any] = stream_paragraphs(job)
        lines: dict[int, list[str]] = {}
        async for index, _, result in paragraphs:
            lines.setdefault(index, []).append(result.text)
        return ["\n".join(lines[i]) for i in range(len(texts))]
    finally:
        await batcher.stop()


def test_server_path_tokenises_each_distinct_segment_exactly_once(
    tiny_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingTokenizer(tiny_backend.tokenizer)
    monkeypatch.setattr(tiny_backend, "tokenizer", counting)
    engine = Engine(tiny_backend)

    results, segments = asyncio.run(_served(engine, TEXTS))

    counts = Counter(counting.texts)
    model_segments = {
        seg.masked for r in results for p in r.paragraphs for seg in p.segments if seg.target_raw
    }
    assert segments == len(model_segments) > 2
    assert {s: counts[s] for s in model_segments} == {s: 1 for s in model_segments}
    assert engine.stats.segments == len(model_segments)  # the repeated sentence ran once
    assert "Startup Digital Hub CLMVT" in results[0].text and "Bangkok" in results[1].text


@pytest.mark.parametrize("way", ["engine", "batcher", "stream"])
def test_every_way_fills_and_then_reads_the_cache(
    way: str, tiny_backend: Any, tmp_path: Path
) -> None:
    offline = [r.text for r in translate_documents(Engine(tiny_backend), TEXTS, OPTIONS)]
    runs: dict[str, Callable[[Engine], list[str]]] = {
        "engine": lambda e: [r.text for r in translate_documents(e, TEXTS, OPTIONS)],
        "batcher": lambda e: [r.text for r in asyncio.run(_served(e, TEXTS))[0]],
        "stream": lambda e: asyncio.run(_streamed(e, TEXTS)),
    }
    with SqliteCache(tmp_path / "c.sqlite3") as cache:
        engine = Engine(tiny_backend, cache=cache)
        first = runs[way](engine)
        calls = engine.stats.model_calls
        second = runs[way](engine)
        stats = cache.stats
    assert first == second == offline
    assert calls > 0 and engine.stats.model_calls == calls  # the second run never ran the model
    assert stats.hits == stats.misses > 0
