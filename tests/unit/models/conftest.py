"""Fixtures for the models package: a tiny model of every registered family, and its backend.

The three shipped families reuse the shared tiny models (tests/conftest.py names them the same
way); a family added to models/families/ gets its tiny model built here, so the family tests
below run on it without being edited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.families import family_names
from models.loading import ModelSpec, load_backend
from models.testmodel import build_test_model
from models.torch_backend import TorchBackend


def tiny_family_dir(root: Path, family: str) -> Path:
    out = root / f"tiny-{family}"
    if not (out / "config.json").exists():
        build_test_model(out, size="tiny", family=family, seed=0)
    return out


@pytest.fixture(scope="session")
def family_dirs(
    model_root: Path, tiny_model_dir: Path, tiny_nllb_dir: Path, tiny_m2m100_dir: Path
) -> dict[str, Path]:
    return {name: tiny_family_dir(model_root, name) for name in family_names()}


@pytest.fixture(scope="session")
def family_backends(family_dirs: dict[str, Path]) -> dict[str, TorchBackend]:
    backends = {}
    for family, path in family_dirs.items():
        # One thread: tiny models gain nothing from more, and on a busy 2-core machine
        # OpenMP threads spinning against each other make every step ~10x slower.
        backend = load_backend(ModelSpec(model=str(path), device="cpu", threads=1))
        assert isinstance(backend, TorchBackend)
        backends[family] = backend
    return backends
