"""One whole ``thaimt bench`` run, and the summary ratios it prints.

Everything runs on the base-size random Marian model (the dimensions of opus-mt-th-en, built
once into ``~/.cache/thaimt/bench-models/``). Offline and closed-loop stages force every output
to the same number of tokens, so backends and configurations do the same work and their ratios
compare; the open loop leaves outputs their natural length. Inputs are the FLORES-200 Thai
devtest sentences shipped in ``eval/data``. In order:

* GEMM peaks of this machine (``roofline``), measured before anything else loads the cores;
* per variant: the offline engine per batch size, the cache (the fast variant), the engine
  against the raw library in alternating rounds (the default backend; torch too in a full run),
  the real server under closed loops with batching on and off, and server-vs-engine rounds;
* the open loop (``openloop``) for the default backend with batching on and off, and torch
  (full run);
* the achieved arithmetic rate of each raw-compared variant as a fraction of the peak.

Machines are noisy, so every ratio in the summary comes from numbers measured in the same run.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.config import DEFAULT_SOURCE, BenchConfig, Variant
from bench.desk import measure_memory_lookup
from bench.engine import (
    engine_sentence_count,
    measure_cache,
    measure_engine,
    measure_engine_vs_raw,
)
from bench.inputs import RequestPool, bench_sentences, request_pool, single_segment_sentences
from bench.models import base_model_dir, load_variant, model_dir_for
from bench.openloop import measure_curve
from bench.results import BenchReport
from bench.roofline import ModelDims, arithmetic_rate, measure_peaks
from bench.server import closed_loop_server, load, measure_paired, measure_server, running_server

if TYPE_CHECKING:
    from models.backend import Backend

Log = Callable[[str], object]


def decode_options(config: BenchConfig) -> Any:
    from models.backend import DecodeOptions

    return DecodeOptions(beam_size=1, forced_output_tokens=config.output_tokens)


def natural_options() -> Any:
    """The decoding a server uses by default: outputs of their natural length."""
    from models.backend import DecodeOptions

    return DecodeOptions(beam_size=1)


def environment(config: BenchConfig) -> dict[str, Any]:
    import ctranslate2
    import torch

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": _processor(),
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "ctranslate2": ctranslate2.__version__,
        "device": config.device,
    }
    if config.on_cuda and torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
    return env


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor()


def new_report(config: BenchConfig, base: Path) -> BenchReport:
    return BenchReport(
        environment(config),
        {
            "model": str(base),
            "output_tokens": config.output_tokens,
            "quick": config.quick,
            "threads": config.threads,
            "server_max_wait_ms": config.server_max_wait_ms,  # None = the server's default
            "variants": [v.label for v in config.variants],
            "default_variant": config.default.label,
            "default_variant_source": DEFAULT_SOURCE,
            "paired_rounds": config.paired_rounds,
        },
    )


def run_bench(config: BenchConfig, log: Log = print) -> BenchReport:
    """Every measurement of one run (progress lines go to ``log``)."""
    base = config.model or base_model_dir()
    report = new_report(config, base)
    report.peaks = measure_peaks(config.device)
    log("GEMM peaks: " + ", ".join(f"{p.precision} {p.gflops:.0f} GFLOP/s" for p in report.peaks))
    sentences: list[str] = []
    pool: RequestPool | None = None
    for variant in config.variants:
        log(f"loading {variant.label}")
        backend = load_variant(variant, base, config)
        if not sentences:
            wanted = max(256, 32 * (config.paired_rounds + 1))
            sentences = single_segment_sentences(backend, decode_options(config), limit=wanted)
            report.settings["sentences"] = len(sentences)
        if variant == config.default:
            seed = config.open_loop_settings.seed
            pool = request_pool(backend, natural_options(), seed=seed)
        measure_variant(report, backend, variant, base, config, sentences, log)
        del backend
    assert pool is not None  # the default variant is always measured
    measure_open_loop(report, base, config, pool, log)
    add_arithmetic(report, base, config)
    report.environment["load_average_after"] = os.getloadavg()
    report.summary = summarize(report, config)
    return report


def run_desk(config: BenchConfig, log: Log = print) -> BenchReport:
    """``thaimt bench --desk``: the translation memory's cost alone, on the default variant of
    the base-size model (the report holds nothing else)."""
    base = config.model or base_model_dir()
    report = new_report(config, base)
    backend = load_variant(config.default, base, config)
    report.memory = memory_stage(backend, config, log)
    report.summary = memory_summary(report)
    return report


def memory_stage(backend: Backend, config: BenchConfig, log: Log) -> Any:
    return measure_memory_lookup(
        backend,
        decode_options(config),
        log,
        units=config.memory_units,
        rounds=config.memory_rounds,
        big=config.memory_big_index,
    )


def measure_variant(
    report: BenchReport,
    backend: Backend,
    variant: Variant,
    base: Path,
    config: BenchConfig,
    sentences: Sequence[str],
    log: Log,
) -> None:
    """The offline stages of one variant, then its closed-loop server stage."""
    options = decode_options(config)
    served = variant in config.server_variants
    segments = [[s] for s in sentences]
    for batch_size in config.batch_sizes:
        if served and batch_size == 32:
            continue  # measured in rounds against the server below
        count = engine_sentence_count(config, batch_size, variant)
        report.engine.append(
            measure_engine(backend, variant, segments[:count], batch_size, options)
        )
        log(
            f"engine {variant.label} batch {batch_size}: "
            f"{report.engine[-1].sentences_per_s:.1f} sentences/s"
        )
    if variant == config.variants[1]:  # the fast one: the first pass costs least
        cached = bench_sentences(config.cache_segments)
        report.cache = measure_cache(backend, variant, cached, options)
        log(f"cache {variant.label}: second pass {report.cache.speedup:.0f}x faster")
        report.memory = memory_stage(backend, config, log)
        log(f"translation memory: {report.memory.overhead:+.1%} on a cache-hit request")
    if variant in config.raw_variants:
        raw = measure_engine_vs_raw(backend, variant, sentences, options, config.raw_round_count)
        report.raw.append(raw)
        log(f"engine vs raw library, {variant.label} batch 32: {raw.engine_vs_raw:.3f}")
    if served:
        measure_serving(report, backend, variant, base, config, sentences, log)


def measure_serving(
    report: BenchReport,
    backend: Backend,
    variant: Variant,
    base: Path,
    config: BenchConfig,
    sentences: Sequence[str],
    log: Log,
) -> None:
    """The server with batching on (closed loops, then rounds against the engine) and off."""
    answers: list[list[str]] = []
    options = decode_options(config)
    for batching in (True, False):
        log(f"server {variant.label} batching={'on' if batching else 'off'}: starting")
        server = closed_loop_server(variant, config, batching)
        model = model_dir_for(variant, base)
        with running_server(model, server, config, config.output_tokens) as url:
            load(url, sentences[:1], 1)  # the server warmed its model already
            counts = config.client_counts
            if batching:  # 32 clients: measured in rounds against the engine
                counts = tuple(c for c in counts if c != 32)
            results, outputs = measure_server(url, variant, config, batching, sentences, counts)
            if batching:
                engine_result, paired, rounds, outputs = measure_paired(
                    url, backend, variant, config, sentences, options
                )
                report.engine.append(engine_result)
                results.append(paired)
                report.paired[variant.label] = rounds
                log(
                    f"engine {variant.label} batch 32 (rounds against the server): "
                    f"{engine_result.sentences_per_s:.1f} sentences/s"
                )
        report.server.extend(results)
        answers.append(outputs)
        for r in results:
            log(
                f"server {r.variant} batching={'on' if batching else 'off'} "
                f"{r.clients} clients: {r.sentences_per_s:.1f} sentences/s"
            )
    # Greedy output must not depend on batch-mates: the same sentences, batched or not.
    common = min(len(a) for a in answers)
    report.server_outputs_identical[variant.label] = answers[0][:common] == answers[1][:common]


def measure_open_loop(
    report: BenchReport, base: Path, config: BenchConfig, pool: RequestPool, log: Log
) -> None:
    """Each open-loop server: capacity, then the rates (batching off in --quick: capacity
    only, for the capacity ratio)."""
    settings = config.open_loop_settings
    report.settings["open_loop"] = {
        "rates": list(settings.rates),
        "arrival_seconds": settings.arrival_seconds,
        "capacity_seconds": settings.capacity_seconds,
        "capacity_clients": settings.capacity_clients,
        "mix": "70% /v1 sentences, 20% Libre sentences, 10% /v1 articles of 3-10 paragraphs",
    }
    for server in config.open_loop_servers:
        rates = settings.rates if (server.batching or not config.quick) else ()
        log(f"open loop {server.label}: starting")
        with running_server(model_dir_for(server.variant, base), server, config) as url:
            report.open_loop.append(measure_curve(url, server, pool, settings, rates, log))


def add_arithmetic(report: BenchReport, base: Path, config: BenchConfig) -> None:
    """Model GFLOP/s of each engine-vs-raw comparison, against this machine's GEMM peak."""
    dims = ModelDims.from_config(base)
    report.settings["model_dims"] = dims.__dict__
    variants = {v.label: v for v in config.variants}
    for raw in report.raw:
        variant = variants[raw.variant]
        tokens = config.output_tokens
        for side, seconds in (("engine", sum(raw.engine_s)), ("raw", sum(raw.raw_s))):
            rate = arithmetic_rate(
                f"{raw.variant} {side}",
                variant.dtype,
                dims,
                raw.lengths,
                tokens,
                seconds,
                report.peaks,
            )
            report.arithmetic.append(rate)


