"""What the translation memory costs a request: cache-hit articles through the workflow without
the memory, with it (10,000 units, exact lookup), and with close matches too, in alternating
rounds of one run; the exact lookup per segment; and the close-match query per segment at
10,000 and 100,000 units (``thaimt bench --desk``; part of every ``thaimt bench``).

The memory's units are FLORES-200 Thai sentences made distinct by a Thai word, so none is an
exact match of the articles' sentences: every request pays the lookups and gets nothing back
(the worst case; a hit would also skip the cache). SQLite store, as on one machine.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.adapters import masked_segments, new_engine, translate_articles
from bench.inputs import bench_sentences, make_articles
from bench.results import MemoryLookupResult

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

Log = Callable[[str], object]
TEAM = "bench"
CONSONANTS = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮ"


def thai_word(number: int) -> str:
    """A distinct Thai letter sequence per number (numbers themselves are masked alike)."""
    letters = ""
    while True:
        number, digit = divmod(number, len(CONSONANTS))
        letters += CONSONANTS[digit]
        if not number:
            return letters


def memory_units(count: int, sentences: Sequence[str]) -> list[Any]:
    from service.desk.memory import UnitInvalid, make_unit

    units = []
    for i in range(count * 2):
        try:
            units.append(make_unit(f"{thai_word(i)} {sentences[i % len(sentences)]}", f"E{i}"))
        except UnitInvalid:
            continue
        if len(units) == count:
            break
    return units


def measure_memory_lookup(
    backend: Backend,
    options: DecodeOptions,
    log: Log = print,
    units: int = 10_000,
    articles: int = 4,
    rounds: int = 40,
    big: int = 100_000,
) -> MemoryLookupResult:
    from service.cache.sqlite import SqliteCache
    from service.desk.books import MemoryBook
    from service.desk.lookup import TeamMemory
    from service.desk.sqlite import SqliteDesk

    sentences = bench_sentences()
    texts = make_articles(sentences, articles, random.Random(0))
    with tempfile.TemporaryDirectory() as tmp:
        cache = SqliteCache(Path(tmp) / "cache.sqlite3")
        engine = new_engine(backend, 32, cache=cache, max_tokens=4096)
        translate_articles(engine, texts, options)  # fills the cache: every later pass hits it
        book = MemoryBook(SqliteDesk(Path(tmp) / "desk.sqlite3"))
        made = memory_units(units, sentences)
        book.put(TEAM, made)
        book.index(TEAM, wait_s=None)
        log(f"memory: {len(made)} units stored; rounds of {len(texts)} cache-hit articles")
        ways = {
            "without": None,
            "exact": TeamMemory(book, TEAM),
            "suggestions": TeamMemory(book, TEAM, suggestions=True),
        }
        times = _alternating(engine, texts, options, ways, rounds)
        segments = masked_segments(texts, backend, options)
        exact_us = _per_item_us(lambda: book.exact(TEAM, segments), len(segments))
        fuzzy = {len(made): _query_ms(book.index(TEAM, wait_s=None), segments)}
        cache.close()
    index, build_s = _big_index(big, sentences)
    fuzzy[big] = _query_ms(index, segments)
    log(f"close matches: {fuzzy} ms a segment; {big:,}-unit index built in {build_s:.1f} s")
    return MemoryLookupResult(
        units=len(made),
        articles=len(texts),
        segments=len(segments),
        rounds=rounds,
        without_ms=times["without"],
        exact_ms=times["exact"],
        suggestions_ms=times["suggestions"],
        exact_us_per_segment=exact_us,
        fuzzy_ms_per_segment={str(k): v for k, v in fuzzy.items()},
        fuzzy_index_build_s={str(big): build_s},
    )


def _alternating(
    engine: Any, texts: Sequence[str], options: DecodeOptions, ways: dict[str, Any], rounds: int
) -> dict[str, list[float]]:
    """ms per request of each way: every article is translated each way in turn, the order
    rotating so that each way goes first as often, and a busy machine slows the three requests
    of a triple alike. The first round warms every way up and is dropped."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    names = list(ways)
    turn = 0
    for number in range(rounds + 1):
        for text in texts:
            turn += 1
            for name in names[turn % 3 :] + names[: turn % 3]:
                started = time.perf_counter()
                translate_articles(engine, [text], options, ways[name])
                if number:
                    times[name].append((time.perf_counter() - started) * 1000)
    return times


def _per_item_us(call: Callable[[], object], items: int, repeats: int = 20) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1e6 / max(1, items))
    return round(statistics.median(samples), 2)


def _query_ms(index: Any, segments: Sequence[str]) -> float:
    samples = []
    for text in segments:
        started = time.perf_counter()
        index.best(text, 0.8)
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 3)


def _big_index(count: int, sentences: Sequence[str]) -> tuple[Any, float]:
    """A close-match index of ``count`` masked sentences (no store: the index alone)."""
    from service.desk.fuzzy import FuzzyIndex
    from service.text.protect import protect

    masked = [protect(s)[0] for s in sentences]
    index = FuzzyIndex()
    started = time.perf_counter()
    index.update((str(i), f"{thai_word(i)} {masked[i % len(masked)]}") for i in range(count))
    return index, time.perf_counter() - started
