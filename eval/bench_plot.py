"""The bench plot: server throughput against concurrent clients, one line per configuration,
with the offline engine at batch 32 as a dashed reference per variant."""

from __future__ import annotations

from pathlib import Path

from eval.bench import BenchReport


def plot_bench(report: BenchReport, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

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