def summarize(report: BenchReport, config: BenchConfig) -> dict[str, float | None]:
    """The headline ratios, each from numbers of this run."""

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a is not None and b else None

    reference, fast = config.variants[0], config.variants[1]
    served = config.server_variants[0].label
    others = {  # the other served backends' own ratio (the full run serves ct2 int8 too)
        f"server_vs_engine_{v.backend}_{v.dtype}": ratio(
            report.server_rate(v.label, True, 32), report.engine_rate(v.label, 32)
        )
        for v in config.server_variants[1:]
    }
    cache = report.cache
    return {
        "batching_speedup": ratio(
            report.server_rate(served, True, 32), report.server_rate(served, False, 32)
        ),
        "server_vs_engine": ratio(
            report.server_rate(served, True, 32), report.engine_rate(served, 32)
        ),
        # ct2_int8_vs_torch on CPU, ct2_float16_vs_torch on CUDA
        f"{fast.backend}_{fast.dtype}_vs_{reference.backend}": ratio(
            report.engine_rate(fast.label, 32), report.engine_rate(reference.label, 32)
        ),
        "default_vs_torch": ratio(
            report.engine_rate(config.default.label, 32), report.engine_rate(reference.label, 32)
        ),
        "cache_second_pass_speedup": round(cache.speedup, 1) if cache is not None else None,
        "cache_identical": float(cache.identical) if cache is not None else None,
        **others,
        **memory_summary(report),
        **raw_summary(report, config),
        **open_loop_summary(report, config),
    }


