"""Confidence: one number in [0, 1] per translated segment, saying how much to trust it.

Two sources, combined by one rule:

- the model's own score for its output: the mean log-probability of the tokens it generated
  (length-normalised, so long sentences are not penalised for being long; see
  :mod:`models.scoring`), read as a probability ``m = exp(mean log-prob)`` in (0, 1] — the
  geometric mean of the token probabilities;
- the segment's flags (:mod:`service.text.flags`), each a fact that something went wrong.

The rule::

    confidence = (1 + m) / 2 ** (1 + k)        k = the number of flags on the segment

(the mean log-prob is floored at −30). An unflagged segment scores in (0.5, 1], ordered by the
model's probability; every flag halves the score, so one flag puts a segment in (0.25, 0.5], two
in (0.125, 0.25], and so on. Facts outrank beliefs: **every flagged segment ranks below every
unflagged one**, whatever the model thought, and within a band the model's own probability
orders the segments. 0.5 is therefore the natural review threshold ("anything flagged"); a
higher one adds the unflagged segments the model itself was least sure of. ``thaimt eval``
reports how well the number ranks sentence quality on a test set, per threshold (docs/eval.md).

A segment the model never saw (only protected spans, no Thai left) has no confidence (None):
nothing was translated, so there is nothing to doubt; nor does an output whose score is unknown
(a cache entry written before scores were kept). Aggregates skip them.

Paragraph and document confidence: the mean of their segments' confidences weighted by each
segment's source length in characters (a one-word heading counts less than a long sentence).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

REVIEW_THRESHOLD = 0.5  # below it a segment carries at least one flag (the page's default)
# A mean token log-prob below this counts as this (a probability of 1e-13 per token: nothing
# lower means anything), so that an unflagged segment stays strictly above 0.5 in floating point.
FLOOR_LOG_PROB = -30.0


def segment_confidence(score: float | None, flags: Sequence[str]) -> float | None:
    """The rule above: ``score`` is the model's mean token log-probability (≤ 0), ``flags`` the
    segment's flags; None when the score is unknown."""
    if score is None or math.isnan(score):
        return None
    probability = math.exp(min(0.0, max(FLOOR_LOG_PROB, score)))
    return (1.0 + probability) / 2.0 ** (1 + len(flags))


def aggregate_confidence(parts: Iterable[tuple[float | None, int]]) -> float | None:
    """Weighted mean of ``(confidence, weight)`` pairs, skipping unknown confidences; None when
    none is known."""
    total = weight = 0.0
    for confidence, size in parts:
        if confidence is not None:
            total += confidence * max(1, size)
            weight += max(1, size)
    return total / weight if weight else None
