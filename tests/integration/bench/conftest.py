"""A real server for the load-generator tests (``serverkit``, shared with the server tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serverkit import REPO, Server, launch

TATOEBA_TH = REPO / "eval" / "data" / "tatoeba" / "tatoeba-test-v2021-08-07.tha"


@pytest.fixture(scope="session")
def loadgen_server(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The server tests' "main" configuration: 4,000 characters per request at most."""
    env = {"THAIMT_MAX_WAIT_MS": "30", "THAIMT_MAX_CHARS_PER_REQUEST": "4000"}
    server = launch("loadgen", tiny_model_dir, env, tmp_path_factory.mktemp("loadgen-logs"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.terminate()
        server.stop()


@pytest.fixture(scope="session")
def thai_sentences() -> list[str]:
    """Short, distinct Thai sentences (Tatoeba test set), one segment each."""
    lines = TATOEBA_TH.read_text(encoding="utf-8").splitlines()
    short = [ln.strip() for ln in lines if 6 <= len(ln.strip()) <= 40 and " " not in ln.strip()]
    return list(dict.fromkeys(short))
