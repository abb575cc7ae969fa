"""``thaimt bench --sweep`` and ``--profile`` on the tiny model: every stage runs for real
(servers, open loop, ct2 thread layouts, profilers), no timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.config import BenchConfig, OpenLoopConfig, ServerConfig
from bench.report import write_outputs
from bench.sweep import SWEEP_LOAD, run_sweep

TINY_OPEN_LOOP = OpenLoopConfig(
    rates=(0.7,),
    arrival_seconds=2.0,
    min_requests=1,
    max_arrival_seconds=2.0,
    capacity_seconds=2.0,
    capacity_clients=8,
    single_requests=2,
)


def test_sweep_offers_every_configuration_the_same_load(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    config = BenchConfig(model=tiny_model_dir, open_loop=TINY_OPEN_LOOP)
    servers = [ServerConfig(config.default), ServerConfig(config.default, max_wait_ms=10)]
    report = run_sweep(config, log=lambda _line: None, servers=servers, thread_batches=(8,))

    assert [r.label for r in report.sweep] == [s.label for s in servers]
    assert sum(r.chosen for r in report.sweep) == 1
    assert report.sweep[1].settings["max_wait_ms"] == 10
    first, second = report.open_loop
    # The same offered load for both: a share of the first (default) configuration's capacity.
    assert first.points[0].offered_rps == second.points[0].offered_rps
    assert first.points[0].offered_rps == SWEEP_LOAD * first.capacity_rps
    assert report.settings["sweep_load_rps"] == first.capacity_rps
    assert all(r.capacity_segments_per_s > 0 and r.p95_ms > 0 for r in report.sweep)

    cores = len(os.sched_getaffinity(0))
    layouts = {(t.intra_threads, t.inter_threads) for t in report.threads}
    assert layouts == {(cores, 1), (1, cores)}
    assert all(t.batch_size == 8 and t.sentences_per_s > 0 for t in report.threads)

    table = write_outputs(report, tmp_path)
    assert "## Sweep" in table and "**yes**" in table and "## CTranslate2 threads" in table


def test_profile_names_where_the_time_goes(tiny_model_dir: Path, cli_env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "service.cli.main", "bench", "--profile"]
    done = subprocess.run(
        [*command, "--model", str(tiny_model_dir), "--threads", "1"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "## torch: torch.profiler" in done.stdout
    assert "| output layer over the vocabulary |" in done.stdout
    assert "## ct2: " in done.stdout
    assert "| encoder (ablation: the batch decoding one token) |" in done.stdout
    assert "| source padding in the batch |" in done.stdout


def test_confidence_cost_runs_both_sides_on_the_same_batches(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """``thaimt bench --confidence``'s measurement on the tiny model: both variants, both
    output lengths, every round timed with and without scores (no timing is asserted)."""
    from bench.confidence import markdown, run_confidence_cost

    rows = run_confidence_cost(BenchConfig(model=tiny_model_dir), log=lambda _: None, rounds=2)
    assert [(r.variant, r.lengths) for r in rows] == [
        ("ct2-int8", "forced"),
        ("ct2-int8", "natural"),
        ("torch-float32", "forced"),
        ("torch-float32", "natural"),
    ]
    assert all(len(r.with_s) == len(r.without_s) == 2 and r.ratio > 0 for r in rows)
    table = markdown(rows, "thaimt bench --confidence")
    assert table.count("\n| ct2-int8 |") == 2 and "| cost |" in table
