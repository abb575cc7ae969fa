"""Paired significance between every pair of systems, through sacrebleu's own PairedTest."""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.significance import PairedTest

from eval.significance import paired_significance

REFS = ["the cat sat on the mat", "a dog is in the garden", "it rains today", "bangkok is big"] * 6
GOOD = ["the cat sat on a mat", "a dog in the garden", "it rains", "bangkok is large"] * 6
BAD = ["cat", "dog", "rain", "city"] * 6


def test_every_pair_gets_a_p_value_per_metric() -> None:
    systems = [("good", GOOD), ("bad", BAD), ("ref", REFS)]
    result = paired_significance(systems, REFS, test="bs", samples=200)
    pairs = {(p.baseline, p.system) for p in result.pairs}
    assert pairs == {("good", "bad"), ("good", "ref"), ("bad", "ref")}  # n(n−1)/2
    assert len(result.pairs) == 3 * 3  # three metrics each
    assert {p.metric for p in result.pairs} == {"BLEU", "chrF++", "TER"}
    assert all(0 < p.p_value <= 1 for p in result.pairs)
    assert (result.test, result.samples, result.seed) == ("bs", 200, "12345")
    assert "bs:200" in result.signatures["BLEU"] and "nw:2" in result.signatures["chrF++"]


def test_p_values_are_sacrebleus_own() -> None:
    """The same numbers as sacrebleu's PairedTest with the report's metrics."""
    ours = paired_significance([("good", GOOD), ("bad", BAD)], REFS, test="ar", samples=300)
    metrics = {"BLEU": BLEU(), "chrF": CHRF(word_order=2), "TER": TER()}
    _, theirs = PairedTest(
        [("good", GOOD), ("bad", BAD)], metrics, [REFS], test_type="ar", n_samples=300
    )()
    expected = {
        name: theirs[key][1]
        for name, key in zip(("BLEU", "chrF++", "TER"), list(theirs)[1:], strict=True)
    }
    for pair in ours.pairs:
        assert pair.p_value == pytest.approx(expected[pair.metric].p_value)
        assert pair.system_score == pytest.approx(expected[pair.metric].score)
    bleu = next(p for p in ours.pairs if p.metric == "BLEU")
    assert bleu.delta == pytest.approx(bleu.system_score - bleu.baseline_score) and bleu.delta < 0


def test_a_system_equal_to_its_baseline_has_no_difference() -> None:
    """sacrebleu counts only larger differences (multeval's convention), so a zero difference
    gets its smallest p-value; the report prints such a pair as "same" instead."""
    result = paired_significance([("a", GOOD), ("b", list(GOOD))], REFS, samples=100)
    assert all(p.delta == 0 and p.p_value == pytest.approx(1 / 101) for p in result.pairs)


@pytest.mark.parametrize(
    ("systems", "test"), [([("a", GOOD)], "bs"), ([("a", GOOD), ("b", BAD)], "t")]
)
def test_bad_requests(systems: list[tuple[str, list[str]]], test: str) -> None:
    with pytest.raises(ValueError):
        paired_significance(systems, REFS, test=test)
