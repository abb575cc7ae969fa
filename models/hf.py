"""Helpers around the transformers library, shared by the backends, the converter, the family
records and the test-model builder (so none of them borrows from another)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from models.errors import ModelError


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide loading progress bars and the 'pip install sacremoses' hint (Marian normalises
    punctuation with it when present; thaimt normalises text itself)."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def load_config(model_dir: Any) -> Any:
    """The model's ``transformers`` config, or a :class:`ModelError` saying why not."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(model_dir)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model config in '{model_dir}': {exc}") from exc


# Upper bound on the default token budget per segment; longer inputs translate badly anyway.
DEFAULT_MAX_INPUT_TOKENS = 512


def default_max_input_tokens(max_position_embeddings: int | None, tokenizer: Any) -> int:
    """The token budget a backend uses when none is configured: the smallest of 512, the
    model's positions and the tokenizer's own limit (when it is set)."""
    limits = [DEFAULT_MAX_INPUT_TOKENS]
    if max_position_embeddings:
        limits.append(int(max_position_embeddings))
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and 0 < model_max < 100_000:  # huge = "not set"
        limits.append(model_max)
    return min(limits)
