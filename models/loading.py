"""Which model to load, where its files are, and which backend runs it.

A model is named by a hub id (``Helsinki-NLP/opus-mt-th-en``) or a local directory. Hub ids are
resolved through the Hugging Face cache; with ``HF_HUB_OFFLINE=1`` (or no network) a model that is
not cached raises :class:`ModelNotAvailableError`, whose message says how to fetch it.

Backends register here by module name and are imported only when chosen, so the optional ones
(CTranslate2) cost nothing when unused. Each backend module exposes ``load(spec) -> Backend``.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from models.backend import Backend
from models.download import MODEL_FILE_PATTERNS, hub_offline, unavailable_reason
from models.download import download_model as download_model
from models.errors import BackendNotInstalledError, ModelError, ModelNotAvailableError


@dataclass(frozen=True)
class ModelSpec:
    model: str = "Helsinki-NLP/opus-mt-th-en"  # hub id or local directory
    backend: str = "torch"  # "torch" or "ct2"
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    dtype: str = "auto"  # auto, float32, float16, bfloat16 (ct2 also int8 etc.)
    threads: int = 0  # intra-op threads; 0 = the library's default (all cores)
    revision: str | None = None  # hub branch, tag or commit
    max_input_tokens: int | None = None  # None = the model's own limit


# backend name -> (module, how to install it when missing)
BACKENDS: dict[str, tuple[str, str]] = {
    "torch": ("models.torch_backend", "pip install thaimt"),
    "ct2": ("models.ct2_backend", "pip install ctranslate2  (or pip install 'thaimt[ct2]')"),
}

# Hub ids are "name" or "owner/name"; anything else is taken as a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def load_backend(spec: ModelSpec) -> Backend:
    """Load ``spec.model`` with the backend ``spec.backend``."""
    if spec.backend not in BACKENDS:
        raise ModelError(f"unknown backend {spec.backend!r}; choose one of {sorted(BACKENDS)}")
    module_name, install = BACKENDS[spec.backend]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if exc.name == module_name:
            raise BackendNotInstalledError(
                f"backend {spec.backend!r} is not part of this thaimt build"
            ) from exc
        raise BackendNotInstalledError(
            f"backend {spec.backend!r} needs a package that is not installed "
            f"({exc.name or exc}); install it with `{install}`"
        ) from exc
    backend: Backend = module.load(spec)
    return backend


def is_local_path(model: str) -> bool:
    """True when ``model`` names a local directory rather than a hub id."""
    return Path(model).expanduser().exists() or not _HUB_ID.match(model)


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

    The hub commit hash when the directory is a hub-cache snapshot; otherwise a short hash of
    config.json's content and every file's name, size and modification time (hashing the
    weights themselves would take seconds for large models).
    """
    if _COMMIT.match(model_dir.name) and model_dir.parent.name == "snapshots":
        return model_dir.name
    digest = hashlib.sha256((model_dir / "config.json").read_bytes())
    for path in sorted(p for p in model_dir.iterdir() if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return "local-" + digest.hexdigest()[:16]
