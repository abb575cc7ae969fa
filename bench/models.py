"""The bench's model directories: the base-size random Marian model and its CTranslate2
conversions, each built once into ``~/.cache/thaimt/bench-models/`` and reused."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench.config import BenchConfig, Variant

if TYPE_CHECKING:
    from models.backend import Backend

BENCH_MODELS = Path.home() / ".cache" / "thaimt" / "bench-models"


def base_model_dir(root: Path = BENCH_MODELS) -> Path:
    """The base-size random Marian model, built once (about a minute) and reused."""
    from models.testmodel import build_test_model

    target = root / "marian-base-seed0"
    if not (target / "config.json").is_file():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".build-") as tmp:
            build_test_model(Path(tmp) / "model", size="base", family="marian", seed=0)
            shutil.rmtree(target, ignore_errors=True)
            (Path(tmp) / "model").rename(target)
    return target


def ct2_model_dir(source: Path, quantization: str) -> Path:
    """``source`` converted for CTranslate2 with ``quantization``, converted once and reused."""
    from models.convert import convert_model, is_ct2_dir

    target = source.parent / f"{source.name}-ct2-{quantization}"
    if not is_ct2_dir(target):
        convert_model(str(source), target, quantization=quantization, force=True)
    return target


def model_dir_for(variant: Variant, base: Path) -> Path:
    """Where ``variant`` loads from: the transformers dir, or a ct2 conversion stored in the
    type it runs in (float16/int8_float16 run from a float16/int8 conversion)."""
    if variant.backend == "torch":
        return base
    stored = {"int8_float16": "int8", "int8_float32": "int8"}.get(variant.dtype, variant.dtype)
    return ct2_model_dir(base, stored)


def load_variant(variant: Variant, base: Path, config: BenchConfig) -> Backend:
    from models.loading import ModelSpec, load_backend

    spec = ModelSpec(
        model=str(model_dir_for(variant, base)),
        backend=variant.backend,
        device=config.device,
        dtype=variant.dtype,
        threads=config.threads,
    )
    return load_backend(spec)
