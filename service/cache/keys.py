"""Cache keys: a SHA-256 digest of everything that decides the model's output for a segment.

That output depends on the model (id, revision, backend and its precision), the decoding options
and the masked segment itself, so those make the key. Glossary targets and protected spans are
put back *after* the model, which is why a glossary is not part of the key: one cached segment
serves every glossary. Every store (SQLite, Redis) uses these keys.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

# Bumped when what the cache stores changes so that old entries must not be read (2: a model
# output as JSON, n-best included; later fields are added without a bump, see
# service/cache/outputs.py).
VALUE_FORMAT = "2"


def make_key(model_id: str, revision: str, backend: str, decode_key: str, segment: str) -> str:
    """A hex digest naming everything that decides the model's output for ``segment``."""
    parts = [VALUE_FORMAT, model_id, revision, backend, decode_key, segment]
    # A JSON array keeps the parts apart whatever they contain (and escapes lone surrogates).
    return hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()


def segment_key(backend: Backend, options: DecodeOptions, segment: str) -> str:
    """The key of ``segment`` translated by ``backend`` with ``options``."""
    return make_key(
        backend.model_id, backend.revision, backend_variant(backend), options.cache_key(), segment
    )


def backend_variant(backend: Backend) -> str:
    """Backend name plus its numeric precision: int8 and float32 runs translate differently."""
    return f"{backend.name}:{backend.precision}"
