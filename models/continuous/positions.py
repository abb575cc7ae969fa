"""Each row's own decoder position, in a batch whose rows joined at different steps.

transformers' decoders take one position for the whole batch: the length of the (shared,
left-padded) self-attention cache. A row that joined later is at an earlier position of its own
output, so while a step of the running batch runs, the decoder's position embedding module is
made to return each row's own embedding instead, looked up in the same table the module reads
from (sinusoidal tables, so the values are exactly those of a batch of one).

One record per decoder architecture (``config.model_type``): where row position ``p`` (0 for
the decoder start token) sits in the module's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# model_type -> (position embedding module, positions (batch,)) -> embeddings (batch, 1, dim)
PositionLookup = Callable[[Any, "torch.Tensor"], "torch.Tensor"]


def _marian(module: Any, positions: torch.Tensor) -> torch.Tensor:
    """``MarianSinusoidalPositionalEmbedding``: an embedding table indexed by position."""
    return module.weight.index_select(0, positions).unsqueeze(1)


def _m2m100(module: Any, positions: torch.Tensor) -> torch.Tensor:
    """``M2M100SinusoidalPositionalEmbedding`` (NLLB too): the table is offset past the padding
    index, as fairseq numbers positions."""
    offset = module.padding_idx + 1
    if int(positions.max()) + offset >= module.weights.shape[0]:
        raise ValueError("decoder position beyond the model's position table")
    return module.weights.index_select(0, positions + offset).unsqueeze(1)


POSITION_LOOKUPS: dict[str, PositionLookup] = {
    "marian": _marian,
    "m2m_100": _m2m100,
}


def position_lookup(model: Any) -> PositionLookup | None:
    """The lookup for ``model``'s decoder, or None for an architecture not known here."""
    return POSITION_LOOKUPS.get(getattr(model.config, "model_type", ""))


@contextmanager
def row_positions(model: Any, positions: torch.Tensor) -> Iterator[None]:
    """While inside, the decoder's position embeddings are those of ``positions`` (one per
    row, for a one-token step)."""
    lookup = position_lookup(model)
    if lookup is None:
        raise ValueError(f"no decoder position lookup for model type {model.config.model_type!r}")
    module = model.get_decoder().embed_positions
    embeddings = lookup(module, positions)

    def replace(_module: Any, _args: Any, _output: Any) -> torch.Tensor:
        return embeddings

    handle = module.register_forward_hook(replace)
    try:
        yield
    finally:
        handle.remove()
