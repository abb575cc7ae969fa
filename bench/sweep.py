"""``thaimt bench --sweep``: the batching defaults chosen from open-loop figures.

Each configuration changes one setting from the server's defaults (batch size with a token
budget large enough that the count binds, the token budget, ``max_wait_ms``). Every
configuration gets its own capacity measurement and then the *same* offered load: Poisson
arrivals at ``SWEEP_LOAD`` of the first (default) configuration's capacity, so their latencies
compare. The choice: among configurations whose capacity is within 10 % of the best, the one
with the lowest p95 latency over all requests at that load (users feel latency; capacity is
headroom). CTranslate2's intra- vs inter-threads are measured offline (``measure_threads``):
the server makes one model call at a time, which the backend splits between its replicas
(``THAIMT_INTER_THREADS``), so the table measures one batch split that way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.config import BenchConfig, ServerConfig, Variant
from bench.engine import measure_threads
from bench.inputs import request_pool, single_segment_sentences
from bench.models import base_model_dir, load_variant, model_dir_for
from bench.openloop import measure_curve
from bench.results import BenchReport, OpenLoopCurve, SweepRow
from bench.run import natural_options, new_report
from bench.server import running_server

SWEEP_LOAD = 0.7  # of the default configuration's capacity
CAPACITY_SLACK = 0.9  # configurations within 10 % of the best capacity compete on latency

Log = Callable[[str], object]


def sweep_servers(variant: Variant) -> list[ServerConfig]:
    """The default first, then one setting changed at a time."""
    return [
        ServerConfig(variant),  # the server's defaults: 32 segments, 4096 tokens, 50 ms
        ServerConfig(variant, max_batch_size=64, max_batch_tokens=8192),
        ServerConfig(variant, max_batch_size=128, max_batch_tokens=16384),
        ServerConfig(variant, max_batch_tokens=2048),
        ServerConfig(variant, max_batch_tokens=8192),
        ServerConfig(variant, max_wait_ms=10),
        ServerConfig(variant, max_wait_ms=100),
    ]


def sweep_row(server: ServerConfig, curve: OpenLoopCurve) -> SweepRow:
    point = curve.points[0]
    settings = {
        "max_batch_size": server.max_batch_size,
        "max_batch_tokens": server.max_batch_tokens,
        "max_wait_ms": server.max_wait_ms,
    }
    return SweepRow(
        server.label,
        settings,
        curve.capacity_segments_per_s,
        point.p95_ms,
        point.sentence_p95_ms,
        point.mean_batch,
    )


def choose(rows: Sequence[SweepRow]) -> SweepRow:
    """Lowest p95 among the configurations within ``CAPACITY_SLACK`` of the best capacity."""
    best = max(r.capacity_segments_per_s for r in rows)
    eligible = [r for r in rows if r.capacity_segments_per_s >= CAPACITY_SLACK * best]
    return min(eligible, key=lambda r: r.p95_ms)


def run_sweep(
    config: BenchConfig,
    log: Log = print,
    servers: Sequence[ServerConfig] | None = None,
    thread_batches: Sequence[int] = (32, 64),
) -> BenchReport:
    base = config.model or base_model_dir()
    report = new_report(config, base)
    variant = config.default
    backend = load_variant(variant, base, config)
    settings = config.open_loop_settings
    pool = request_pool(backend, natural_options(), seed=settings.seed)
    if variant.backend == "ct2" and not config.on_cuda:  # CPU threads only
        sentences = single_segment_sentences(backend, natural_options(), limit=128)
        cores = config.threads or len(os.sched_getaffinity(0))
        report.threads = measure_threads(
            backend, sentences, natural_options(), cores, thread_batches
        )
    del backend
    common: float | None = None
    for server in servers or sweep_servers(variant):
        log(f"sweep {server.label}: starting")
        with running_server(_model(server, base), server, config) as url:
            curve = measure_curve(url, server, pool, settings, (SWEEP_LOAD,), log, common)
        common = common or curve.capacity_rps
        report.open_loop.append(curve)
        report.sweep.append(sweep_row(server, curve))
    chosen = choose(report.sweep)
    chosen.chosen = True
    report.settings["sweep_load_rps"] = common
    report.settings["sweep_chosen"] = chosen.label
    report.summary = {
        "sweep_chosen_capacity_segments_per_s": round(chosen.capacity_segments_per_s, 2),
        "sweep_chosen_p95_ms": round(chosen.p95_ms, 1),
    }
    return report


def _model(server: ServerConfig, base: Path) -> Path:
    return model_dir_for(server.variant, base)
