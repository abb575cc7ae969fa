"""``thaimt translate`` tells a person at a terminal what it did, and stays quiet for scripts.

stderr is a real pseudo-terminal where the test needs one (``pty``), a pipe otherwise.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from models.backend import DecodeOptions, encode_segments
from service.cli import progress
from service.cli.progress import ProgressRun, RunSummary

THAIMT = [sys.executable, "-m", "service.cli"]
PAGE = Path(__file__).resolve().parents[3] / "data" / "alibaba_digital_hub_th.txt"
SUMMARY = re.compile(r"thaimt: (\d+) segments, (\d+) cache hits?, [\d.]+ s \(model load [\d.]+ s\)")


def _run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal; (exit status, stdout, what the terminal showed)."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [*THAIMT, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child_fd,
    )
    os.close(child_fd)
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = proc.communicate(timeout=300)[0].decode()
    reader.join(timeout=60)
    os.close(main_fd)
    return proc.returncode, stdout, shown.decode(errors="replace")


@pytest.fixture()
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return dict(cli_env, THAIMT_CACHE="true", THAIMT_CACHE_PATH=str(tmp_path / "cache.sqlite3"))


def test_summary_on_a_terminal_counts_segments_and_cache_hits(
    tiny_model_dir: Path, env: dict[str, str]
) -> None:
    args = ["translate", str(PAGE), "--model", str(tiny_model_dir)]
    code, out, shown = _run_on_terminal(args, env)
    assert code == 0, shown
    first = SUMMARY.search(shown)
    assert first is not None, shown
    segments = int(first.group(1))
    assert segments > 10 and first.group(2) == "0"
    assert out.count("\n") == PAGE.read_text(encoding="utf-8").count("\n") + (
        0 if PAGE.read_text(encoding="utf-8").endswith("\n") else 1
    )

    code, again_out, shown = _run_on_terminal(args, env)  # the same page: all from the cache
    again = SUMMARY.search(shown)
    assert code == 0 and again is not None, shown
    assert (int(again.group(1)), int(again.group(2))) == (segments, segments)
    assert again_out == out


def test_quiet_flag_silences_the_terminal(tiny_model_dir: Path, env: dict[str, str]) -> None:
    args = ["translate", str(PAGE), "--model", str(tiny_model_dir), "--quiet"]
    code, out, shown = _run_on_terminal(args, env)
    assert code == 0, shown
    assert out.strip() and shown.strip() == ""


def test_no_summary_when_stderr_is_not_a_terminal(
    tiny_model_dir: Path, env: dict[str, str]
) -> None:
    result = subprocess.run(
        [*THAIMT, "translate", str(PAGE), "--model", str(tiny_model_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert SUMMARY.search(result.stderr) is None
    assert "translating" not in result.stderr  # no bar either


def test_bar_advances_per_batch_and_translations_are_unchanged(
    tiny_engine,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "BAR_DELAY_S", 0.0)  # show at once (the real delay is 1 s)
    segments = encode_segments(tiny_engine.backend, [f"ข่าวที่ {i} วันนี้" for i in range(40)])
    options = DecodeOptions(max_output_tokens=8)
    run = ProgressRun(tiny_engine, show=True)
    shown = run(segments, options)
    assert shown == tiny_engine.run(segments, options)
    assert run.model_segments == 40
    err = capsys.readouterr().err
    assert "translating" in err and "/40 " in err  # a bar over the 40 segments (tqdm throttles)
    hidden = ProgressRun(tiny_engine, show=False)(segments, options)
    assert hidden == shown and capsys.readouterr().err == ""


def test_summary_line_wording() -> None:
    assert RunSummary(1, 1, 2.04, 1.0).line() == (
        "thaimt: 1 segment, 1 cache hit, 2.0 s (model load 1.0 s)"
    )
