"""The bench plots: server throughput against concurrent clients (closed loops), and latency
against offered load (open loop), one line per configuration. matplotlib is the ``bench``
extra's; it is imported only when a plot is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.results import BenchReport


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("the bench plots need matplotlib: pip install 'thaimt[bench]'") from exc
    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    return plt


def plot_closed_loop(report: BenchReport, path: Path) -> Path:
    """Server throughput against concurrent clients, one line per configuration, with the
    offline engine at batch 32 as a dashed reference per variant."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    variants = sorted({r.variant for r in report.server})
    colors = {v: f"C{i}" for i, v in enumerate(variants)}  # one colour per variant
    for variant in variants:
        for batching in (True, False):
            points = sorted(
                (r.clients, r.sentences_per_s)
                for r in report.server
                if r.variant == variant and r.batching == batching
            )
            label = f"server {variant}, batching {'on' if batching else 'off'}"
            style = "-" if batching else ":"
            ax.plot(
                [c for c, _ in points],
                [v for _, v in points],
                style,
                marker="o",
                color=colors[variant],
                label=label,
            )
    for r in report.engine:
        if r.batch_size == 32 and r.variant in colors:
            ax.axhline(
                r.sentences_per_s,
                linestyle="--",
                linewidth=1,
                color=colors[r.variant],
                label=f"offline engine {r.variant}, batch 32",
            )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrent clients (one sentence per request)")
    ax.set_ylabel("sentences / s")
    tokens = report.settings.get("output_tokens")
    ax.set_title(f"thaimt bench: base-size model, {tokens} output tokens per segment")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_open_loop(report: BenchReport, path: Path) -> Path:
    """p95 (solid) and p50 (dotted) latency against offered requests/s, one colour per
    server configuration; each configuration's measured capacity as a vertical tick."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for i, curve in enumerate(c for c in report.open_loop if c.points):
        color = f"C{i}"
        x = [p.offered_rps for p in curve.points]
        ax.plot(x, [p.p95_ms for p in curve.points], "-o", color=color, label=f"{curve.label} p95")
        ax.plot(x, [p.p50_ms for p in curve.points], ":", color=color, label=f"{curve.label} p50")
        ax.axvline(curve.capacity_rps, color=color, linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (requests/s of the mix, Poisson arrivals)")
    ax.set_ylabel("latency per request (ms)")
    processor = report.environment.get("processor", "")
    cores = report.environment.get("cpu_count", "")
    ax.set_title(f"thaimt open loop: {processor}, {cores} cores (dashed: capacity)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
