"""The model's own score for an output, from the log-probabilities of its tokens.

One definition for every backend (and for any decoding loop that has per-token log-probs, such
as a continuous-batching loop): the **mean log-probability per generated token**, the
end-of-sentence token included when the output has one. Dividing by the length makes a long
sentence comparable with a short one (a sum would make every long output look unlikely);
``exp(score)`` is the geometric mean of the token probabilities, in (0, 1]. This is CTranslate2's
``return_scores`` with its default ``length_penalty=1`` (sum of log-probs over the hypothesis
length) up to the end token, which it sums but does not count; :func:`from_normalised` converts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_log_prob(token_log_probs: Sequence[float]) -> float | None:
    """The score of one output from its tokens' log-probabilities (None for no token)."""
    if not token_log_probs:
        return None
    return float(sum(token_log_probs)) / len(token_log_probs)


def from_normalised(score: float, hypothesis_tokens: int, ended: bool) -> float | None:
    """CTranslate2's score (log-prob sum, end token included, over ``hypothesis_tokens``, end
    token excluded) as :func:`mean_log_prob` of the same tokens: ``ended`` says the output
    stopped with an end token (it then has one more scored position). None where the score
    cannot be recovered (an output of no token at all)."""
    if hypothesis_tokens < 1 or not math.isfinite(score):
        return None
    return score * hypothesis_tokens / (hypothesis_tokens + (1 if ended else 0))
