"""The translation memory's bench stage, small: it runs the three ways side by side and
reports every figure the summary names."""

from __future__ import annotations

from typing import Any

from bench.desk import measure_memory_lookup, memory_units
from bench.inputs import bench_sentences
from bench.results import BenchReport
from bench.run import memory_summary
from models.backend import DecodeOptions


def test_the_memory_stage_measures_three_ways_side_by_side(tiny_backend: Any) -> None:
    options = DecodeOptions(forced_output_tokens=4)
    result = measure_memory_lookup(
        tiny_backend, options, log=lambda _: None, units=300, articles=1, rounds=2, big=1000
    )
    assert result.units == 300 and result.segments > 0
    assert len(result.without_ms) == len(result.exact_ms) == len(result.suggestions_ms) == 2
    report = BenchReport({}, {}, memory=result)
    summary = memory_summary(report)
    assert set(summary) == {
        "memory_lookup_overhead", "memory_suggestions_overhead", "memory_exact_us_per_segment",
        "memory_fuzzy_ms_per_segment_10k", "memory_fuzzy_ms_per_segment_100k",
    }  # fmt: skip
    assert summary["memory_fuzzy_ms_per_segment_10k"] is None  # 300 and 1,000 units here
    assert set(result.fuzzy_ms_per_segment) == {"300", "1000"}


def test_memory_units_are_distinct_and_none_is_an_article_sentence() -> None:
    sentences = bench_sentences()[:50]
    made = memory_units(120, sentences)
    assert len({u.key for u in made}) == 120
    assert not {u.source for u in made} & set(sentences)
