"""Per-token log-probabilities of what ``model.generate`` chose, recorded as it decodes.

transformers can return every step's scores (``output_scores``), but keeping a batch × vocabulary
tensor per step costs memory and time. :class:`StepRecorder` is a logits processor placed last
in the chain: at each step it keeps only the few numbers the score needs — the log-probability
of the best token of each row (greedy search) or of each row's top ``2 × beams`` tokens (beam
search: every token a beam can keep is among them) — and :meth:`StepRecorder.token_log_probs`
reads off the log-probability of each token of a finished sequence. A decoding loop of its own
(continuous batching) can call :func:`chosen_log_probs` on each step's logits instead, and
:func:`models.scoring.mean_log_prob` on the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def chosen_log_probs(scores: Any, tokens: Any) -> Any:
    """Log-probabilities of ``tokens`` (one id per row) under one step's ``scores`` (rows ×
    vocabulary logits). ``log_softmax`` is one fused, vectorised pass on CPU, several times
    faster there than ``logit − torch.logsumexp(logits)``."""
    import torch

    return torch.log_softmax(scores, dim=-1).gather(-1, tokens.view(-1, 1)).squeeze(-1)


class StepRecorder:
    """A transformers ``LogitsProcessor`` that changes nothing and remembers, per step, the
    best ``keep`` log-probabilities of each row and their token ids."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.steps: list[tuple[Any, Any]] = []  # (values, ids), each rows × keep

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        with torch.no_grad():  # one fused log-softmax pass, then the best (greedy: the choice)
            log_probs = torch.log_softmax(scores.float(), dim=-1)
            if self.keep == 1:
                values, ids = log_probs.max(dim=-1, keepdim=True)
            else:
                values, ids = log_probs.topk(self.keep, dim=-1)
        self.steps.append((values, ids))
        return scores

    def token_log_probs(
        self, sequence: int, tokens: Sequence[int], beam_rows: Sequence[int] | None = None
    ) -> list[float]:
        """Log-probabilities of ``tokens`` (the generated tokens of output ``sequence``, in
        order). Greedy: row ``sequence`` at every step. Beam search: ``beam_rows[t]`` is the
        row the sequence's token ``t`` was chosen from (transformers' ``beam_indices``).
        Stops early at a token the record does not hold (none in practice)."""
        found: list[float] = []
        for step, token in enumerate(tokens[: len(self.steps)]):
            row = sequence if beam_rows is None else beam_rows[step]
            if row < 0:
                break
            values, ids = self._step(step)
            try:
                found.append(values[row][ids[row].index(token)])
            except ValueError:
                break
        return found

    def _step(self, step: int) -> tuple[list[list[float]], list[list[int]]]:
        """One step's record as Python lists (converted once, when first read)."""
        values, ids = self.steps[step]
        if not isinstance(values, list):
            values, ids = values.tolist(), ids.tolist()
            self.steps[step] = (values, ids)
        return values, ids
