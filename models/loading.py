"""Which model to load, where its files are, and which backend runs it.

A model is named by a hub id (``Helsinki-NLP/opus-mt-th-en``) or a local directory. Hub ids are
resolved through the Hugging Face cache; with ``HF_HUB_OFFLINE=1`` (or no network) a model that is
not cached raises :class:`ModelNotAvailableError`, whose message says how to fetch it.

Backends register here by module name and are imported only when chosen, so the optional ones
cost nothing when unused. Each backend module exposes ``load(spec) -> Backend``. The backend
``auto`` (the product default, see ``service.settings``) picks CTranslate2 when the model converts
and torch otherwise, with a one-line notice saying why.

A model's identity in cache keys does not depend on how its path was typed: a local directory is
named by its resolved path, and its revision is a fingerprint of its files' contents.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from models.backend import Backend
from models.download import MODEL_FILE_PATTERNS, hub_offline, unavailable_reason
from models.download import download_model as download_model
from models.errors import BackendNotInstalledError, ModelError, ModelNotAvailableError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-th-en"

# backend name -> (module, how to install it when missing)
BACKENDS: dict[str, tuple[str, str]] = {
    "torch": ("models.torch_backend", "pip install thaimt"),
    "ct2": ("models.ct2_backend", "pip install ctranslate2"),
}
AUTO = "auto"
BACKEND_CHOICES: tuple[str, ...] = (AUTO, *BACKENDS)
# transformers model types that CTranslate2 converts and thaimt runs (NLLB is an m2m_100).
CT2_MODEL_TYPES = frozenset({"marian", "m2m_100"})

# Hub ids are "name" or "owner/name"; anything else is taken as a local path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


@dataclass(frozen=True)
class ModelSpec:
    """Exactly what to load. ``ModelSpec()`` loads with torch as named; the product default
    (``auto``) comes from ``Settings`` (``Settings.model_spec()``)."""

    model: str = DEFAULT_MODEL  # hub id or local directory
    backend: str = "torch"  # "auto", "torch" or "ct2"
    device: str = "auto"  # auto, cpu, cuda, cuda:N
    dtype: str = "auto"  # auto, float32, float16, bfloat16 (ct2 also int8 etc.)
    threads: int = 0  # threads in all; 0 = every core (torch: the library's default)
    inter_threads: int = 0  # CTranslate2 replicas sharing ``threads``; 0 = auto (see ct2_backend)
    revision: str | None = None  # hub branch, tag or commit
    max_input_tokens: int | None = None  # None = the model's own limit
    cache_dir: Path | None = None  # thaimt's cache (CTranslate2 conversions); None = default

    @property
    def cache_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()


def default_cache_dir() -> Path:
    """thaimt's cache directory: ``$XDG_CACHE_HOME/thaimt``, else ``~/.cache/thaimt``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "thaimt"


def load_backend(spec: ModelSpec) -> Backend:
    """Load ``spec.model`` with the backend ``spec.backend`` (``auto``: CTranslate2 where the
    model converts, else torch with a one-line notice)."""
    if spec.backend != AUTO and spec.backend not in BACKENDS:
        raise ModelError(
            f"unknown backend {spec.backend!r}; choose one of {sorted([AUTO, *BACKENDS])}"
        )
    if not _DEVICE.match(spec.device):
        raise ModelError(f"unknown device {spec.device!r}; use auto, cpu, cuda or cuda:N")
    spec = canonical(spec)
    backend = _load_auto(spec) if spec.backend == AUTO else _load_named(spec)
    log.info("model %s loaded: %s", backend.model_id, runtime_of(backend, spec.threads))
    return backend


def canonical(spec: ModelSpec) -> ModelSpec:
    """``./tiny`` and ``/abs/path/tiny`` name one model: local directories by resolved path."""
    local = Path(spec.model).expanduser()
    if local.exists():
        return replace(spec, model=str(local.resolve()))
    return spec


def _load_named(spec: ModelSpec) -> Backend:
    if spec.backend not in BACKENDS:
        raise ModelError(f"unknown backend {spec.backend!r}; choose one of {sorted(BACKENDS)}")
    if spec.backend == "torch" and _is_local_ct2_dir(spec.model):
        raise ModelError(
            f"'{spec.model}' is a CTranslate2 model (made by `thaimt convert`); load it with "
            "--backend auto or ct2, or give the original transformers directory for torch"
        )
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


def _load_auto(spec: ModelSpec) -> Backend:
    """CTranslate2 where it can run the model, else torch with a one-line notice."""
    reason = ct2_unsuitable(spec)
    if reason is None:
        try:
            return _load_named(replace(spec, backend="ct2"))
        except ModelNotAvailableError:
            raise
        except ModelError as exc:
            reason = f"CTranslate2 could not load it ({' '.join(str(exc).split())})"
    log.warning("using the torch backend for %s: %s", spec.model, reason)
    return _load_named(replace(spec, backend="torch"))


def ct2_unsuitable(spec: ModelSpec) -> str | None:
    """Why ``auto`` should not use CTranslate2 for ``spec`` (None: it should)."""
    try:
        importlib.import_module("ctranslate2")
    except ImportError:
        return "the ctranslate2 package is not installed (pip install ctranslate2 for speed)"
    if _is_local_ct2_dir(spec.model):
        return None
    source = resolve_model_dir(spec.model, spec.revision)
    if (source / "model.bin").is_file():  # a hub repository holding a converted model
        return None
    model_type = _model_type(source)
    if model_type not in CT2_MODEL_TYPES:
        return f"model type {model_type!r} has no CTranslate2 conversion in thaimt"
    return None


def _is_local_ct2_dir(model: str) -> bool:
    return (Path(model).expanduser() / "model.bin").is_file()


def _model_type(model_dir: Path) -> str:
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model config in '{model_dir}': {exc}") from exc
    return str(config.get("model_type", "")) if isinstance(config, dict) else ""


@dataclass(frozen=True)
class Runtime:
    """What a loaded backend runs on, for logs: ``ct2 int8, cpu, 2 threads``."""

    backend: str
    precision: str
    device: str
    threads: int
    replicas: int = 1  # CTranslate2 replicas the threads are shared between

    def __str__(self) -> str:
        unit = "thread" if self.threads == 1 else "threads"
        text = f"{self.backend} {self.precision}, {self.device}, {self.threads} {unit}"
        return text + (f" in {self.replicas} replicas" if self.replicas > 1 else "")


def runtime_of(backend: Backend, threads: int = 0) -> Runtime:
    """The backend, precision, device and intra-op threads of a loaded backend; ``threads`` is
    the setting it was loaded with (0 = the backend's default)."""
    precision = (
        getattr(backend, "precision", None)
        or getattr(backend, "compute_type", None)
        or getattr(backend, "dtype", None)
    )
    return Runtime(
        backend=str(getattr(backend, "name", type(backend).__name__)),
        precision=str(precision).removeprefix("torch.") if precision is not None else "?",
        device=str(getattr(backend, "device", "?")),
        threads=_threads_in_use(backend, threads),
        replicas=int(getattr(getattr(backend, "layout", None), "inter", 1)),
    )


def _threads_in_use(backend: Backend, threads: int) -> int:
    if getattr(backend, "name", None) == "torch":
        import torch

        return int(torch.get_num_threads())
    layout = getattr(backend, "layout", None)  # CTranslate2: replicas x intra threads
    if layout is not None:
        return int(layout.threads)
    from models.ct2_backend import resolve_threads

    return resolve_threads(threads)


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
