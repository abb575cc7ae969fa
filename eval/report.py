"""Write an evaluation's outputs: report.md, report.json, one hypotheses file per system, and
report.png (BLEU and chrF++ per system, titled with the test set, its line count and the models).
With two systems or more, the report carries sacrebleu's paired significance test between every
pair; with a model, how its confidence ranks sentence quality (:mod:`eval.calibration`).

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

from eval.calibration import POOR_QUANTILE, Calibration
from eval.runner import TOKEN_UNIT, SystemResult
from eval.significance import TESTS, Significance

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
- **invented numbers**: hypotheses that write a number (in digits; "1,000" = "1000", Thai
  digits read as digits) that their source line does not contain: a figure the model made up,
  or a Thai number word it spelt in digits. Computed from source and output alone, so the raw
  model (`--compare-raw`) is judged the same way as the pipeline.
- **confidence**: the mean confidence of the scored lines (docs/eval.md: the model's own
  probability for its output and the segment flags, in [0, 1]); see "Calibration" below.
- **flagged**: segments (the pipeline's sentences) the model translated that carry at least one
  segment flag, then the count of each flag that occurred: `placeholder_dropped`,
  `placeholder_mangled`, `invented_number`, `repetition_trimmed`, `thai_left`, `length_ratio`
  (see "Segment flags" in docs/architecture.md of thaimt). Hypotheses read from a file have
  none (–), nor does the raw model (flags need the pipeline's protected spans).
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

RAW_NOTE = """\
`[raw]` is the same model on the same lines with the pipeline off: each test line goes to the
model as it is — no normalisation, no sentence splitting, no protected spans (so no term
guarantee), no repetition guard — and is split only where it exceeds the model's token budget.
`[pipeline]` is what thaimt serves. The difference between the two rows, with its p-value below,
is what the pipeline costs or gains on these lines.
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

    def title(self, results: Sequence[SystemResult]) -> str:
        """The chart's title: test set, lines and the models (or "hypotheses files")."""
        models = list(dict.fromkeys(r.model_id for r in results if r.model_id))
        who = ", ".join(models) if models else "hypotheses files"
        return f"{self.testset} · {self.lines} lines · {who}"


@dataclass(frozen=True)
class ChartData:
    """What report.png shows, read back from the bars that were drawn."""

    systems: list[str]
    series: dict[str, list[float]]  # metric → one bar height per system
    title: str = ""


def write_report(
    results: Sequence[SystemResult],
    context: ReportContext,
    out_dir: Path,
    significance: Significance | None = None,
) -> dict[str, Path]:
    """Write every output into ``out_dir``; returns {"md", "json", "hyps"} paths, and "png"
    when matplotlib is installed (the chart is skipped without it: ``thaimt[plot]``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hyp_files = write_hypotheses(results, out_dir / "hyps")
    try:
        title = context.title(results)
        chart: ChartData | None = plot_scores(results, out_dir / "report.png", title)
    except ImportError:
        chart = None
    data = report_data(results, context, hyp_files, chart, out_dir, significance)
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
    terms, invented = s.term_keeping, s.invented_numbers
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
        "invented_numbers": {
            "count": invented.count if invented else None,
            "lines": invented.lines if invented else None,
            "share": invented.share if invented else None,
            "numbers": invented.numbers if invented else None,
        },
        "confidence": _confidence_data(result.calibration),
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


def _confidence_data(calibration: Calibration | None) -> dict[str, Any]:
    """Mean confidence and calibration (all null for a system without confidences)."""
    c = calibration
    known = c is not None and c.units > 0
    return {
        "mean": c.mean_confidence if c is not None else None,
        "units": c.units if c is not None else None,
        "spearman_chrf": c.spearman if c is not None else None,
        "auc_poor": c.auc if c is not None else None,
        "poor": c.poor if c is not None else None,
        "poor_cutoff_chrf": c.poor_cutoff if c is not None else None,
        "poor_quantile": POOR_QUANTILE if known else None,
        "thresholds": [
            {
                "threshold": row.threshold,
                "below": row.below,
                "share_below": row.share_below,
                "chrf_below": row.chrf_below,
                "chrf_rest": row.chrf_rest,
            }
            for row in (c.thresholds if c is not None else [])
        ],
    }


def _significance_data(significance: Significance | None) -> dict[str, Any] | None:
    if significance is None:
        return None
    return {
        "test": significance.test,
        "test_name": TESTS[significance.test],
        "samples": significance.samples,
        "seed": significance.seed,
        "signatures": significance.signatures,
        "pairs": [
            {
                "baseline": p.baseline,
                "system": p.system,
                "metric": p.metric,
                "baseline_score": p.baseline_score,
                "system_score": p.system_score,
                "delta": p.delta,
                "p_value": p.p_value,
            }
            for p in significance.pairs
        ],
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
    significance: Significance | None = None,
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
        "significance": _significance_data(significance),
        "chart": None
        if chart is None
        else {
            "file": "report.png",
            "title": chart.title,
            "systems": chart.systems,
            "series": chart.series,
        },
    }


def plot_scores(results: Sequence[SystemResult], path: Path, title: str = "") -> ChartData:
    """Grouped bar chart: one group per system, one bar per metric in CHART_METRICS, under
    ``title``."""
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
        if title:
            ax.set_title(title, fontsize=9, pad=24)  # above the legend
        ax.set_ylim(0, 108)  # room for the value label above a 100
        # Legend above the axes, where no bar can hide it.
        ax.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(CHART_METRICS), frameon=False
        )
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)
    return ChartData(systems=names, series=series, title=title)


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "–" if value is None else pattern.format(value)


def table_rows(data: dict[str, Any]) -> list[str]:
    header = (
        "| system | BLEU | chrF++ | TER | term keeping | untranslated | invented numbers "
        "| flagged | confidence | sent/s | tok/s | backend | beam | mode |"
    )
    lines = [header, "|" + "---|" * 14]
    for s in data["systems"]:
        terms, untr, run = s["term_keeping"], s["untranslated"], s["throughput"]
        invented = s["invented_numbers"]
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
            "–"
            if invented["count"] is None
            else f"{invented['count']} ({100 * invented['share']:.1f}%)",
            _flagged_cell(s["flags"]),
            _fmt(s["confidence"]["mean"], "{:.3f}"),
            _fmt(run["sentences_per_s"]),
            _fmt(run["tokens_per_s"]),
            s["backend"] or "–",
            "–" if s["beam"] is None else str(s["beam"]),
            s["mode"],
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def significance_rows(data: dict[str, Any]) -> list[str]:
    """One row per pair of systems: each metric's difference (system − baseline) and p-value."""
    sig = data["significance"]
    if sig is None:
        return []
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for pair in sig["pairs"]:
        # sacrebleu gives a zero difference its smallest p-value (only larger ones count)
        same = pair["delta"] == 0
        text = "0.00 (same)" if same else f"{pair['delta']:+.2f} (p = {pair['p_value']:.4f})"
        cells.setdefault((pair["system"], pair["baseline"]), {})[pair["metric"]] = text
    lines = [
        "| system | against | Δ BLEU (p) | Δ chrF++ (p) | Δ TER (p) |",
        "|---|---|---|---|---|",
    ]
    for (system, baseline), by_metric in cells.items():
        row = [system, baseline, *(by_metric.get(m, "–") for m in ("BLEU", "chrF++", "TER"))]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return lines


