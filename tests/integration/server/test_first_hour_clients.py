"""The command-line clients of a running server in a user's first hour (issue 19, point 10):
`thaimt translate` uses the server that answers at the default address, and `thaimt batch
--server` with a wrong key stops at the first refusal with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from serverkit import REPO, Server

THAIMT = [sys.executable, "-m", "service.cli"]
TEXT = "ข่าวเศรษฐกิจวันนี้ Bangkok\n\nราคาตลาดดี EEC 2024\n"


def _thaimt(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*THAIMT, *args], env=env, cwd=REPO, input=stdin, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def _offline_env(tmp_path: Path, port: int) -> dict[str, str]:
    """A user's shell right after `make serve MODEL=tiny` in another one: no THAIMT_MODEL, no
    network, the hub model not cached; the server at THAIMT_HOST:THAIMT_PORT."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(REPO))
    for name in ("THAIMT_MODEL", "THAIMT_SERVER", "THAIMT_BACKEND"):
        env.pop(name, None)
    env.update({"THAIMT_HOST": "127.0.0.1", "THAIMT_PORT": str(port)})
    return env


def _port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_translate_uses_the_server_answering_at_the_default_address(
    main_server: Server, tmp_path: Path
) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    result = _thaimt(["translate", str(article)], _offline_env(tmp_path, _port(main_server)))
    assert result.returncode == 0, result.stderr
    expected = main_server.client.post("/v1/translate", json={"text": TEXT}).json()
    assert result.stdout == expected["translation"].rstrip("\n") + "\n"
    assert result.stdout.count("\n") == TEXT.count("\n")
    [notice] = [line for line in result.stderr.splitlines() if line.strip()]
    assert f"translating with the thaimt server at {main_server.url}" in notice
    assert "--model M" in notice  # how to translate in this process instead


def test_translate_json_through_the_server_equals_the_local_json(
    main_server: Server, tiny_model_dir: Path, tmp_path: Path
) -> None:
    env = _offline_env(tmp_path, _port(main_server))
    remote = _thaimt(["translate", "--json", "-q", "--server", main_server.url], env, TEXT)
    assert remote.returncode == 0, remote.stderr
    assert remote.stderr == ""  # -q: no notice, no summary
    here = ["translate", "--json", "--model", str(tiny_model_dir), "--backend", "torch"]
    local = _thaimt(here, env, TEXT)  # main_server runs the same model with torch
    assert local.returncode == 0, local.stderr
    # The same text, segments and flags; confidences to float rounding (the server batches the
    # segments with others, so the model's scores differ in their last digits).
    assert _rounded(json.loads(remote.stdout)) == _rounded(json.loads(local.stdout))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_batch_with_a_wrong_key_stops_at_the_first_refusal(
    guarded_server: Server, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(5):
        (inputs / f"f{i}.txt").write_text(f"ข่าวที่ {i} วันนี้\n", encoding="utf-8")
    env = _offline_env(tmp_path, _port(guarded_server))
    for key, says in ((["--api-key", "wrong"], "refused the API key"), ([], "needs an API key")):
        out = tmp_path / f"out-{bool(key)}"
        args = ["batch", str(inputs), "-o", str(out), "--server", guarded_server.url, *key]
        result = _thaimt(args, env)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr  # not one failure per file
        assert lines[0].startswith("thaimt: error: ") and says in lines[0]
        assert "--api-key KEY" in lines[0]
        assert not [p for p in out.rglob("*") if p.is_file() and p.suffix == ".txt"]
