"""Fetch a model from the Hugging Face hub, for use offline later."""

from __future__ import annotations

import os
from pathlib import Path

from models.errors import ModelError, ModelNotAvailableError

# Everything a translation model needs, in any of the formats the hub uses; not optimizer states,
# other frameworks' weights (tf, flax, onnx) or README images.
MODEL_FILE_PATTERNS: tuple[str, ...] = (
    "*.json",
    "*.spm",
    "*.model",
    "*.txt",
    "*.safetensors",
    "pytorch_model*.bin",
    "sentencepiece*",
)

_TRUE = {"1", "on", "yes", "true"}


def hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE is set, read now (huggingface_hub reads it once, at import)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "").lower() in _TRUE


def download_model(model: str, target_dir: Path | None = None, revision: str | None = None) -> Path:
    """Download ``model`` into the hub cache, or into ``target_dir`` when given; returns the path.

    Offline (HF_HUB_OFFLINE=1) this only succeeds when the model is already cached. A local
    model directory (one with a config.json) needs no download and is returned as it is, so
    ``make serve MODEL=/path/to/model`` works offline.
    """
    local = Path(model).expanduser()
    if target_dir is None and (local / "config.json").is_file():
        return local.resolve()
    if local.exists() or model.startswith((".", "/", "~")):
        raise ModelError(_not_a_model_dir(model, local))
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        path = snapshot_download(
            model,
            revision=revision,
            local_dir=str(target_dir) if target_dir is not None else None,
            allow_patterns=list(MODEL_FILE_PATTERNS),
            local_files_only=hub_offline(),
        )
    except (OSError, ValueError, HfHubHTTPError) as exc:
        raise ModelNotAvailableError(model, unavailable_reason(exc)) from exc
    return Path(path)


def _not_a_model_dir(model: str, local: Path) -> str:
    if not local.exists():
        return f"model directory '{model}' does not exist"
    if not local.is_dir():
        return f"model path '{model}' is not a directory"
    return (
        f"'{model}' is not a model directory (no config.json); give a directory made by "
        "`thaimt download MODEL --dir DIR` or `thaimt make-test-model DIR`"
    )


def unavailable_reason(exc: BaseException) -> str:
    """A short, one-line reason why the hub could not provide a model."""
    from huggingface_hub.errors import (
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, LocalEntryNotFoundError):
        if hub_offline():
            return "not in the local Hugging Face cache, and HF_HUB_OFFLINE=1"
        return "not in the local Hugging Face cache, and the hub could not be reached"
    if isinstance(exc, RepositoryNotFoundError):
        return "no such repository on the hub, or it is private"
    if isinstance(exc, RevisionNotFoundError):
        return "no such revision"
    if isinstance(exc, HFValidationError):
        return "not a valid hub id"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__
