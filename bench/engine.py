"""Offline measurements: engine throughput, the engine against the raw library on the same
inputs, CTranslate2's intra vs inter threads, and the translation cache."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.adapters import (
    ct2_translator,
    engine_run,
    engine_translate,
    new_engine,
    prepare_raw,
    run_ct2,
    run_raw,
)
from bench.config import BenchConfig, Variant
from bench.results import CacheResult, EngineResult, RawComparison, ThreadRow

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions


def measure_engine(
    backend: Backend,
    variant: Variant,
    segments: Sequence[list[str]],
    batch_size: int,
    options: DecodeOptions,
) -> EngineResult:
    """Throughput of the engine (tokenising and batching included, no cache) over the
    pipeline segments of ``len(segments)`` sentences, ``batch_size`` consecutive sentences per
    call (each batch sorted within itself, like a server batch); counted per input sentence."""
    flat = [seg for per_sentence in segments for seg in per_sentence]
    engine = new_engine(backend, batch_size)
    engine_translate(engine, flat[:batch_size], options)  # warm-up: allocations, caches
    started = time.perf_counter()
    for start in range(0, len(flat), batch_size):
        engine_translate(engine, flat[start : start + batch_size], options)
    seconds = time.perf_counter() - started
    tokens = len(set(flat)) * (options.forced_output_tokens or 0)
    return EngineResult(
        variant.label, batch_size, len(segments), seconds, len(segments) / seconds, tokens / seconds
    )


def engine_sentence_count(config: BenchConfig, batch_size: int, variant: Variant) -> int:
    """Enough sentences for a stable figure, few enough to stay in the time budget."""
    if config.quick:
        return 96 if variant.backend == "ct2" else 64
    return {1: 24, 8: 64}.get(batch_size, 128)


def measure_engine_vs_raw(
    backend: Backend,
    variant: Variant,
    sentences: Sequence[str],
    options: DecodeOptions,
    rounds: int,
    batch_size: int = 32,
) -> RawComparison:
    """Rounds of ``batch_size`` one-segment sentences, tokenised once beforehand (as the
    pipeline does), each round translated once by the engine (``Engine.run``: batching, the
    backend's call, decoding, the repetition guard) and once by the raw library on the same
    tokens (``Translator.translate_batch`` / ``model.generate``, outputs left as ids),
    alternating which goes first. One untimed round warms both up first."""
    engine = new_engine(backend, batch_size)
    result = RawComparison(variant.label, batch_size, 0, [], [], 0, 0, 0)
    for number in range(rounds + 1):
        chunk = [sentences[(number * batch_size + i) % len(sentences)] for i in range(batch_size)]
        chunk = list(dict.fromkeys(chunk))  # the engine de-duplicates; the raw side must match
        raw = prepare_raw(backend, chunk)
        sides = ("engine", "raw") if number % 2 == 0 else ("raw", "engine")
        times = {}
        for side in sides:
            started = time.perf_counter()
            if side == "engine":
                engine_run(engine, raw, options)
            else:
                run_raw(backend, raw, options)
            times[side] = time.perf_counter() - started
        if number == 0:
            continue
        result.engine_s.append(times["engine"])
        result.raw_s.append(times["raw"])
        result.sentences += len(chunk)
        lengths = [s.tokens for s in raw.segments]
        result.lengths += lengths
        result.source_tokens += sum(lengths)
        result.padded_source_tokens += len(chunk) * max(lengths)
        result.output_tokens += len(chunk) * (options.forced_output_tokens or 0)
    return result


def measure_threads(
    backend: Backend,
    sentences: Sequence[str],
    options: DecodeOptions,
    cores: int,
    batch_sizes: Sequence[int] = (32, 64),
) -> list[ThreadRow]:
    """CTranslate2 with every core on one batch (intra) against one core per replica with the
    batch split between replicas (inter), offline, at each batch size."""
    rows = []
    layouts = list(dict.fromkeys([(cores, 1), (1, cores)]))
    for intra, inter in layouts:
        translator = ct2_translator(backend, intra, inter)
        for batch_size in batch_sizes:
            chunk = [sentences[i % len(sentences)] for i in range(batch_size)]
            raw = prepare_raw(backend, chunk)
            split = max(1, -(-batch_size // inter))  # one sub-batch per replica
            run_ct2(backend, translator, raw, options, split)  # warm-up
            started = time.perf_counter()
            run_ct2(backend, translator, raw, options, split)
            seconds = time.perf_counter() - started
            rows.append(ThreadRow(intra, inter, batch_size, batch_size / seconds))
        del translator
    return rows


def measure_cache(
    backend: Backend, variant: Variant, sentences: Sequence[str], options: DecodeOptions
) -> CacheResult:
    """Two passes over the same segments through an engine with a fresh cache file."""
    from service.cache.sqlite import SqliteCache

    with tempfile.TemporaryDirectory() as tmp, SqliteCache(Path(tmp) / "c.sqlite3") as cache:
        engine = new_engine(backend, 32, cache=cache, max_tokens=4096)
        started = time.perf_counter()
        first = engine_translate(engine, sentences, options)
        middle = time.perf_counter()
        second = engine_translate(engine, sentences, options)
        ended = time.perf_counter()
        stats = cache.stats
    return CacheResult(
        variant.label,
        len(sentences),
        middle - started,
        ended - middle,
        (middle - started) / (ended - middle),
        first == second,
        stats.hits,
        stats.misses,
    )
