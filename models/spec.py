"""What to load: :class:`ModelSpec`, the default model and thaimt's cache directory.

At the bottom of the package: the backends receive a spec and :mod:`models.loading` picks the
backend, so the spec depends on nothing else in ``models``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-th-en"


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
