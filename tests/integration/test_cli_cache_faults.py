"""`thaimt translate` and `thaimt batch` on a corrupt cache file (issue 12, point 1): they
translate, warn once, and leave the bad file aside instead of exiting with a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from service.cache.keys import make_key
from service.cache.sqlite import SqliteCache

THAIMT = [sys.executable, "-m", "service.cli"]

pytestmark = pytest.mark.slow  # real servers or subprocesses that load a model


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00not a database at all\xff" * 300)


def truncated(path: Path) -> None:
    with SqliteCache(path) as cache:
        cache.put_many({make_key("m", "r", "b", "d", f"s{i}"): "t" * 40 for i in range(3000)})
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


@pytest.fixture(params=[garbage, truncated], ids=["garbage", "truncated"])
def bad_cache_env(
    request: pytest.FixtureRequest, cli_env: dict[str, str], tmp_path: Path
) -> tuple[dict[str, str], Path]:
    damage: Callable[[Path], None] = request.param
    path = tmp_path / "cache" / "cache.sqlite3"
    path.parent.mkdir()
    damage(path)
    env = dict(cli_env, THAIMT_CACHE="true", THAIMT_CACHE_PATH=str(path), THAIMT_THREADS="1")
    # torch: these tests need a non-empty translation of their sentence; the default backend's
    # (CTranslate2 int8) gibberish for it is a number loop, which the repetition guard removes.
    env["THAIMT_BACKEND"] = "torch"
    return env, path


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*THAIMT, *args], env=env, capture_output=True, text=True, timeout=300)


def assert_moved_aside_once(proc: subprocess.CompletedProcess[str], path: Path) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "moved aside" in line]
    assert len(warnings) == 1, proc.stderr
    assert list(path.parent.glob("cache.sqlite3.corrupt-*"))
    with SqliteCache(path) as fresh:  # a working cache took its place, and was used
        assert len(fresh) >= 1


def test_translate_with_a_corrupt_cache(
    tiny_model_dir: Path, bad_cache_env: tuple[dict[str, str], Path]
) -> None:
    env, path = bad_cache_env
    proc = subprocess.run(
        [*THAIMT, "translate", "--model", str(tiny_model_dir)],
        env=env, input="แมวนอนอยู่บนโต๊ะ\n", capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert_moved_aside_once(proc, path)
    assert proc.stdout.strip()


def test_batch_with_a_corrupt_cache(
    tiny_model_dir: Path, bad_cache_env: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, path = bad_cache_env
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("แมวนอนอยู่บนโต๊ะ\nหมาวิ่งในสวน\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run(["batch", str(src), "-o", str(out), "--model", str(tiny_model_dir), "--quiet"], env)
    assert_moved_aside_once(proc, path)
    assert len((out / "a.txt").read_text(encoding="utf-8").splitlines()) == 2
