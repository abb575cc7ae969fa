"""The engine a front end translates with, built from :class:`~service.settings.Settings` in
one place.

``thaimt serve`` and ``uvicorn --factory`` (the server), ``thaimt translate``, ``thaimt batch``
(locally and as the Ray driver, with the driver's tokenising stand-in as its backend) and
``thaimt eval`` all call :func:`load_engine`. It refuses a translation cache that cannot be
written before the model loads (seconds to minutes), in one line saying what to change; a cache
that fails later, while serving, degrades instead (see :mod:`service.cache`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.backend import Backend
    from service.engine import Engine
    from service.settings import Settings


class CachePathError(ValueError):
    """``THAIMT_CACHE_PATH`` names a file that cannot be created or written."""


def load_engine(settings: Settings, *, backend: Backend | None = None) -> Engine:
    """The engine for ``settings``: its model (or ``backend``, already loaded), batch limits
    and translation cache, after checking what would otherwise fail deep inside."""
    from service.engine import Engine

    check_cache_path(settings)
    return Engine.from_settings(settings, backend=backend)


def check_cache_path(settings: Settings) -> None:
    """A translation cache that cannot be written raises :class:`CachePathError`."""
    if not settings.cache:
        return
    problem = writable_file_problem(settings.cache_path)
    if problem is not None:
        raise CachePathError(
            f"the translation cache {settings.cache_path} (THAIMT_CACHE_PATH) {problem}; "
            "point THAIMT_CACHE_PATH at a writable file, or set THAIMT_CACHE=false"
        )


def writable_file_problem(path: Path) -> str | None:
    """Why a file at ``path`` could not be created or written (None: it can). Tried for real
    (a probe file next to it), since permission bits do not tell for root or read-only mounts."""
    try:
        if path.is_dir():
            return "is a directory"
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            return f"cannot be created: '{blocker}' is a file, not a directory"
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".thaimt-probe-"):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as exc:
        return f"is not writable ({exc.strerror or exc})"
    return None
