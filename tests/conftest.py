"""Shared fixtures: models are built locally (random weights, real tokenizers), never downloaded."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# CI must be reproducible: there, property tests use a fixed seed (locally they explore anew
# on every run, which is how they find new counterexamples).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# Tests never touch the network, and never write into the user's real cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
_CACHE_DIR = tempfile.mkdtemp(prefix="thaimt-test-cache-")
os.environ["THAIMT_CACHE_PATH"] = str(Path(_CACHE_DIR) / "cache.sqlite3")
# thaimt's cache directory (CTranslate2 conversions of the default backend "auto") and every
# other XDG cache (the Hugging Face hub's included) go to a fresh directory too.
os.environ["XDG_CACHE_HOME"] = str(Path(_CACHE_DIR) / "xdg")
os.environ.pop("THAIMT_CACHE_DIR", None)
# Glossaries and memory (the desk) likewise: never the user's data directory.
os.environ["THAIMT_DESK_PATH"] = str(Path(_CACHE_DIR) / "desk.sqlite3")
os.environ["XDG_DATA_HOME"] = str(Path(_CACHE_DIR) / "xdg-data")
os.environ["THAIMT_CACHE"] = "false"
# One torch thread: several test processes (servers, CLIs) share 2 cores, and oversubscribed
# OpenMP threads slow generation down by an order of magnitude.
os.environ["THAIMT_THREADS"] = "1"

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PAGE = REPO / "tests" / "data" / "alibaba_digital_hub_th.txt"  # copy of ../shared/examples


@pytest.fixture(scope="session")
def model_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def _build(root: Path, family: str) -> Path:
    from models.testmodel import build_test_model

    out = root / f"tiny-{family}"
    if not (out / "config.json").exists():
        build_test_model(out, size="tiny", family=family, seed=0)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(model_root: Path) -> Path:
    """A tiny random-weight Marian model with real SentencePiece tokenizers."""
    return _build(model_root, "marian")


@pytest.fixture(scope="session")
def tiny_nllb_dir(model_root: Path) -> Path:
    return _build(model_root, "nllb")


@pytest.fixture(scope="session")
def tiny_m2m100_dir(model_root: Path) -> Path:
    return _build(model_root, "m2m100")


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path):  # type: ignore[no-untyped-def]
    from models.loading import ModelSpec, load_backend

    return load_backend(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=1))


@pytest.fixture()
def tiny_engine(tiny_backend):  # type: ignore[no-untyped-def]
    from service.engine import Engine

    return Engine(tiny_backend, max_batch_size=16)


@pytest.fixture(scope="session")
def example_page() -> str:
    return EXAMPLE_PAGE.read_text(encoding="utf-8")


@pytest.fixture()
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for CLI subprocesses: offline, private cache."""
    env = dict(os.environ)
    env["THAIMT_CACHE_PATH"] = str(tmp_path / "cache.sqlite3")
    yield env


class SmallDisk:
    """A real, nearly empty 256 KiB filesystem (tmpfs): writes there fail with a genuine ENOSPC."""

    PAGE = 4096

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self, leave_pages: int = 0) -> None:
        """Fill the disk with one file, then give ``leave_pages`` 4 KiB pages back."""
        import errno

        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            while True:
                try:
                    os.write(fd, b"\0" * self.PAGE)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
            size = os.fstat(fd).st_size
            os.ftruncate(fd, max(0, size - size % self.PAGE - leave_pages * self.PAGE))
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """Mounting the tmpfs needs root (CAP_SYS_ADMIN); elsewhere the test is skipped with that
    reason (RLIMIT_FSIZE would give EFBIG, a different error)."""
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("a real ENOSPC needs a small tmpfs, and mounting one needs root")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0777", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