def memory_summary(report: BenchReport) -> dict[str, float | None]:
    """What the translation memory adds to a cache-hit request (10,000 units), and its
    lookups per segment (``bench.desk``)."""
    memory = report.memory
    if memory is None:
        return {}
    fuzzy = memory.fuzzy_ms_per_segment
    return {
        "memory_lookup_overhead": round(memory.overhead, 4),
        "memory_suggestions_overhead": round(memory.suggestions_overhead, 4),
        "memory_exact_us_per_segment": memory.exact_us_per_segment,
        "memory_fuzzy_ms_per_segment_10k": fuzzy.get("10000"),
        "memory_fuzzy_ms_per_segment_100k": fuzzy.get("100000"),
    }


def raw_summary(report: BenchReport, config: BenchConfig) -> dict[str, float | None]:
    """engine_vs_raw and gemm_fraction of the default backend (torch's too in a full run)."""
    out: dict[str, float | None] = {}
    for raw in report.raw:
        suffix = "" if raw.variant == config.default.label else f"_{raw.variant.replace('-', '_')}"
        out[f"engine_vs_raw{suffix}"] = round(raw.engine_vs_raw, 3)
        rates = [a for a in report.arithmetic if a.variant == f"{raw.variant} engine"]
        out[f"gemm_fraction{suffix}"] = round(rates[0].fraction, 4) if rates else None
    return out


def open_loop_summary(report: BenchReport, config: BenchConfig) -> dict[str, float | None]:
    on = report.curve(config.default.label, True)
    off = report.curve(config.default.label, False)
    at70 = on.at(0.7) if on is not None else None
    p95 = at70.sentence_p95_ms if at70 is not None else None
    single = on.single_request_ms if on is not None else None
    cpu = at70.server_cpu_ms_per_segment if at70 is not None else None
    capacity = (on.capacity_segments_per_s, off.capacity_segments_per_s) if on and off else None
    return {
        "open_loop_p95_ms_at_70pct": round(p95, 1) if p95 is not None else None,
        "single_request_ms": round(single, 1) if single is not None else None,
        "open_loop_p95_over_single_at_70pct": round(p95 / single, 3) if p95 and single else None,
        "open_loop_capacity_vs_batching_off": round(capacity[0] / capacity[1], 3)
        if capacity and capacity[1]
        else None,
        "server_cpu_ms_per_segment": round(cpu, 3) if cpu is not None else None,
    }