def significance_section(data: dict[str, Any]) -> list[str]:
    sig = data["significance"]
    if sig is None:
        return []
    return [
        "## Paired significance",
        "",
        f"sacrebleu's {sig['test_name']} ({sig['samples']} samples, seed {sig['seed']}) between "
        "every pair of systems, each against the one listed before it. Δ is the system's score "
        "minus the other's (for TER, lower is better, so a negative Δ TER is an improvement); "
        "p is the chance of a difference at least this large if the two were equally good "
        "(p < 0.05: unlikely to be chance).",
        "",
        *significance_rows(data),
        "",
        *(f"- {metric}: `{signature}`" for metric, signature in sig["signatures"].items()),
        "",
    ]


def calibration_section(data: dict[str, Any]) -> list[str]:
    """How each system's confidence ranks sentence chrF++, and a threshold table per system."""
    rated = [s for s in data["systems"] if s["confidence"]["units"]]
    if not rated:
        return []
    out = [
        "## Calibration: does confidence rank quality?",
        "",
        "Per scored line, confidence against its sentence chrF++. Spearman's ρ: rank correlation "
        "(0 = unrelated, 1 = same order). ROC AUC: the chance that a *poor* line (sentence "
        "chrF++ in the lowest quarter) has a lower confidence than another line (0.5 = chance, "
        "1 = every poor line below every other). The threshold table says how many lines a "
        "review threshold would send to an editor, and how good they were.",
        "",
        "| system | lines | mean confidence | Spearman ρ | ROC AUC | poor (chrF++ ≤) |",
        "|---|---|---|---|---|---|",
    ]
    for s in rated:
        c = s["confidence"]
        out.append(
            f"| {s['name']} | {c['units']} | {_fmt(c['mean'], '{:.3f}')} "
            f"| {_fmt(c['spearman_chrf'], '{:.3f}')} | {_fmt(c['auc_poor'], '{:.3f}')} "
            f"| {c['poor']} ({_fmt(c['poor_cutoff_chrf'])}) |"
        )
    for s in rated:
        out += ["", f"**{s['name']}**: lines below each confidence threshold", ""]
        out += ["| confidence below | lines | share | mean chrF++ of those | of the rest |"]
        out += ["|---|---|---|---|---|"]
        for row in s["confidence"]["thresholds"]:
            out.append(
                f"| {row['threshold']:.1f} | {row['below']} | {100 * row['share_below']:.1f}% "
                f"| {_fmt(row['chrf_below'])} | {_fmt(row['chrf_rest'])} |"
            )
    return [*out, ""]


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
    out += ["", *significance_section(data), *calibration_section(data), "## Systems", ""]
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
    if any(s["mode"].startswith("raw") for s in data["systems"]):
        out += ["## The raw model", "", RAW_NOTE]
    return "\n".join(out)
