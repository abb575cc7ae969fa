"""Write an evaluation's outputs: report.md, report.json, one hypotheses file per system, and
report.png (BLEU and chrF++ per system).

Every number a report shows is in report.json too, with the sacrebleu signatures, so a reader can
reproduce it; the chart's plotted values are read back from the figure and stored there as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.runner import TOKEN_UNIT, SystemResult

CHART_METRICS = ("BLEU", "chrF++")

METRIC_NOTES = """\
- **BLEU** (0–100, higher is better): n-gram precision (1–4 grams) of the hypotheses against the
  references, with a brevity penalty; sacrebleu's standard 13a tokenisation, corpus level.
- **chrF++** (0–100, higher is better): F-score (β = 2) over character 1–6-grams plus word
  1–2-grams; more forgiving of morphology and word order than BLEU, better correlated with
  human judgement on single references.
- **TER** (lower is better): edits (insertions, deletions, substitutions, shifts) needed to turn
  a hypothesis into its reference, per reference word, ×100.
- **term keeping**: of the Latin-script words and numbers of each source line that its reference
  also contains (names, acronyms, figures), the share that appear as tokens in the hypothesis
  (case-sensitive, count-aware, micro-averaged over the corpus).
- **untranslated**: hypotheses that still contain Thai script.
- **flagged**: segments (the pipeline's sentences) the model translated that carry at least one
  segment flag, then the count of each flag that occurred: `placeholder_dropped`,
  `placeholder_mangled`, `invented_number`, `repetition_trimmed`, `thai_left`, `length_ratio`
  (see "Segment flags" in docs/architecture.md of thaimt). Hypotheses read from a file have
  none (–).
- **sent/s, tok/s**: test lines and target tokens (whitespace-separated words of the output)
  per second of wall time through the whole pipeline (sentence split, protection, model,
  restoration), after one untimed warm-up call.
"""

ARTICLE_NOTE = """\
Article mode joins consecutive test lines into paragraphs and translates each paragraph as an
article line. The pipeline splits a paragraph into its own sentences, which do not map back to
test lines, so every row here is scored per paragraph: references (and external hypotheses) of a
group are joined by a space, and the `[sentence]` row is the same model translating line by line
with its outputs joined the same way. The difference between `[article]` and `[sentence]` is what
the article pipeline costs (or gains). Paragraph-level BLEU is not comparable with the
sentence-level numbers published for this test set.
"""


@dataclass(frozen=True)
class ReportContext:
    """What the run was: shown in the report header and stored in report.json."""

    testset: str
    source_path: str | None
    reference_path: str
    lines: int  # test lines scored (after --limit)
    total_lines: int
    limit: int | None
    mode: str
    granularity: str
    article_size: int | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChartData:
    """What report.png shows, read back from the bars that were drawn."""

    systems: list[str]
    series: dict[str, list[float]]  # metric → one bar height per system


def write_report(
    results: Sequence[SystemResult], context: ReportContext, out_dir: Path
) -> dict[str, Path]:
    """Write every output into ``out_dir``; returns {"md", "json", "hyps"} paths, and "png"
    when matplotlib is installed (the chart is skipped without it: ``thaimt[plot]``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hyp_files = write_hypotheses(results, out_dir / "hyps")
    try:
        chart: ChartData | None = plot_scores(results, out_dir / "report.png")
    except ImportError:
        chart = None
    data = report_data(results, context, hyp_files, chart, out_dir)
    (out_dir / "report.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(render_markdown(data), encoding="utf-8")
    paths = {"md": out_dir / "report.md", "json": out_dir / "report.json", "hyps": out_dir / "hyps"}
    if chart is not None:
        paths["png"] = out_dir / "report.png"
    return paths


def sanitise_name(name: str) -> str:
    """A file-name-safe version of a system name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "system"


def write_hypotheses(results: Sequence[SystemResult], folder: Path) -> list[Path]:
    """One UTF-8 file per system, one hypothesis per line; names made unique."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    used: set[str] = set()
    for result in results:
        stem = base = sanitise_name(result.name)
        n = 2
        while stem in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem)
        path = folder / f"{stem}.txt"
        path.write_text("".join(f"{h}\n" for h in result.hypotheses), encoding="utf-8")
        paths.append(path)
    return paths


def system_data(result: SystemResult, hyp_file: str) -> dict[str, Any]:
    """Everything known about one system, JSON-ready; absent facts are null, never missing."""
    s, run = result.scores, result.throughput
    terms = s.term_keeping
    return {
        "name": result.name,
        "model_id": result.model_id,
        "backend": result.backend,
        "beam": result.beam,
        "device": result.device,
        "decode": result.decode,
        "mode": result.mode,
        "lines": len(result.hypotheses),
        "bleu": s.bleu.score,
        "chrf": s.chrf.score,
        "ter": s.ter.score,
        "signatures": {m.name: m.signature for m in (s.bleu, s.chrf, s.ter)},
        "details": {m.name: m.detail for m in (s.bleu, s.chrf, s.ter)},
        "term_keeping": {
            "kept": terms.kept if terms else None,
            "needed": terms.needed if terms else None,
            "share": terms.share if terms else None,
        },
        "untranslated": {
            "count": s.untranslated.count,
            "lines": s.untranslated.lines,
            "share": s.untranslated.share,
            "indices": list(s.untranslated.indices),
        },
        "throughput": {
            "seconds": run.seconds if run else None,
            "sentences": run.sentences if run else None,
            "sentences_per_s": run.sentences_per_s if run else None,
            "target_tokens": run.target_tokens if run else None,
            "tokens_per_s": run.tokens_per_s if run else None,
            "token_unit": TOKEN_UNIT if run else None,
            "model_calls": run.model_calls if run else None,
            "segments": run.segments if run else None,
        },
        "flags": _flags_data(result),
        "hypotheses_file": hyp_file,
    }


def _flags_data(result: SystemResult) -> dict[str, Any]:
    flags = result.flags
    return {
        "segments": flags.segments if flags else None,
        "flagged": flags.flagged if flags else None,
        "share": flags.share if flags else None,
        "by_flag": dict(flags.by_flag) if flags else None,
    }


def _flagged_cell(flags: dict[str, Any]) -> str:
    if flags["segments"] is None:
        return "–"
    cell = f"{flags['flagged']}/{flags['segments']} ({100 * flags['share']:.1f}%)"
    named = [f"{name} {n}" for name, n in flags["by_flag"].items() if n]
    return cell + (": " + ", ".join(named) if named else "")


def report_data(
    results: Sequence[SystemResult],
    context: ReportContext,
    hyp_files: Sequence[Path],
    chart: ChartData | None,
    out_dir: Path,
) -> dict[str, Any]:
    import sacrebleu

    return {
        "testset": context.testset,
        "source_path": context.source_path,
        "reference_path": context.reference_path,
        "lines": context.lines,
        "total_lines": context.total_lines,
        "limit": context.limit,
        "mode": context.mode,
        "granularity": context.granularity,
        "article_size": context.article_size,
        "sacrebleu_version": sacrebleu.__version__,
        **context.extra,
        "systems": [
            system_data(r, str(p.relative_to(out_dir)))
            for r, p in zip(results, hyp_files, strict=True)
        ],
        "chart": None
        if chart is None
        else {"file": "report.png", "systems": chart.systems, "series": chart.series},
    }


def plot_scores(results: Sequence[SystemResult], path: Path) -> ChartData:
    """Grouped bar chart: one group per system, one bar per metric in CHART_METRICS."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("the eval chart needs matplotlib: pip install 'thaimt[plot]'") from exc

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    names = [r.name for r in results]
    values = {
        "BLEU": [r.scores.bleu.score for r in results],
        "chrF++": [r.scores.chrf.score for r in results],
    }
    width = 0.8 / len(CHART_METRICS)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(names) + 2), 4.0))
    try:
        series: dict[str, list[float]] = {}
        for k, metric in enumerate(CHART_METRICS):
            xs = [i + (k - (len(CHART_METRICS) - 1) / 2) * width for i in range(len(names))]
            bars = ax.bar(xs, values[metric], width, label=metric)
            ax.bar_label(bars, fmt="%.1f", fontsize=8)
            series[metric] = [float(patch.get_height()) for patch in bars.patches]
        rotate = len(names) > 2
        ax.set_xticks(
            range(len(names)),
            names,
            rotation=15 if rotate else 0,
            ha="right" if rotate else "center",
        )
        ax.set_ylabel("score (0–100)")
        ax.set_ylim(0, 108)  # room for the value label above a 100
        # Legend above the axes, where no bar can hide it.
        ax.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(CHART_METRICS), frameon=False
        )
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return ChartData(systems=names, series=series)


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "–" if value is None else pattern.format(value)


def table_rows(data: dict[str, Any]) -> list[str]:
    header = (
        "| system | BLEU | chrF++ | TER | term keeping | untranslated | flagged | sent/s | tok/s "
        "| backend | beam | mode |"
    )
    lines = [header, "|" + "---|" * 12]
    for s in data["systems"]:
        terms, untr, run = s["term_keeping"], s["untranslated"], s["throughput"]
        keeping = (
            "–"
            if terms["share"] is None
            else f"{100 * terms['share']:.1f}% ({terms['kept']}/{terms['needed']})"
        )
        cells = [
            s["name"],
            _fmt(s["bleu"]),
            _fmt(s["chrf"]),
            _fmt(s["ter"]),
            keeping,
            f"{untr['count']} ({100 * untr['share']:.1f}%)",
            _flagged_cell(s["flags"]),
            _fmt(run["sentences_per_s"]),
            _fmt(run["tokens_per_s"]),
            s["backend"] or "–",
            "–" if s["beam"] is None else str(s["beam"]),
            s["mode"],
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    limit = "" if data["limit"] is None else f" (first {data['lines']} of {data['total_lines']})"
    source = f"`{data['source_path']}`" if data["source_path"] else "none (no term keeping)"
    out = [
        "# thaimt evaluation report",
        "",
        f"- test set: **{data['testset']}**, {data['lines']} lines{limit}",
        f"- source: {source}; reference: `{data['reference_path']}`",
        f"- mode: {data['mode']}; scored per {data['granularity']}",
        f"- sacrebleu {data['sacrebleu_version']}",
        "",
        *table_rows(data),
        "",
        "![BLEU and chrF++ per system](report.png)",
        "",
        "## Signatures",
        "",
    ]
    for metric in ("BLEU", "chrF++", "TER"):
        signatures = dict.fromkeys(s["signatures"][metric] for s in data["systems"])
        out += [f"- {metric}: `{sig}`" for sig in signatures]
    out += ["", "## Systems", ""]
    for s in data["systems"]:
        model = f"`{s['model_id']}`" if s["model_id"] else "hypotheses file"
        out.append(f"- **{s['name']}**: {model}; hypotheses in `{s['hypotheses_file']}`")
        out.append(f"  - {s['details']['BLEU']}")
        if s["decode"]:
            settings = ", ".join(f"{k}={v}" for k, v in s["decode"].items())
            out.append(f"  - decoding ({s['backend']}, device {s['device']}): {settings}")
    out += ["", "## What the numbers mean", "", METRIC_NOTES]
    if data["mode"] == "article":
        out += ["## Article mode", "", ARTICLE_NOTE]
    return "\n".join(out)
