"""Rank statistics of the calibration report, against hand-worked values."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import CHRF

from eval.calibration import THRESHOLDS, average_ranks, calibrate, roc_auc, spearman


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        ([3.0, 1.0, 2.0], [3.0, 1.0, 2.0]),
        ([3.0, 1.0, 2.0, 2.0], [4.0, 1.0, 2.5, 2.5]),  # ties share the mean of their ranks
        ([5.0, 5.0, 5.0], [2.0, 2.0, 2.0]),
        ([], []),
    ],
)
def test_average_ranks(values: list[float], ranks: list[float]) -> None:
    assert average_ranks(values) == ranks


@pytest.mark.parametrize(
    ("xs", "ys", "rho"),
    [
        ([1, 2, 3, 4], [10, 20, 30, 40], 1.0),
        ([1, 2, 3, 4], [40, 30, 20, 10], -1.0),
        ([1, 2, 3, 4], [1, 3, 2, 4], 0.8),  # 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60
        ([1, 2, 3], [5, 5, 5], None),  # a constant side has no rank order
    ],
)
def test_spearman(xs: list[float], ys: list[float], rho: float | None) -> None:
    result = spearman(xs, ys)
    assert result == (None if rho is None else pytest.approx(rho))


@pytest.mark.parametrize(
    ("scores", "positive", "auc"),
    [
        ([0.1, 0.2, 0.8, 0.9], [False, False, True, True], 1.0),
        ([0.9, 0.8, 0.2, 0.1], [False, False, True, True], 0.0),
        ([0.5, 0.5], [True, False], 0.5),  # a tie counts half
        ([0.1, 0.6, 0.4, 0.9], [False, False, True, True], 0.75),  # 3 of 4 pairs ordered
        ([0.1, 0.2], [True, True], None),  # one class only
    ],
)
def test_roc_auc(scores: list[float], positive: list[bool], auc: float | None) -> None:
    result = roc_auc(scores, positive)
    assert result == (None if auc is None else pytest.approx(auc))


def test_calibrate_skips_lines_without_confidence_and_finds_the_poor_quarter() -> None:
    refs = ["the cat sat on the mat", "a dog ran home", "it rains", "the sun is out", "hello"]
    hyps = ["the cat sat on the mat", "a dog ran", "xyz", "the sun is out", "hello"]
    confidences: list[float | None] = [0.9, 0.6, 0.2, 0.8, None]  # the last: not modelled
    result = calibrate(confidences, hyps, refs)
    chrf = [
        CHRF(word_order=2).sentence_score(h, [r]).score for h, r in zip(hyps, refs, strict=True)
    ][:4]
    assert result.units == 4 and result.mean_confidence == pytest.approx(0.625)
    assert result.poor == 1 and result.poor_cutoff == pytest.approx(min(chrf))  # "xyz"
    assert result.auc == pytest.approx(1.0)  # the poor line has the lowest confidence
    assert result.spearman == pytest.approx(spearman([0.9, 0.6, 0.2, 0.8], chrf))
    assert [row.threshold for row in result.thresholds] == list(THRESHOLDS)
    below_half = result.thresholds[THRESHOLDS.index(0.5)]
    assert (below_half.below, below_half.share_below) == (1, 0.25)
    assert below_half.chrf_below == pytest.approx(min(chrf))
    assert below_half.chrf_rest == pytest.approx(sum(sorted(chrf)[1:]) / 3)


def test_calibrate_without_any_confidence() -> None:
    result = calibrate([None, None], ["a", "b"], ["a", "b"])
    assert (result.units, result.mean_confidence, result.spearman, result.auc) == (
        0,
        None,
        None,
        None,
    )
