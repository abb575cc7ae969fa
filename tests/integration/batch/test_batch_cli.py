"""`thaimt batch` as a user runs it: SIGKILL midway and resume, exit codes, --server mode."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.files.manifest import MANIFEST_NAME
from service.files.runner import TEMP_SUFFIX, TEST_HOLD_ENV

THAIMT = [str(Path(sys.executable).parent / "thaimt")]
WORDS = ["ข่าว", "กรุงเทพ", "เศรษฐกิจ", "ราคา", "ตลาด", "ฝน", "รถไฟ", "โรงเรียน", "ทะเล", "ภูเขา"]


def _corpus(root: Path, count: int) -> Path:
    """``count`` files in two folders, each a distinct short Thai line with an English term."""
    for i in range(count):
        path = root / f"d{i % 2}" / f"f{i:03}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{WORDS[i % 10]}{WORDS[i // 10]}ดี Bangkok\n", encoding="utf-8")
    return root


def _batch(args: list[str], env: dict[str, str], **kwargs):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [*THAIMT, "batch", *args], env=env, capture_output=True, text=True, timeout=180, **kwargs
    )


def _finished(outdir: Path) -> int:
    manifest = outdir / MANIFEST_NAME
    if not manifest.exists():
        return 0
    return sum(1 for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip())


def _tree(outdir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(outdir).as_posix(): p.read_bytes()
        for p in sorted(outdir.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_and_signal(args, out, env, signum, hold, at):  # type: ignore[no-untyped-def]
    """Start ``thaimt batch`` held before its chunk ``at`` (one file per chunk; the earlier ones
    run freely), send ``signum`` once it is provably waiting there, between two files."""
    hold.mkdir(exist_ok=True)
    for gate in hold.glob("go-*"):
        gate.unlink()
    for number in range(at):
        (hold / f"go-{number}").touch()
    proc = subprocess.Popen(
        [*THAIMT, "batch", *args],
        env={**env, TEST_HOLD_ENV: str(hold)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # As from a terminal: a suite started in the background (``make test &``, nohup) has
        # SIGINT ignored, which its children would inherit, and Python then never raises
        # KeyboardInterrupt.
        preexec_fn=_interruptible,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if (hold / f"held-{proc.pid}-{at}").exists():
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before reaching its hold"
    proc.send_signal(signum)
    proc.wait(timeout=60)
    return proc


def test_sigkill_midway_then_resume_equals_an_uninterrupted_run(
    tmp_path, cli_batch_env, tiny_model_dir, run_batch
):
    src = _corpus(tmp_path / "in", 50)
    (src / "empty.txt").write_bytes(b"")  # skipped on every run, never blocks the others
    reference = tmp_path / "reference"
    assert len(run_batch([src], reference).ok) == 50  # uninterrupted, in-process, one chunk

    out = tmp_path / "out"
    # One file per chunk so that files finish one by one and the signals land between them.
    args = [str(src), "-o", str(out), "--model", str(tiny_model_dir), "--chunk-chars", "1"]

    # Ctrl-C: a clean stop with a summary, exit 130, no temporary file.
    hold = tmp_path / "hold"
    interrupted = _start_and_signal(args, out, cli_batch_env, signal.SIGINT, hold, at=3)
    assert interrupted.returncode == 130
    assert "interrupted:" in interrupted.stderr.read().decode()
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))

    # SIGKILL: no cleanup possible; the next run must cope.
    assert _finished(out) == 3
    _start_and_signal(args, out, cli_batch_env, signal.SIGKILL, hold, at=5)
    done_before = _finished(out)
    assert done_before == 8, f"kill did not land between files ({done_before} finished)"
    first_run = {p: (out / p).stat().st_mtime_ns for p in _tree(out)}

    resumed = _batch(args, cli_batch_env)
    assert resumed.returncode == 0, resumed.stderr  # empty.txt is skipped, not failed
    assert f"{50 - done_before} ok, 0 failed, {done_before + 1} skipped" in resumed.stderr
    assert "empty.txt: empty file" in resumed.stderr
    assert _tree(out) == _tree(reference)  # byte-identical outputs
    assert not list(out.rglob(f"*{TEMP_SUFFIX}"))  # no temporary files left
    records = [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]
    assert len(records) == 50 and len({r["output"] for r in records}) == 50  # none redone
    for record in records[:done_before]:
        assert (out / record["output"]).stat().st_mtime_ns == first_run[record["output"]]


def test_usage_errors_exit_2(tmp_path, cli_batch_env):
    missing = _batch([str(tmp_path / "missing"), "-o", str(tmp_path / "o")], cli_batch_env)
    assert missing.returncode == 2 and "input not found" in missing.stderr
    (tmp_path / "a.jsonl").write_text('{"t": "ไทย"}\n', encoding="utf-8")
    jsonl = _batch(
        [str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o"), "--format", "jsonl"], cli_batch_env
    )
    assert jsonl.returncode == 2 and "--field" in jsonl.stderr
    inside = _batch([str(tmp_path / "a.jsonl"), "-o", str(tmp_path)], cli_batch_env)
    assert inside.returncode == 2 and "is an input" in inside.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server_url(tiny_model_dir, cli_batch_env, tmp_path):  # type: ignore[no-untyped-def]
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [*THAIMT, "serve", "--model", str(tiny_model_dir), "--port", str(port)],
        env=cli_batch_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail((tmp_path / "server.log").read_text())
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("server not ready")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_server_mode_gives_the_same_outputs(tmp_path, server_url, run_batch):
    src = tmp_path / "in"
    _corpus(src, 6)
    (src / "page.html").write_text(
        '<p>นายสมคิด <b>เผยว่า</b> <a href="/x">Startup Digital Hub</a></p>', encoding="utf-8"
    )
    (src / "sub.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nสวัสดี\nครับ\n", "utf-8")
    local = run_batch([src], tmp_path / "local")
    assert len(local.ok) == 8
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    result = _batch([str(src), "-o", str(tmp_path / "remote"), "--server", server_url], env)
    assert result.returncode == 0, result.stderr
    assert "8 ok" in result.stderr
    assert _tree(tmp_path / "remote") == _tree(tmp_path / "local")
    # The server's detail gives the summary the same least confident segments.
    assert f"least confident {len(local.least_confident)} segment(s)" in result.stderr
    for item in local.least_confident:
        assert f"{item.where} line {item.paragraph + 1}: " in result.stderr
