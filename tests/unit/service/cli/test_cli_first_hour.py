"""The first hour of a new user (issue 19, point 10): each stumble is one line that says what to
do, or no stumble at all. The CLI runs as a user runs it, as a subprocess, where it matters."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.cli import translate
from service.cli.main import build_parser
from service.files.encodings import decode_bytes
from service.files.progress import Progress
from service.files.runner import BatchSummary

THAIMT = [sys.executable, "-m", "service.cli"]
REPO = Path(__file__).resolve().parents[4]


def _thaimt(args: list[str], env: dict[str, str], cwd: Path | None = None, stdin: str = ""):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [*THAIMT, *args],
        env=dict(env, PYTHONPATH=str(REPO)),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture()
def offline(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """No network, an empty Hugging Face cache: the default hub model is surely unavailable."""
    env = dict(cli_env, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    env.pop("THAIMT_MODEL", None)
    env.pop("THAIMT_SERVER", None)
    return env


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port bound here and never listened on: nothing answers there for the test's length."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


# --- a mistyped local model is a missing directory, not an unknown hub id ---------------------


@pytest.mark.parametrize("command", [["translate", "--model", "tinyy"], ["download", "tinyy"]])
def test_a_mistyped_model_directory_is_one_line_naming_it(
    command: list[str], offline: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "tiny").mkdir()  # what the user meant (`make test-model` makes ./tiny)
    result = _thaimt(command, offline, cwd=tmp_path, stdin="สวัสดี\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith("thaimt: error: no such directory: tinyy (did you mean tiny?)")
    assert "Helsinki-NLP/opus-mt-th-en" in line  # what a hub id looks like
    assert "not available offline" not in line


def test_a_hub_id_keeps_the_offline_message(offline: dict[str, str]) -> None:
    result = _thaimt(["download", "someone/not-cached"], offline)
    assert result.returncode == 1
    assert "not available offline" in result.stderr and "no such directory" not in result.stderr


# --- thaimt translate after `make serve MODEL=...`: the server, or a line naming both ways ------


def test_with_no_model_and_no_server_the_error_names_both_ways(
    offline: dict[str, str], silent_port: int
) -> None:
    env = dict(offline, THAIMT_PORT=str(silent_port))
    result = _thaimt(["translate"], env, stdin="สวัสดีครับ\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = _lines(result.stderr)
    assert "not available offline" in line and "make-test-model" in line  # the model's ways on
    assert "make serve MODEL=DIR" in line  # ... and the server's
    assert f"http://127.0.0.1:{silent_port}" in line and "--server URL" in line


def test_a_named_server_that_does_not_answer_is_one_line(
    offline: dict[str, str], silent_port: int
) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    result = _thaimt(["translate", "--server", url], offline, stdin="สวัสดีครับ\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith(f"thaimt: error: cannot reach {url}")


# --- translate reads what batch reads -------------------------------------------------------


def test_translate_reads_a_windows_874_file_as_batch_does(
    tiny_model_dir: Path, example_page: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    thai = "\n".join(
        line for line in example_page.splitlines()[:12] if line.isprintable() and _cp874(line)
    )
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(thai.encode("cp874") + b"\n")
    assert decode_bytes(legacy.read_bytes()).encoding == "cp874"  # what batch detects
    assert translate._read_input(str(legacy)) == thai + "\n"

    result = _thaimt(["translate", str(legacy), "--model", str(tiny_model_dir)], cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == thai.count("\n") + 1  # line for line


def _cp874(line: str) -> bool:
    try:
        line.encode("cp874")
    except UnicodeEncodeError:
        return False
    return True


def test_an_undecodable_input_is_one_line(tmp_path: Path, cli_env: dict[str, str]) -> None:
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes("สวัสดีครับ วันนี้อากาศดี".encode() + b"\xff\n")
    result = _thaimt(["translate", str(damaged), "--model", str(tmp_path)], cli_env)
    assert result.returncode == 2
    [line] = _lines(result.stderr)
    assert f"{damaged}: undecodable: invalid UTF-8" in line


# --- the port is checked before the model loads ---------------------------------------------


def test_serve_reports_a_port_in_use_before_loading_the_model(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # A model that could not load at all: whatever is checked first is what is reported.
        result = _thaimt(
            ["serve", "--model", str(tmp_path / "no-model"), "--port", str(port)], cli_env
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = _lines(result.stderr)
    assert line == f"thaimt: error: cannot listen on 127.0.0.1:{port}: Address already in use"


# --- short flags, and the batch bar only on a terminal --------------------------------------


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["translate", "-q"], "quiet"),
        (["batch", "in", "-o", "out", "-q"], "quiet"),
        (["eval", "--hyps", "h", "--refs", "r", "-q"], "quiet"),
        (["translate", "-o", "x"], "output"),
        (["batch", "in", "-o", "x"], "output"),
        (["eval", "--hyps", "h", "--refs", "r", "-o", "x"], "out"),
    ],
)
def test_short_flags_mean_the_same_in_every_subcommand(argv: list[str], name: str) -> None:
    args = build_parser().parse_args(argv)
    assert getattr(args, name) not in (None, False)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _one_file_run(stream: io.StringIO) -> str:
    progress = Progress(stream=stream)
    progress.start(1)
    progress.add_segments(3)
    progress.file_done("ok")
    progress.close()
    progress.report(BatchSummary(ok=["a.txt"], characters=10, segments=3, seconds=0.5))
    return stream.getvalue()


def test_batch_draws_its_bar_only_on_a_terminal() -> None:
    piped = _one_file_run(io.StringIO())
    assert "\r" not in piped and "file/s" not in piped and "it/s" not in piped
    assert _lines(piped)[0].startswith("done: 1 ok, 0 failed, 0 skipped")  # the summary instead
    shown = _one_file_run(_Terminal())
    assert "\r" in shown and "3 segments" in shown  # the bar, with its segment count
    assert "done: 1 ok" in shown


def test_quiet_batch_prints_failures_only() -> None:
    stream = io.StringIO()
    progress = Progress(quiet=True, stream=stream)
    progress.start(1)
    progress.file_failed("a.txt", "undecodable")
    progress.close()
    progress.report(BatchSummary(failed=[("a.txt", "undecodable")]))
    assert stream.getvalue() == "thaimt: failed: a.txt: undecodable\n"


def test_thaimt_server_names_the_server_for_batch(
    offline: dict[str, str], tmp_path: Path, silent_port: int
) -> None:
    (tmp_path / "a.txt").write_text("สวัสดี\n", encoding="utf-8")
    url = f"http://127.0.0.1:{silent_port}"
    env = dict(offline, THAIMT_SERVER=url)
    result = _thaimt(["batch", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")], env)
    assert result.returncode == 1
    [line] = _lines(result.stderr)
    assert line.startswith(f"thaimt: error: cannot reach {url}")
