"""Fixtures for the models package: the shared tiny models (tests/conftest.py) by family."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.backend import ModelFamily
from models.loading import ModelSpec, load_backend
from models.torch_backend import TorchBackend


@pytest.fixture(scope="session")
def family_dirs(
    tiny_model_dir: Path, tiny_nllb_dir: Path, tiny_m2m100_dir: Path
) -> dict[ModelFamily, Path]:
    return {
        ModelFamily.MARIAN: tiny_model_dir,
        ModelFamily.NLLB: tiny_nllb_dir,
        ModelFamily.M2M100: tiny_m2m100_dir,
    }


@pytest.fixture(scope="session")
def family_backends(family_dirs: dict[ModelFamily, Path]) -> dict[ModelFamily, TorchBackend]:
    backends = {}
    for family, path in family_dirs.items():
        # One thread: tiny models gain nothing from more, and on a busy 2-core machine
        # OpenMP threads spinning against each other make every step ~10x slower.
        backend = load_backend(ModelSpec(model=str(path), device="cpu", threads=1))
        assert isinstance(backend, TorchBackend)
        backends[family] = backend
    return backends
