"""The Makefile as a new user meets it: what `make install`, `make test` and `make serve` run,
and `make serve` offline with no model (the message naming the three ways on, no traceback).

``-o STAMP`` keeps make from (re)installing the environment these tests already run in; ``-n``
prints commands without running them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
STAMP = VENV / ".installed"


def make(
    *args: str, env: dict[str, str] | None = None, keep_venv: bool = True
) -> subprocess.CompletedProcess[str]:
    keep = ["-o", str(STAMP)] if keep_venv else []
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), f"VENV={VENV}", *keep, *args],
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_serve_wiring_passes_the_model_dir_through() -> None:
    result = make("-n", "serve", "MODEL=/srv/models/opus", "PORT=8123")
    assert result.returncode == 0, result.stderr
    assert f"{VENV}/bin/thaimt download /srv/models/opus" in result.stdout
    assert f"{VENV}/bin/thaimt serve --model /srv/models/opus --host 127.0.0.1 --port 8123" in (
        result.stdout
    )


def test_test_model_builds_the_smoke_test_model() -> None:
    result = make("-n", "test-model")
    assert result.returncode == 0, result.stderr
    assert f"{VENV}/bin/thaimt make-test-model tiny" in result.stdout


@pytest.mark.parametrize("index", ["", "https://download.pytorch.org/whl/cpu"])
def test_install_takes_torch_from_pypi_unless_an_index_is_given(index: str) -> None:
    result = make("-n", "-B", "install", f"TORCH_INDEX={index}", keep_venv=False)  # print only
    assert result.returncode == 0, result.stderr
    [torch_line] = [ln for ln in result.stdout.splitlines() if ln.endswith("torch==2.13.0")]
    assert "-c constraints.txt" in torch_line
    if index:
        assert f"--extra-index-url {index} torch==2.13.0" in torch_line
    else:
        assert "index-url" not in torch_line


def test_make_test_checks_the_pins_against_pypi() -> None:
    result = make("-n", "test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    check = next(i for i, ln in enumerate(lines) if ln.endswith(".ci/check_pins.py"))
    pytest_run = next(i for i, ln in enumerate(lines) if "bin/pytest" in ln)
    assert check < pytest_run


def test_make_serve_offline_without_a_model_says_how_to_go_on(tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), HF_HOME=str(tmp_path / "hf"))
    env["PYTHONPATH"] = str(REPO)  # this checkout's code, whatever the venv's editable install
    env.pop("THAIMT_MODEL", None)
    result = make("serve", "HF_HUB_OFFLINE=1", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert "Uvicorn running" not in output  # it stopped at `thaimt download`
    [line] = [ln for ln in output.splitlines() if ln.startswith("thaimt: error:")]
    assert "Helsinki-NLP/opus-mt-th-en" in line and "not available offline" in line
    assert "connect to the network" in line
    assert "make serve MODEL=DIR" in line and "thaimt make-test-model DIR" in line


def test_install_brings_the_deepl_node_client_from_npm() -> None:
    """`make install` on a fresh machine: deepl-node as pinned in the lock file (npm ci)."""
    result = make("-n", "-B", "install", keep_venv=False)  # print only
    assert result.returncode == 0, result.stderr
    assert "cd tests/clients/node && npm ci" in result.stdout
