"""The backend interface: everything the pipeline needs from a translation engine.

A backend is small on purpose: it tokenises text (so the pipeline can respect the model's input
budget, and so each segment is tokenised exactly once: its ids travel with it to the model) and
translates a batch of already-tokenised, already-protected segments. Batching policy, caching
and text processing live elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings shared by every backend.

    The output length is bounded relative to the input so a degenerate model cannot run away:
    ``max_new_tokens = min(max_output_tokens, ceil(length_ratio * input_tokens) + length_extra)``.
    """

    beam_size: int = 1
    length_ratio: float = 1.5
    length_extra: int = 10
    max_output_tokens: int = 512
    # Optional in-decoder guard (both backends support it; transformers' version costs Python
    # time per step). The always-on guard is the length bound plus trimming of runaway loops.
    no_repeat_ngram_size: int = 0
    # Benchmarks force every output to a fixed length so that runs compare; None in normal use.
    forced_output_tokens: int | None = None
    # Further hypotheses of the beam search to return besides the best one (n-best lists);
    # the beam is widened to at least ``1 + alternatives``.
    alternatives: int = 0
    # The model's own score for each output (``ModelOutput.score``; confidence is built on it).
    # Never changes the text, so it is not part of the cache key; off only to measure its cost.
    scores: bool = True

    @property
    def beam_width(self) -> int:
        """The beam actually searched: wide enough for the alternatives asked for."""
        return max(self.beam_size, 1 + self.alternatives)

    def max_new_tokens(self, input_tokens: int) -> int:
        if self.forced_output_tokens is not None:
            return self.forced_output_tokens
        bound = int(self.length_ratio * input_tokens + 0.999) + self.length_extra
        return max(1, min(self.max_output_tokens, bound))

    def cache_key(self) -> str:
        """A stable string naming every option that changes the output."""
        return (
            f"beam={self.beam_size};ratio={self.length_ratio};extra={self.length_extra};"
            f"max={self.max_output_tokens};nrng={self.no_repeat_ngram_size};"
            f"forced={self.forced_output_tokens};alt={self.alternatives}"
        )


@dataclass(frozen=True)
class ModelOutput:
    """What the model made of one segment."""

    text: str  # the best hypothesis, decoded
    tokens: int  # tokens generated for it (metrics)
    alternatives: tuple[str, ...] = ()  # the next-best hypotheses, best first (n-best)
    # The model's score for ``text``: the mean log-probability of its generated tokens (≤ 0,
    # see models.scoring); None when unknown (not asked for, or a cache entry from before).
    score: float | None = None


@dataclass(frozen=True)
class Segment:
    """A masked segment on its way to the model, with the token ids it was counted with (the
    pipeline tokenises each segment once; its ids go with it to ``Backend.translate_batch``)."""

    text: str
    ids: tuple[int, ...]

    @property
    def tokens(self) -> int:
        return len(self.ids)


@runtime_checkable
class Backend(Protocol):
    """A loaded model that translates Thai segments into English."""

    name: str  # backend name: "torch" or "ct2"
    model_id: str  # hub id or local directory it was loaded from
    revision: str  # commit hash or content hash; part of cache keys
    family: str  # model family name ("marian", "nllb", ...; see models.families)
    max_input_tokens: int  # token budget per segment, special tokens included
    precision: str  # numeric type the model runs in ("float32", "int8", ...); in cache keys

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Source token ids of each text, special tokens included (never truncated)."""
        ...

    def translate_batch(
        self, inputs: Sequence[Sequence[int]], options: DecodeOptions
    ) -> list[ModelOutput]:
        """Translate one batch of token ids (from :meth:`encode`); one output per input, in
        order. An input longer than ``max_input_tokens`` raises ``ValueError``."""
        ...


_BEAM_LENGTH_STEP = 8


def decode_length(bound: int, options: DecodeOptions) -> int:
    """How far a row with output ``bound`` is decoded before being cut back to it.

    Greedy decoding gives a row the same tokens whatever the length it runs to, so rows of any
    bounds share a call. Beam search does not (which hypotheses finish, and which wins, depends
    on the length), so a row is decoded to its bound rounded up to a multiple of 8 (never past
    ``max_output_tokens``) and only with rows of that same length: its output then depends on
    its own input alone, not on what it was batched with (a file in a batch chunk, a request
    among others).
    """
    if options.beam_width == 1:
        return bound
    rounded = -(-bound // _BEAM_LENGTH_STEP) * _BEAM_LENGTH_STEP
    return max(bound, min(rounded, options.max_output_tokens))


def decode_groups(bounds: Sequence[int], options: DecodeOptions) -> list[list[int]]:
    """Row indexes, ordered by bound and grouped so that one call may decode each group to one
    length (:func:`decode_length`): a single group for greedy decoding."""
    order = sorted(range(len(bounds)), key=lambda i: bounds[i])
    if options.beam_width == 1:
        return [order] if order else []
    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(decode_length(bounds[i], options), []).append(i)
    return list(groups.values())


def check_budget(inputs: Sequence[Sequence[int]], budget: int) -> None:
    """Refuse inputs over the token budget: truncating would silently lose text, and the
    pipeline splits every segment to fit, so an over-budget input is a bug upstream."""
    over = [i for i, ids in enumerate(inputs) if len(ids) > budget]
    if over:
        raise ValueError(
            f"{len(over)} input(s) exceed the {budget}-token budget "
            f"(first: #{over[0]}, {len(inputs[over[0]])} tokens); split them before translating"
        )


def encode_segments(backend: Backend, texts: Sequence[str]) -> list[Segment]:
    """``texts`` as segments carrying their token ids (one tokenizer call)."""
    ids = backend.encode(texts) if texts else []
    return [Segment(t, tuple(row)) for t, row in zip(texts, ids, strict=True)]
