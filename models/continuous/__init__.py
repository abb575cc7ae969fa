"""Iteration-level (continuous) decoding: a running batch that rows join and leave between steps.

The static path (``Backend.translate_batch``) decodes a batch until its longest row ends, so a
segment that arrives meanwhile waits for the whole batch. Here the caller owns the step: each
:meth:`StepDecoder.step` first drops the rows asked to leave, runs the joining rows' encoder and
first decoder step as a small prefill batch (their cross-attention keys and values are computed
once, there), pads and concatenates their caches into the running batch, and advances every
running row by one token; rows that end (EOS or their own length bound) come back at once.

- :mod:`.rows`: what goes in and comes out (backend-neutral);
- :mod:`.state`: the running batch's tensors, and how they are filtered and concatenated;
- :mod:`.positions`: each row's own decoder position (rows joined at different steps);
- :mod:`.scoring`: the logits processors ``generate()`` would apply, per row;
- :mod:`.torch_stepper`: the decoder over a loaded torch backend.

Greedy rows only: a beam search keeps several hypotheses per segment and reorders them every
step, so beam requests run as static micro-batches (:func:`supports` says which options can
join). Outputs are token-identical to ``generate()`` for the same inputs.
"""

from __future__ import annotations

from typing import Any

from models.continuous.rows import JoiningRow, StepDecoder, StepResult, supports

__all__ = ["JoiningRow", "StepDecoder", "StepResult", "continuous_decoder", "supports"]


def continuous_decoder(backend: Any) -> StepDecoder | None:
    """A step decoder over ``backend``, or None when the backend cannot decode step by step
    (CTranslate2, stand-ins, model types whose decoder positions are not known here)."""
    if getattr(backend, "name", None) != "torch":
        return None
    from models.continuous.torch_stepper import TorchStepDecoder, unsupported_model

    if unsupported_model(backend.model) is not None:
        return None
    return TorchStepDecoder(backend)
