"""What goes into a step decoder and what comes out of it (no torch here)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from models.backend import DecodeOptions, ModelOutput


def supports(options: DecodeOptions) -> bool:
    """Whether rows with ``options`` can join a running batch: greedy search with one
    hypothesis. A beam keeps several hypotheses per segment and reorders them every step; beam
    requests run as static micro-batches instead."""
    return options.beam_width == 1


@dataclass(frozen=True)
class JoiningRow:
    """A segment joining the running batch at the next step."""

    key: Hashable  # the caller's handle; finished rows come back under it
    ids: tuple[int, ...]  # source token ids (from ``Backend.encode``)
    options: DecodeOptions


@dataclass(frozen=True)
class FinishedRow:
    key: Hashable
    output: ModelOutput
    # Log-probability of each generated token under the scores greedy search chose it from
    # (the processed logits, log-softmaxed: what ``compute_transition_scores`` gives with
    # ``normalize_logits=True``). Its mean is a confidence measure.
    token_logprobs: tuple[float, ...] = ()

    @property
    def mean_logprob(self) -> float | None:
        scores = self.token_logprobs
        return sum(scores) / len(scores) if scores else None


@dataclass
class StepResult:
    """What one step did."""

    finished: list[FinishedRow] = field(default_factory=list)
    failed: list[tuple[Hashable, BaseException]] = field(default_factory=list)
    joined: int = 0  # rows that joined at this step
    running: int = 0  # rows still decoding after it


class StepDecoder(Protocol):
    """A running batch advanced one token per :meth:`step` (see :mod:`models.continuous`)."""

    @property
    def running(self) -> int:
        """Rows decoding now."""
        ...

    def step(
        self, joining: Sequence[JoiningRow] = (), leaving: Collection[Hashable] = ()
    ) -> StepResult:
        """Drop ``leaving``, add ``joining``, advance every row by one token; rows that ended
        come back in the result. A joining row that cannot be decoded fails alone."""
        ...

    def clear(self) -> list[Hashable]:
        """Drop every running row (after a failed step); returns their keys."""
        ...
