"""Model outputs in a cache store: the cached form of a :class:`~models.backend.ModelOutput`,
and :class:`OutputCache`, the front the workflow asks (keys in, outputs out).

The cached form is a JSON object with one key per field (``{"text": ..., "alternatives":
[...]}``). A field added later is one more key written by :func:`encode_output` and one more
``.get`` with a default in :func:`decode_output`: entries written before it read as hits
without it, and no key format bump (:data:`service.cache.keys.VALUE_FORMAT`) is needed. Entries
of the first format-2 shape (a ``[text, alternatives]`` array) read the same way; anything else
reads as a miss.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from models.backend import ModelOutput
from service.cache.keys import segment_key

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions
    from service.cache.store import SegmentStore


def encode_output(output: ModelOutput) -> str:
    """The cached form of an output: what a later hit needs (no token count: nothing ran), the
    model's score included, so that a hit keeps its confidence."""
    fields = {"text": output.text, "alternatives": list(output.alternatives), "score": output.score}
    return json.dumps(fields, ensure_ascii=False)


def decode_output(value: str) -> ModelOutput | None:
    """An output from its cached form; None for an entry this version cannot read (a miss)."""
    try:
        fields = _fields(json.loads(value))
    except (ValueError, TypeError):
        return None
    text, alternatives = fields.get("text"), fields.get("alternatives", [])
    if not isinstance(text, str) or not isinstance(alternatives, list):
        return None
    return ModelOutput(text, 0, tuple(str(a) for a in alternatives), _score(fields.get("score")))


def _score(value: Any) -> float | None:
    """The model's score from its cached form; None where unknown (entries written before
    scores were kept, or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fields(data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and len(data) == 2:  # the array the first format-2 entries used
        return {"text": data[0], "alternatives": data[1]}
    raise ValueError("not a cached model output")


class OutputCache:
    """What the model made of each segment, for one backend, in a store (none: every lookup
    finds nothing and nothing is stored). ``hits`` counts the outputs it served."""

    def __init__(self, backend: Backend, store: SegmentStore | None) -> None:
        self.backend = backend
        self.store = store
        self.hits = 0

    def lookup(self, texts: Sequence[str], options: DecodeOptions) -> dict[str, ModelOutput]:
        """The outputs the store holds for ``texts`` translated with ``options``."""
        if self.store is None or not texts:
            return {}
        keys = {segment_key(self.backend, options, t): t for t in texts}
        found = self.store.get_many(list(keys))
        outputs = {keys[k]: out for k, v in found.items() if (out := decode_output(v)) is not None}
        self.hits += len(outputs)
        return outputs

    def remember(self, fresh: Mapping[str, ModelOutput], options: DecodeOptions) -> None:
        """Remember fresh model outputs (segment → output) translated with ``options``."""
        if self.store is not None and fresh:
            self.store.put_many(
                {segment_key(self.backend, options, s): encode_output(o) for s, o in fresh.items()}
            )
