"""The backend interface: everything the pipeline needs from a translation engine.

A backend is small on purpose: it counts tokens (so the pipeline can respect the model's input
budget) and translates a batch of already-protected segments. Batching policy, caching and text
processing live elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ModelFamily(StrEnum):
    MARIAN = "marian"
    NLLB = "nllb"
    M2M100 = "m2m100"


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
            f"forced={self.forced_output_tokens}"
        )


@runtime_checkable
class Backend(Protocol):
    """A loaded model that translates Thai segments into English."""

    name: str  # backend name: "torch" or "ct2"
    model_id: str  # hub id or local directory it was loaded from
    revision: str  # commit hash or content hash; part of cache keys
    family: ModelFamily
    max_input_tokens: int  # token budget per segment, special tokens included

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Source token count of each text, special tokens included."""
        ...

    def translate_batch(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        """Translate one batch; ``len(result) == len(texts)``, order kept."""
        ...
