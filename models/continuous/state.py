"""The running batch's tensors: what rows joining and leaving do to them.

Layout (the design of TGI's ``Seq2SeqLMBatch``, written anew for transformers 5 caches):

- the encoder side (encoder output, its mask, each layer's cross-attention keys and values) is
  right-padded to the longest source in the batch;
- the decoder side (each layer's self-attention keys and values, the decoder mask) is
  left-padded: every row writes its next key and value in the same, last slot, so a row that
  joined later simply has masked slots before its first token.

Padding is zeros under a zero mask, so it never weighs in an attention. Rows are only ever
selected (:meth:`RunningBatch.select`) or appended (:func:`concatenate`); both trim the columns
no remaining row needs, so a long row that left takes its padding with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from transformers import EncoderDecoderCache

KeyValues = list[tuple["torch.Tensor", "torch.Tensor"]]  # per layer: (batch, heads, length, dim)


@dataclass
class RunningBatch:
    encoder_hidden: torch.Tensor  # (batch, source, model dim), right-padded
    encoder_mask: torch.Tensor  # (batch, source), 1 = a real source token
    cache: EncoderDecoderCache  # self-attention left-padded, cross-attention right-padded
    decoder_mask: torch.Tensor  # (batch, cached decoder length), 1 = a real decoder token

    @property
    def size(self) -> int:
        return int(self.encoder_mask.shape[0])

    def select(self, keep: Sequence[int]) -> RunningBatch:
        """The rows ``keep`` (in that order), trimmed to what they still need."""
        import torch

        index = torch.tensor(list(keep), dtype=torch.long, device=self.encoder_mask.device)
        encoder_mask = self.encoder_mask.index_select(0, index)
        decoder_mask = self.decoder_mask.index_select(0, index)
        source = int(encoder_mask.sum(1).max()) if len(keep) else 0
        decoded = int(decoder_mask.sum(1).max()) if len(keep) else 0
        start = decoder_mask.shape[1] - decoded
        self_kv = [
            (k.index_select(0, index)[:, :, start:], v.index_select(0, index)[:, :, start:])
            for k, v in self_attention(self.cache)
        ]
        cross_kv = [
            (k.index_select(0, index)[:, :, :source], v.index_select(0, index)[:, :, :source])
            for k, v in cross_attention(self.cache)
        ]
        return RunningBatch(
            self.encoder_hidden.index_select(0, index)[:, :source],
            encoder_mask[:, :source],
            build_cache(self_kv, cross_kv),
            decoder_mask[:, start:],
        )


def concatenate(first: RunningBatch, second: RunningBatch) -> RunningBatch:
    """``first``'s rows then ``second``'s, padded to a common source and decoder length (each
    tensor copied once, into its place in the new one)."""
    source = max(first.encoder_mask.shape[1], second.encoder_mask.shape[1])
    decoded = max(first.decoder_mask.shape[1], second.decoder_mask.shape[1])
    self_kv = [
        (_stack(k1, k2, 2, decoded, left=True), _stack(v1, v2, 2, decoded, left=True))
        for (k1, v1), (k2, v2) in zip(
            self_attention(first.cache), self_attention(second.cache), strict=True
        )
    ]
    cross_kv = [
        (_stack(k1, k2, 2, source, left=False), _stack(v1, v2, 2, source, left=False))
        for (k1, v1), (k2, v2) in zip(
            cross_attention(first.cache), cross_attention(second.cache), strict=True
        )
    ]
    return RunningBatch(
        _stack(first.encoder_hidden, second.encoder_hidden, 1, source, left=False),
        _stack(first.encoder_mask, second.encoder_mask, 1, source, left=False),
        build_cache(self_kv, cross_kv),
        _stack(first.decoder_mask, second.decoder_mask, 1, decoded, left=True),
    )


def _stack(
    first: torch.Tensor, second: torch.Tensor, dim: int, width: int, left: bool
) -> torch.Tensor:
    """``first`` above ``second`` (batch is dim 0), both zero-padded along ``dim`` to ``width``
    (before their values when ``left``, after them otherwise)."""
    shape = list(first.shape)
    shape[0] = first.shape[0] + second.shape[0]
    shape[dim] = width
    out = first.new_zeros(shape)
    start = 0
    for part in (first, second):
        rows = out.narrow(0, start, part.shape[0])
        length = part.shape[dim]
        rows.narrow(dim, width - length if left else 0, length).copy_(part)
        start += part.shape[0]
    return out


def self_attention(cache: EncoderDecoderCache) -> KeyValues:
    return _key_values(cache.self_attention_cache)


def cross_attention(cache: EncoderDecoderCache) -> KeyValues:
    return _key_values(cache.cross_attention_cache)


def _key_values(cache: Any) -> KeyValues:
    """Each layer's keys and values (``DynamicLayer``s: the layers a ``DynamicCache`` holds)."""
    return [(layer.keys, layer.values) for layer in cache.layers]


def build_cache(self_kv: KeyValues, cross_kv: KeyValues) -> EncoderDecoderCache:
    """An encoder-decoder cache holding these tensors, not copies (cross-attention marked as
    computed, so the decoder reuses it instead of projecting the encoder output again). A layer
    never changes its tensors in place: each step concatenates into new ones."""
    from transformers import EncoderDecoderCache

    return EncoderDecoderCache(_dynamic_cache(self_kv), _dynamic_cache(cross_kv))


def _dynamic_cache(key_values: KeyValues) -> Any:
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    cache = DynamicCache()
    for keys, values in key_values:
        layer = DynamicLayer()
        layer.lazy_initialization(keys, values)
        layer.keys, layer.values = keys, values
        cache.layers.append(layer)
    return cache
