"""Offline batching: every segment is known up front (``translate``, ``batch``, ``eval``, the Ray
driver), so they are cut into length-sorted batches within a segment count and a padded-token
budget, run, and put back in input order by one position map.

Whoever runs the batches (the engine, one backend call after another; the Ray pool, in
parallel) passes a function from the planned batches to their outputs; :func:`run_in_batches`
owns the plan and the way back. The server's shared batcher (:mod:`service.batching.batcher`)
forms its batches from a live queue instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from models.backend import ModelOutput, Segment
from service import defaults

# The planned batches (segments, in order within each batch) → each batch's outputs, in order.
RunBatches = Callable[[list[list[Segment]]], Iterable[Sequence[ModelOutput]]]


@dataclass(frozen=True)
class BatchLimits:
    """The most segments per batch and the most padded tokens (rows × longest row) per batch."""

    max_batch_size: int = defaults.MAX_BATCH_SIZE
    max_batch_tokens: int = defaults.MAX_BATCH_TOKENS


def plan_batches(segments: Sequence[Segment], limits: BatchLimits) -> list[list[int]]:
    """Indexes of ``segments`` in length-sorted batches bounded by segment count and padded
    token count (a segment over the token budget on its own still gets a batch)."""
    order = sorted(range(len(segments)), key=lambda i: segments[i].tokens)
    batches: list[list[int]] = []
    batch: list[int] = []
    longest = 0
    for i in order:
        longest_if_added = max(longest, segments[i].tokens)
        too_many = len(batch) >= limits.max_batch_size
        too_big = longest_if_added * (len(batch) + 1) > limits.max_batch_tokens
        if batch and (too_many or too_big):
            batches.append(batch)
            batch, longest_if_added = [], segments[i].tokens
        batch.append(i)
        longest = longest_if_added
    if batch:
        batches.append(batch)
    return batches


def run_in_batches(
    segments: Sequence[Segment], limits: BatchLimits, run: RunBatches
) -> list[ModelOutput]:
    """One output per segment, in input order: the segments planned into batches, ``run`` on
    them, and each batch's outputs put back where its segments came from."""
    plan = plan_batches(segments, limits)
    done = run([[segments[i] for i in batch] for batch in plan])
    outputs: dict[int, ModelOutput] = {}
    for batch, batch_outputs in zip(plan, done, strict=True):
        outputs.update(zip(batch, batch_outputs, strict=True))
    return [outputs[i] for i in range(len(segments))]
