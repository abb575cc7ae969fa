"""Which backend runs a model: the top of the ``models`` package.

Backends register here by module name and are imported only when chosen, so the optional ones
cost nothing when unused. Each backend module exposes ``load(spec) -> Backend``. The backend
``auto`` (the product default, see ``service.settings``) picks CTranslate2 when the model's family
converts and torch otherwise, with a one-line notice saying why.

The package imports one way, bottom to top: errors; where a model's files are and which revision
(:mod:`models.download`, :mod:`models.source`, :mod:`models.spec`); transformers helpers
(:mod:`models.hf`); the backend protocol (:mod:`models.backend`); the family records
(:mod:`models.families`); the converter; the backends; and this module with
:mod:`models.testmodel` on top. The names below that live lower down are re-exported for callers.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from models.backend import Backend
from models.download import download_model as download_model
from models.errors import BackendNotInstalledError, ModelError, ModelNotAvailableError
from models.families import family_of
from models.source import is_ct2_dir
from models.source import is_local_path as is_local_path
from models.source import model_revision as model_revision
from models.source import resolve_model_dir as resolve_model_dir
from models.spec import DEFAULT_MODEL as DEFAULT_MODEL
from models.spec import ModelSpec as ModelSpec
from models.spec import default_cache_dir as default_cache_dir

log = logging.getLogger(__name__)

# backend name -> (module, how to install it when missing)
BACKENDS: dict[str, tuple[str, str]] = {
    "torch": ("models.torch_backend", "pip install thaimt"),
    "ct2": ("models.ct2_backend", "pip install ctranslate2"),
}
AUTO = "auto"
BACKEND_CHOICES: tuple[str, ...] = (AUTO, *BACKENDS)

_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


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
    if is_ct2_dir(source):  # a hub repository holding a converted model
        return None
    try:
        family = family_of(source)
    except ModelError as exc:
        return " ".join(str(exc).split())
    if family.ct2_loader is None:
        return f"thaimt has no CTranslate2 conversion for {family.description} models"
    return None


def _is_local_ct2_dir(model: str) -> bool:
    return is_ct2_dir(Path(model).expanduser())


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
