"""The bench's outputs: a Markdown report, ``bench.json`` and the plots."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median

from bench.results import BenchReport, OpenLoopCurve


def _f(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def engine_section(report: BenchReport) -> list[str]:
    lines = [
        "## Offline engine",
        "",
        "| variant | batch | sentences | sentences/s | tokens/s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.variant} | {r.batch_size} | {r.sentences} | {r.sentences_per_s:.2f} | "
        f"{r.tokens_per_s:.1f} |"
        for r in report.engine
    ]
    return lines


def server_section(report: BenchReport) -> list[str]:
    lines = [
        "",
        "## Server (one sentence per request)",
        "",
        "| variant | batching | clients | requests | sentences/s | p50 ms | p95 ms | mean batch |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.server:
        lines.append(
            f"| {r.variant} | {'on' if r.batching else 'off'} | {r.clients} | "
            f"{r.requests} | {r.sentences_per_s:.2f} | {r.p50_ms:.0f} | "
            f"{r.p95_ms:.0f} | {_f(r.mean_batch_size, 1)} |"
        )
    for label, rounds in report.paired.items():
        lines += [
            "",
            f"## Server vs engine, {label}: rounds of the same sentences, alternating",
            "",
            "| round | sentences | first | engine s | server s | server / engine |",
            "|---:|---:|---|---:|---:|---:|",
        ]
        lines += [
            f"| {i} | {r.sentences} | {'engine' if r.engine_first else 'server'} | "
            f"{r.engine_s:.2f} | {r.server_s:.2f} | {r.engine_s / r.server_s:.3f} |"
            for i, r in enumerate(rounds, start=1)
        ]
    return lines


def limit_section(report: BenchReport) -> list[str]:
    """Engine vs raw library, GEMM peaks, achieved arithmetic."""
    lines: list[str] = []
    if report.raw:
        lines += [
            "",
            "## Engine vs raw library (same tokens, alternating rounds)",
            "",
            "| variant | batch | sentences | engine s | raw s | engine / raw throughput | "
            "source padding |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in report.raw:
            padding = 1 - r.source_tokens / r.padded_source_tokens if r.padded_source_tokens else 0
            lines.append(
                f"| {r.variant} | {r.batch_size} | {r.sentences} | {sum(r.engine_s):.2f} | "
                f"{sum(r.raw_s):.2f} | {r.engine_vs_raw:.3f} | {padding:.0%} |"
            )
    if report.peaks:
        lines += ["", "## GEMM peak of this machine", "", "| precision | GFLOP/s | kernel |"]
        lines += ["|---|---:|---|"]
        lines += [f"| {p.precision} | {p.gflops:.0f} | {p.method} |" for p in report.peaks]
    if report.arithmetic:
        lines += [
            "",
            "## Achieved arithmetic (model FLOPs of real tokens / time)",
            "",
            "| variant | GFLOP/s | peak | fraction of peak | GFLOP per sentence |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {a.variant} | {a.gflops:.1f} | {a.peak_precision} {a.peak_gflops:.0f} | "
            f"{a.fraction:.1%} | {a.flops_per_sentence / 1e9:.2f} |"
            for a in report.arithmetic
        ]
    return lines


def curve_table(curve: OpenLoopCurve) -> list[str]:
    lines = [
        "",
        f"### {curve.label}: capacity {curve.capacity_segments_per_s:.1f} segments/s = "
        f"{curve.capacity_rps:.2f} requests/s ({curve.segments_per_request:.2f} segments per "
        f"request); lone sentence {_f(curve.single_request_ms)} ms",
    ]
    if not curve.points:
        return lines
    lines += [
        "",
        "| load | offered req/s | requests | achieved req/s | segments/s | p50 ms | p95 ms | "
        "p99 ms | sentence p95 ms | article p95 ms | mean batch | queue wait ms | model ms | "
        "refused | failed | server CPU ms/segment |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in curve.points:
        lines.append(
            f"| {p.fraction:.0%} | {p.offered_rps:.2f} | {p.requests} | {p.achieved_rps:.2f} | "
            f"{p.segments_per_s:.1f} | {p.p50_ms:.0f} | {p.p95_ms:.0f} | {p.p99_ms:.0f} | "
            f"{_f(p.sentence_p95_ms)} | {_f(p.article_p95_ms)} | {_f(p.mean_batch, 1)} | "
            f"{_f(p.queue_wait_ms)} | {_f(p.model_ms)} | {p.refused} | {p.failed} | "
            f"{_f(p.server_cpu_ms_per_segment, 2)} |"
        )
    return lines


def open_loop_section(report: BenchReport) -> list[str]:
    if not report.open_loop:
        return []
    lines = ["", "## Open loop: Poisson arrivals of the request mix, natural output lengths"]
    for curve in report.open_loop:
        lines += curve_table(curve)
    return lines


def sweep_section(report: BenchReport) -> list[str]:
    lines: list[str] = []
    if report.sweep:
        lines += [
            "",
            "## Sweep: batching settings at the same offered load",
            "",
            "| configuration | capacity segments/s | p95 ms | sentence p95 ms | mean batch | "
            "chosen |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {r.label} | {r.capacity_segments_per_s:.1f} | {r.p95_ms:.0f} | "
            f"{_f(r.sentence_p95_ms)} | {_f(r.mean_batch, 1)} | {'**yes**' if r.chosen else ''} |"
            for r in report.sweep
        ]
    if report.threads:
        lines += [
            "",
            "## CTranslate2 threads (offline, one batch split between replicas)",
            "",
            "| intra threads | inter threads | batch | sentences/s |",
            "|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {t.intra_threads} | {t.inter_threads} | {t.batch_size} | {t.sentences_per_s:.2f} |"
            for t in report.threads
        ]
    return lines


def markdown(report: BenchReport) -> str:
    lines = engine_section(report) + server_section(report)
    if report.cache is not None:
        c = report.cache
        lines += [
            "",
            "## Cache",
            "",
            "| variant | segments | first pass s | second pass s | speedup | identical |",
            "|---|---:|---:|---:|---:|---|",
            f"| {c.variant} | {c.segments} | {c.first_pass_s:.2f} | "
            f"{c.second_pass_s:.3f} | {c.speedup:.0f}x | {c.identical} |",
        ]
    lines += memory_section(report)
    lines += limit_section(report) + open_loop_section(report) + sweep_section(report)
    lines += ["", "## Summary", ""]
    lines += [f"- {k}: {v}" for k, v in report.summary.items()]
    return "\n".join(lines) + "\n"


def memory_section(report: BenchReport) -> list[str]:
    m = report.memory
    if m is None:
        return []
    fuzzy = ", ".join(f"{int(k):,} units {v} ms" for k, v in m.fuzzy_ms_per_segment.items())
    return [
        "",
        "## Translation memory",
        "",
        f"{m.units:,} units; {m.articles} cache-hit articles ({m.segments} segments), each "
        f"translated the three ways in turn, {m.rounds} rounds; ms per request (median); "
        "overheads: median of the per-article ratios.",
        "",
        "| without memory | exact lookup | + close matches | overhead | with close matches |",
        "|---:|---:|---:|---:|---:|",
        f"| {median(m.without_ms):.2f} | {median(m.exact_ms):.2f} | "
        f"{median(m.suggestions_ms):.2f} | {m.overhead:+.1%} | {m.suggestions_overhead:+.1%} |",
        "",
        f"Exact lookup {m.exact_us_per_segment} µs a segment; a close-match query: {fuzzy}.",
    ]


def write_outputs(report: BenchReport, out_dir: Path) -> str:
    """bench.json, bench.md, bench.png and (with an open loop) bench-open-loop.png into
    ``out_dir``; returns the Markdown."""
    from bench.plot import plot_closed_loop, plot_open_loop

    out_dir.mkdir(parents=True, exist_ok=True)
    table = markdown(report)
    (out_dir / "bench.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", "utf-8")
    (out_dir / "bench.md").write_text(table, "utf-8")
    if report.server:
        plot_closed_loop(report, out_dir / "bench.png")
    if any(curve.points for curve in report.open_loop):
        plot_open_loop(report, out_dir / "bench-open-loop.png")
    return table
