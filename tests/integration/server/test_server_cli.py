"""``thaimt serve`` without a model: the clear one-line error, exit 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_serve_without_model_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"), THAIMT_CACHE="false")
    result = subprocess.run(
        [sys.executable, "-m", "service.cli.main", "serve", "--model", "someone/not-cached",
         "--port", "0"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "not available offline" in result.stderr
    assert "thaimt download someone/not-cached" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_help_lists_the_server_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli.main", "serve", "--help"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0
    for flag in (
        "--no-batching",
        "--max-wait-ms",
        "--queue-size",
        "--api-key",
        "--port",
        "--no-access-log",
    ):
        assert flag in result.stdout
