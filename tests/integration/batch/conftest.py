"""Fixtures for the batch-file integration tests: the session's tiny model, one thread (the test
machine is shared; one intra-op thread is much faster there), and a runner helper."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from service.files.runner import BatchSummary

THREADS = "1"


@pytest.fixture(scope="session")
def batch_backend(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    from models.loading import ModelSpec, load_backend

    return load_backend(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=int(THREADS)))


@pytest.fixture()
def batch_engine(batch_backend):  # type: ignore[no-untyped-def]
    from service.engine import Engine

    return Engine(batch_backend, max_batch_size=32)


RunBatch = Callable[..., BatchSummary]


@pytest.fixture()
def run_batch(batch_engine) -> RunBatch:  # type: ignore[no-untyped-def]
    """Run the batch job in-process on ``inputs`` into ``outdir`` with the tiny model."""
    from service.files.discover import discover
    from service.files.runner import BatchConfig, BatchRunner
    from service.files.translator import LocalTranslator
    from service.formats.base import FormatOptions
    from service.pipeline import TranslateOptions

    def run(
        inputs: list[Path],
        outdir: Path,
        *,
        fields: tuple[str, ...] = (),
        chunk_chars: int = 200_000,
        engine=None,
        fmt: str | None = None,  # type: ignore[no-untyped-def]
    ) -> BatchSummary:
        options = TranslateOptions()
        config = BatchConfig(outdir, options, FormatOptions(fields), chunk_chars)
        translator = LocalTranslator(engine or batch_engine, options)
        jobs = discover([str(p) for p in inputs], outdir, fmt)
        return BatchRunner(translator, config).run(jobs)

    return run


@pytest.fixture()
def cli_batch_env(cli_env: dict[str, str]) -> dict[str, str]:
    env = dict(cli_env)
    env.update({"THAIMT_THREADS": THREADS, "THAIMT_CACHE": "false", "HF_HUB_OFFLINE": "1"})
    # The CLI's default backend is auto (CTranslate2 int8 here); these tests compare its files
    # with the in-process torch engine's, byte for byte, so the CLI runs torch too.
    env["THAIMT_BACKEND"] = "torch"
    env.setdefault("PYTHONPATH", os.getcwd())
    return env
