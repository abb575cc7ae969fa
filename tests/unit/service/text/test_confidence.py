"""The confidence rule: (1 + exp(mean log-prob)) / 2 ** (1 + flags), and its aggregates."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.text.confidence import REVIEW_THRESHOLD, aggregate_confidence, segment_confidence
from service.text.flags import FLAG_NAMES

SCORES = st.floats(-50.0, 0.0)  # mean token log-probabilities a model can give
FLAGS = st.lists(st.sampled_from(FLAG_NAMES), min_size=1, max_size=3, unique=True)


@pytest.mark.parametrize(
    ("score", "flags", "expected"),
    [
        (0.0, (), 1.0),  # every token certain, nothing flagged
        (math.log(0.5), (), 0.75),  # tokens at probability 0.5 on average
        (math.log(0.5), ("thai_left",), 0.375),  # a flag halves it
        (math.log(0.5), ("thai_left", "length_ratio"), 0.1875),
        (-1e9, (), 0.5),  # the model sure of nothing: the bottom of the unflagged band
        (None, (), None),  # no score (an old cache entry): unknown, not guessed
        (float("nan"), (), None),
        (0.2, (), 1.0),  # a rounding error above 0 is read as 0
    ],
)
def test_rule_table(score: float | None, flags: tuple[str, ...], expected: float | None) -> None:
    result = segment_confidence(score, flags)
    assert result == (None if expected is None else pytest.approx(expected))


@given(SCORES, SCORES, FLAGS)
def test_clean_outranks_flagged_of_the_same_length(
    clean: float, flagged: float, flags: list[str]
) -> None:
    """Whatever the model's scores (per token, so the same for any length), an output with no
    flag scores above any flagged one, and the threshold 0.5 separates them."""
    good, bad = segment_confidence(clean, ()), segment_confidence(flagged, flags)
    assert good is not None and bad is not None
    assert good > REVIEW_THRESHOLD >= bad


@given(SCORES, SCORES, st.lists(st.sampled_from(FLAG_NAMES), max_size=3, unique=True))
def test_higher_model_score_never_lowers_confidence(a: float, b: float, flags: list[str]) -> None:
    low, high = sorted((a, b))
    first, second = segment_confidence(low, flags), segment_confidence(high, flags)
    assert first is not None and second is not None
    assert 0 < first <= second <= 1


def test_aggregate_is_a_weighted_mean_of_the_known() -> None:
    assert aggregate_confidence([(0.9, 30), (0.3, 10), (None, 50)]) == pytest.approx(0.75)
    assert aggregate_confidence([(0.4, 0)]) == pytest.approx(0.4)  # an empty source counts once
    assert aggregate_confidence([(None, 5)]) is None
    assert aggregate_confidence([]) is None
