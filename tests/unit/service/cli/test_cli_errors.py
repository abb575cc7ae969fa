"""Every bad path or setting is one line on stderr and a non-zero exit, never a traceback.

Each case runs ``thaimt`` as a user would, as a subprocess. A directory nobody can write is made
for real: a read-only bind mount in a private mount namespace when the tests run as root (root
ignores permission bits), permission bits otherwise.
"""

# ruff: noqa: E501  (the table of cases reads best one case per line)
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

THAIMT = [sys.executable, "-m", "service.cli"]
REPO = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Case:
    name: str
    args: list[str]  # {model}, {file}, {dir}, {ro} are filled in
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset
    says: tuple[str, ...] = ()  # words the one line must hold
    code: int | None = None  # None: any non-zero status
    read_only_dir: bool = False


CASES = [
    Case("missing model dir", ["translate", "--model", "{dir}/no-such-model"], says=("does not exist",), code=1),
    Case("model path is a file", ["translate", "--model", "{file}"], says=("is not a directory",), code=1),
    Case("dir without a model", ["translate", "--model", "{dir}"], says=("no config.json",), code=1),
    Case("input file missing", ["translate", "{dir}/none.txt", "--model", "{model}"], says=("not found",), code=2),
    Case("input is a directory", ["translate", "{dir}", "--model", "{model}"], says=("is a directory",), code=2),
    Case("input undecodable", ["translate", "{damaged}", "--model", "{model}"], says=("undecodable", "invalid UTF-8"), code=2),
    Case("output under a file", ["translate", "--model", "{model}", "-o", "{file}/out.txt"], says=("is a file",), code=2),
    Case("bad THAIMT_PORT", ["translate", "--model", "{model}"], {"THAIMT_PORT": "http"}, ("THAIMT_PORT",), 2),
    Case("bad THAIMT_BACKEND", ["translate", "--model", "{model}"], {"THAIMT_BACKEND": "onnx"}, ("THAIMT_BACKEND", "auto, torch, ct2"), 2),
    Case("bad THAIMT_API_KEYS", ["serve", "--model", "{model}"], {"THAIMT_API_KEYS": "secret"}, ("THAIMT_API_KEYS", "JSON"), 2),
    Case("bad THAIMT_THREADS", ["translate", "--model", "{model}"], {"THAIMT_THREADS": "-2"}, ("THAIMT_THREADS",), 2),
    Case("bad THAIMT_DEVICE", ["translate", "--model", "{model}"], {"THAIMT_DEVICE": "tpu"}, ("unknown device 'tpu'",), 1),
    Case("bad THAIMT_DTYPE", ["translate", "--model", "{model}", "--backend", "ct2"], {"THAIMT_DTYPE": "int3"}, ("int3",), 1),
    Case("cache path is a directory", ["translate", "--model", "{model}"], {"THAIMT_CACHE": "true", "THAIMT_CACHE_PATH": "{dir}"}, ("THAIMT_CACHE_PATH", "is a directory"), 2),
    Case("cache path under a file", ["translate", "--model", "{model}"], {"THAIMT_CACHE": "true", "THAIMT_CACHE_PATH": "{file}/cache.sqlite3"}, ("THAIMT_CACHE_PATH", "is a file"), 2),
    Case("cache dir not writable", ["translate", "--model", "{model}"], {"THAIMT_CACHE": "true", "THAIMT_CACHE_PATH": "{ro}/cache.sqlite3"}, ("THAIMT_CACHE_PATH", "not writable"), 2, True),
    Case("serve: /data not writable", ["serve", "--model", "{model}", "--port", "0"], {"THAIMT_CACHE": "true", "THAIMT_CACHE_DIR": "{ro}", "THAIMT_CACHE_PATH": None}, ("THAIMT_CACHE_PATH", "not writable"), 2, True),
    Case("make-test-model into a file", ["make-test-model", "{file}"], says=("is a file",), code=2),
    Case("convert into a file", ["convert", "{model}", "{file}"], says=("is a file",), code=1),
]  # fmt: skip


def _fill(text: str, paths: dict[str, Path]) -> str:
    for key, value in paths.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _read_only(directory: Path, command: list[str]) -> list[str]:
    """``command`` run where ``directory`` cannot be written, even by root."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return command
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ["unshare", "--map-root-user", "--mount", "sh", "-c", script, str(directory), *command]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_a_failure(
    case: Case, tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    paths = {
        "model": tiny_model_dir,
        "file": tmp_path / "a-file.txt",
        "dir": tmp_path / "empty-dir",
        "ro": tmp_path / "read-only",
        "damaged": tmp_path / "damaged.txt",
    }
    paths["file"].write_text("not a directory\n", encoding="utf-8")
    paths["dir"].mkdir()
    paths["ro"].mkdir()
    paths["damaged"].write_bytes("สวัสดีครับ วันนี้".encode() + b"\xff\n")  # broken UTF-8
    env = dict(cli_env, PYTHONPATH=str(REPO))
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = _fill(value, paths)
    command = [*THAIMT, *(_fill(a, paths) for a in case.args)]
    if case.read_only_dir:
        command = _read_only(paths["ro"], command)
    result = subprocess.run(
        command, env=env, input="สวัสดีครับ\n", capture_output=True, text=True, timeout=120
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert result.returncode != 0, result.stderr
    if case.code is not None:
        assert result.returncode == case.code, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("thaimt: error: ")
    for word in case.says:
        assert word in lines[0]
    assert result.stdout == ""
