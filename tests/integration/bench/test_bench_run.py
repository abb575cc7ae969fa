"""``thaimt bench`` harness logic on the tiny model: every stage runs for real (GEMM peaks, the
engine, the engine against the raw library, ``thaimt serve`` subprocesses with batching on and
off, the open loop, the cache), no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.config import BenchConfig, OpenLoopConfig
from bench.report import write_outputs
from bench.results import BenchReport
from bench.run import run_bench

TINY_OPEN_LOOP = OpenLoopConfig(
    rates=(0.7,),
    arrival_seconds=2.0,
    min_requests=1,
    max_arrival_seconds=2.0,
    capacity_seconds=2.0,
    capacity_clients=8,
    single_requests=2,
)

NEW_KEYS = (
    "default_vs_torch",
    "engine_vs_raw",
    "gemm_fraction",
    "open_loop_p95_ms_at_70pct",
    "single_request_ms",
    "open_loop_p95_over_single_at_70pct",
    "open_loop_capacity_vs_batching_off",
    "server_cpu_ms_per_segment",
)


@pytest.fixture(scope="module")
def quick_run(tiny_model_dir: Path) -> tuple[BenchConfig, BenchReport, list[str]]:
    """One quick run on the tiny model, read by every test below (a run takes minutes)."""
    config = BenchConfig(
        quick=True,
        model=tiny_model_dir,
        output_tokens=4,
        cache_pass_segments=60,
        open_loop=TINY_OPEN_LOOP,
        raw_rounds=2,
        memory_units=200,
        memory_rounds=1,
        memory_big_index=500,
    )
    lines: list[str] = []
    return config, run_bench(config, log=lines.append), lines


def test_quick_bench_on_the_tiny_model(
    quick_run: tuple[BenchConfig, BenchReport, list[str]], tmp_path: Path
) -> None:
    config, report, lines = quick_run

    assert {(r.variant, r.batch_size) for r in report.engine} == {
        ("torch-float32", 32),
        ("ct2-int8", 32),
    }
    assert all(r.sentences_per_s > 0 and r.tokens_per_s > 0 for r in report.engine)

    served = {(r.variant, r.batching, r.clients) for r in report.server}
    assert served == {("torch-float32", True, 32), ("torch-float32", False, 32)}
    off = next(r for r in report.server if not r.batching)
    assert off.mean_batch_size == 1.0  # --no-batching: one segment per model call
    on = next(r for r in report.server if r.batching)
    assert on.mean_batch_size is not None and on.mean_batch_size > 1
    assert report.server_outputs_identical == {"torch-float32": True}

    # Server vs engine: rounds of the same 32 sentences both ways, alternating the order; the
    # 32-client server row and the batch-32 engine row are the totals of those rounds.
    rounds = report.paired["torch-float32"]
    assert len(rounds) == config.paired_rounds == 4
    assert [r.engine_first for r in rounds] == [False, True, False, True]
    assert all(r.sentences == 32 and r.engine_s > 0 and r.server_s > 0 for r in rounds)
    torch32 = next(r for r in report.engine if r.variant == "torch-float32")
    assert torch32.sentences == 128
    assert torch32.seconds == sum(r.engine_s for r in rounds)
    assert on.requests == 128 and on.seconds == sum(r.server_s for r in rounds)

    assert report.cache is not None
    assert report.cache.identical
    assert (report.cache.hits, report.cache.misses) == (60, 60)
    assert report.memory is not None and report.memory.units == 200
    for key in ("memory_lookup_overhead", "memory_suggestions_overhead"):
        assert isinstance(report.summary[key], float), key

    for key in ("batching_speedup", "server_vs_engine", "ct2_int8_vs_torch", *NEW_KEYS):
        assert isinstance(report.summary[key], float), key

    table = write_outputs(report, tmp_path / "out")
    assert "| torch-float32 | on | 32 |" in table
    assert "## Server vs engine, torch-float32" in table
    assert "## Translation memory" in table
    saved = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    assert saved["summary"] == report.summary
    assert (tmp_path / "out" / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "out" / "bench-open-loop.png").read_bytes().startswith(b"\x89PNG")
    assert any("server torch-float32" in line for line in lines)
    assert "## Open loop" in table and "## Engine vs raw library" in table


def test_quick_bench_limits_and_open_loop_stages(
    quick_run: tuple[BenchConfig, BenchReport, list[str]],
) -> None:
    """The stages issue 13 added, each with the structure its figures are read from."""
    config, report, _ = quick_run

    assert {p.precision for p in report.peaks} == {"fp32", "int8"}
    assert all(p.gflops > 0 and p.method in p.candidates for p in report.peaks)

    # Engine vs raw library: the default backend, the same sentences both ways per round.
    (raw,) = report.raw
    assert raw.variant == config.default.label == "ct2-int8"
    assert len(raw.engine_s) == len(raw.raw_s) == 2
    assert raw.sentences == len(raw.lengths) and raw.output_tokens == 4 * raw.sentences
    assert raw.padded_source_tokens >= raw.source_tokens == sum(raw.lengths)
    rates = {a.variant: a for a in report.arithmetic}
    assert set(rates) == {"ct2-int8 engine", "ct2-int8 raw"}
    assert rates["ct2-int8 engine"].peak_precision == "int8"
    assert report.summary["gemm_fraction"] == round(rates["ct2-int8 engine"].fraction, 4)

    # Open loop: the default backend batching on (capacity, lone request, the 70 % rate) and
    # off (capacity only in --quick), every request answered.
    curves = {(c.variant, c.batching): c for c in report.open_loop}
    assert set(curves) == {("ct2-int8", True), ("ct2-int8", False)}
    on, off = curves[("ct2-int8", True)], curves[("ct2-int8", False)]
    assert off.points == [] and off.capacity_segments_per_s > 0
    assert on.single_request_ms is not None and on.single_request_ms > 0
    (point,) = on.points
    assert point.fraction == 0.7 and point.requests > 0
    assert (point.refused, point.failed) == (0, 0)
    assert point.p50_ms <= point.p95_ms <= point.p99_ms
    assert point.mean_batch is not None and point.mean_batch >= 1
    assert point.model_ms is not None and point.queue_wait_ms is not None
    assert point.server_cpu_ms_per_segment is not None and point.server_cpu_ms_per_segment > 0
    assert report.summary["open_loop_capacity_vs_batching_off"] == round(
        on.capacity_segments_per_s / off.capacity_segments_per_s, 3
    )
