"""Does confidence mean anything? How well it ranks sentence-level quality on a test set.

Quality per scored unit (a test line, or a paragraph in article mode) is its sentence chrF++
against the reference (sacrebleu, the report's settings). Two rank statistics answer "are the
sentences with the lowest confidence the bad ones?":

- **Spearman's ρ** between confidence and sentence chrF++ (−1 … 1; 0 = unrelated);
- **ROC AUC** of confidence at telling the *poor* units (sentence chrF++ in the lowest quarter
  of the test set, the ones an editor most needs to see) from the rest: the chance that a
  randomly chosen poor unit has a lower confidence than a randomly chosen other one, ties
  counting half (0.5 = no better than chance, 1 = every poor unit below every other).

A table of confidence thresholds (how many units fall below each, and their mean chrF++ against
the rest's) is what a user reads to set the page's review threshold.

Both statistics are rank-based and computed here in a few lines (average ranks for ties, as
``scipy.stats.spearmanr`` and ``sklearn.metrics.roc_auc_score`` do); the unit tests check them
against hand-worked values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics import CHRF

POOR_QUANTILE = 0.25  # poor = sentence chrF++ at or below the lowest quarter's cut
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class ThresholdRow:
    """Units whose confidence is below ``threshold``, and how good they were."""

    threshold: float
    below: int
    share_below: float
    chrf_below: float | None  # mean sentence chrF++ of those units (None if there are none)
    chrf_rest: float | None  # and of the others


@dataclass(frozen=True)
class Calibration:
    units: int  # scored units that have a confidence
    mean_confidence: float | None
    spearman: float | None  # None when either side is constant
    auc: float | None  # None when every unit is poor or none is
    poor: int
    poor_cutoff: float | None  # sentence chrF++ at or below which a unit counts as poor
    thresholds: list[ThresholdRow]


def sentence_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> list[float]:
    """chrF++ of each hypothesis against its reference."""
    metric = CHRF(word_order=2)
    return [
        metric.sentence_score(h, [r]).score for h, r in zip(hypotheses, references, strict=True)
    ]


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation: Pearson's r of the average ranks."""
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} values against {len(ys)}")
    rx, ry = average_ranks(xs), average_ranks(ys)
    n = len(rx)
    if n < 2:
        return None
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx and vy else None


def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """The chance that a positive scores higher than a negative (ties half): the Mann–Whitney
    U statistic over the product of the class sizes."""
    ranks = average_ranks(scores)
    pos = sum(1 for p in positive if p)
    neg = len(positive) - pos
    if not pos or not neg:
        return None
    rank_sum = sum(r for r, p in zip(ranks, positive, strict=True) if p)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def calibrate(
    confidences: Sequence[float | None],
    hypotheses: Sequence[str],
    references: Sequence[str],
) -> Calibration:
    """Calibration over the units that have a confidence (a unit the model never saw has
    none)."""
    known = [(i, c) for i, c in enumerate(confidences) if c is not None]
    kept, conf = [i for i, _ in known], [c for _, c in known]
    chrf = sentence_chrf([hypotheses[i] for i in kept], [references[i] for i in kept])
    if not conf:
        return Calibration(0, None, None, None, 0, None, [])
    cutoff = sorted(chrf)[max(0, math.ceil(POOR_QUANTILE * len(chrf)) - 1)]
    poor = [c <= cutoff for c in chrf]
    return Calibration(
        units=len(conf),
        mean_confidence=sum(conf) / len(conf),
        spearman=spearman(conf, chrf),
        auc=roc_auc(conf, [not p for p in poor]),  # the good ones should score higher
        poor=sum(poor),
        poor_cutoff=cutoff,
        thresholds=[_threshold_row(t, conf, chrf) for t in THRESHOLDS],
    )


def _threshold_row(threshold: float, conf: Sequence[float], chrf: Sequence[float]) -> ThresholdRow:
    below = [q for c, q in zip(conf, chrf, strict=True) if c < threshold]
    rest = [q for c, q in zip(conf, chrf, strict=True) if c >= threshold]
    return ThresholdRow(
        threshold,
        len(below),
        len(below) / len(conf),
        sum(below) / len(below) if below else None,
        sum(rest) / len(rest) if rest else None,
    )
