"""The driver's stand-in for the model: the actors' identity and the model's tokenizer, no weights.

The driver's engine needs a backend for three things: token ids (the pipeline splits segments
to the budget and the ids travel with them), cache keys and the manifest's model identity. The
identity comes from the actors (what they loaded, on their devices and in their precision);
the tokenizer is loaded from the same model (a local directory or the hub revision the actors
resolved), and must encode :data:`~service.distributed.actor.PROBE_TEXT` exactly as they do.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.backend import DecodeOptions, ModelOutput
from models.families import get_family
from models.hf import quiet_transformers
from models.source import is_local_path
from models.spec import ModelSpec
from service.distributed.actor import PROBE_TEXT, ModelIdentity
from service.distributed.errors import PoolError

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


class DriverBackend:
    """A :class:`~models.backend.Backend` that only tokenises; the actors translate."""

    def __init__(self, identity: ModelIdentity, spec: ModelSpec) -> None:
        self.name = identity.name
        self.model_id = identity.model_id
        self.revision = identity.revision
        self.family = identity.family
        self.precision = identity.precision
        self.max_input_tokens = identity.max_input_tokens
        self.tokenizer = _load_tokenizer(identity, spec)
        self._lock = threading.Lock()  # Rust tokenizers are not safe from two threads at once
        mine = tuple(self.encode([PROBE_TEXT])[0])
        if mine != identity.probe:
            raise PoolError(
                "this machine's tokenizer encodes text differently from the Ray actors' "
                f"({len(mine)} vs {len(identity.probe)} ids for a probe): use the same model "
                "files and the same thaimt, transformers and tokenizers versions everywhere"
            )

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        with self._lock, quiet_transformers():
            # verbose=False: long texts are counted on purpose (to split them to the budget)
            encoded = self.tokenizer(
                list(texts), add_special_tokens=True, truncation=False, verbose=False
            )
        return [list(ids) for ids in encoded["input_ids"]]

    def translate_batch(
        self, inputs: Sequence[Sequence[int]], options: DecodeOptions
    ) -> list[ModelOutput]:
        raise RuntimeError("the driver only tokenises: batches run on the Ray actors")


def _load_tokenizer(identity: ModelIdentity, spec: ModelSpec) -> Any:
    """The model's tokenizer, as the backends load it: a local directory (a CTranslate2 one
    holds a copy), or the hub revision the actors resolved (only the tokenizer's files)."""
    if is_local_path(spec.model):
        source, revision = str(Path(spec.model).expanduser()), None
    else:
        commit = _COMMIT.match(identity.revision) is not None
        source, revision = spec.model, identity.revision if commit else spec.revision
    try:
        return get_family(identity.family).load_tokenizer(source, revision=revision)
    except (OSError, ValueError) as exc:
        raise PoolError(f"cannot load {spec.model}'s tokenizer on this machine: {exc}") from exc
