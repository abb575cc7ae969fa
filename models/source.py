"""Where a model's files are and which version they are: source resolution and revisions.

A model is named by a hub id (``Helsinki-NLP/opus-mt-th-en``) or a local directory. Hub ids are
resolved through the Hugging Face cache; with ``HF_HUB_OFFLINE=1`` (or no network) a model that is
not cached raises :class:`ModelNotAvailableError`, whose message says how to fetch it.

A model's identity in cache keys does not depend on how its path was typed: a local directory is
named by its resolved path, and its revision is a fingerprint of its files' contents.

Also here: reading what a model directory says about itself (``config.json`` and the tokenizer
class), without importing transformers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from models.download import MODEL_FILE_PATTERNS, hub_offline, unavailable_reason
from models.errors import ModelError, ModelNotAvailableError

# Hub ids are "name" or "owner/name"; anything else is taken as a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def is_local_path(model: str) -> bool:
    """True when ``model`` names a local directory rather than a hub id."""
    return Path(model).expanduser().exists() or not _HUB_ID.match(model)


def is_ct2_dir(path: Path) -> bool:
    """A CTranslate2 model directory (``model.bin``, made by ``thaimt convert`` or the hub)."""
    return (path / "model.bin").is_file()


def resolve_model_dir(model: str, revision: str | None = None) -> Path:
    """The directory holding the model's files: the local directory itself, or its snapshot in
    the hub cache (downloaded first when the hub is reachable and HF_HUB_OFFLINE is not set)."""
    if is_local_path(model):
        return _check_local_dir(Path(model).expanduser())
    return _hub_snapshot(model, revision)


def _check_local_dir(path: Path) -> Path:
    if not path.exists():
        raise ModelError(f"model directory '{path}' does not exist")
    if not path.is_dir():
        raise ModelError(f"model path '{path}' is not a directory")
    if not (path / "config.json").is_file():
        raise ModelError(
            f"'{path}' is not a model directory (no config.json); give a directory made by "
            "`thaimt download MODEL --dir DIR` or `thaimt make-test-model DIR`"
        )
    if not os.access(path / "config.json", os.R_OK):
        raise ModelError(f"cannot read the model in '{path}' (permission denied)")
    return path.resolve()


def _hub_snapshot(model: str, revision: str | None) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        path = snapshot_download(
            model,
            revision=revision,
            allow_patterns=list(MODEL_FILE_PATTERNS),
            local_files_only=hub_offline(),
        )
    except (OSError, ValueError, HfHubHTTPError) as exc:
        # LocalEntryNotFoundError (offline, not cached), HFValidationError (bad id),
        # RepositoryNotFoundError, connection errors.
        raise ModelNotAvailableError(model, unavailable_reason(exc)) from exc
    return _check_local_dir(Path(path))


def model_revision(model_dir: Path) -> str:
    """A string that changes whenever the model's files do; part of translation cache keys.

    The hub commit hash when the directory is a hub-cache snapshot; otherwise a fingerprint of
    every file's name and content (SHA-256, about 0.2 s per 300 MB, once per process and file
    version), so touching or re-copying identical files keeps the cache's entries valid.
    """
    if _COMMIT.match(model_dir.name) and model_dir.parent.name == "snapshots":
        return model_dir.name
    digest = hashlib.sha256()
    files = sorted(p for p in model_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    for path in files:
        stat = path.stat()
        content = _file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        digest.update(f"{path.name}\0{stat.st_size}\0{content}\n".encode())
    return "local-" + digest.hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _file_sha256(path: str, size: int, mtime_ns: int, inode: int) -> str:
    """Content hash of one file; the stat fields key the memo (a changed file is re-read)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise ModelError(f"cannot read model file '{path}': {exc.strerror or exc}") from exc


def read_model_config(model_dir: Path) -> dict[str, Any]:
    """The transformers ``config.json`` of ``model_dir``, as a dict."""
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model config in '{model_dir}': {exc}") from exc
    if not isinstance(config, dict):
        raise ModelError(f"the model config in '{model_dir}' is not a JSON object")
    return config


def tokenizer_class_name(model_dir: Path, config: dict[str, Any] | None = None) -> str | None:
    """The tokenizer class named in ``tokenizer_config.json`` (else in ``config``), as written
    (``NllbTokenizerFast``); None when neither names one. Nothing is loaded."""
    path = model_dir / "tokenizer_config.json"
    if path.is_file():
        try:
            name = json.loads(path.read_text(encoding="utf-8")).get("tokenizer_class")
        except (OSError, ValueError, AttributeError) as exc:
            raise ModelError(f"cannot read the tokenizer config in '{model_dir}': {exc}") from exc
        if name:
            return str(name)
    name = (config or {}).get("tokenizer_class")
    return str(name) if name else None
