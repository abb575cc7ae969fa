"""What a new user meets first: --version, --help with defaults, the offline message, a converted
model used without flags, and make-test-model that does not overwrite by accident."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli.main import main as thaimt

THAIMT = [sys.executable, "-m", "service.cli"]


def _run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [*THAIMT, *args],
        env=env or dict(os.environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_version_names_thaimt_python_and_the_libraries() -> None:
    result = _run(["--version"])
    assert result.returncode == 0
    line = result.stdout.strip()
    assert line.startswith("thaimt ") and "Python 3." in line
    assert "torch " in line and "ctranslate2 " in line


@pytest.mark.parametrize(
    ("command", "defaults"),
    [
        (["serve"], ["default: auto", "default: 127.0.0.1", "default: 8000", "default: 32"]),
        (["translate"], ["default: auto", "default: Helsinki-NLP/opus-mt-th-en", "default: 1"]),
        (["convert"], ["(default: int8)"]),
        (["make-test-model"], ["(default: tiny)", "(default: marian)"]),
        (["batch"], ["(default: auto)", "(default: 200000)"]),
    ],
)
def test_help_shows_defaults(command: list[str], defaults: list[str]) -> None:
    result = _run([*command, "--help"])
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines
    for default in defaults:
        assert default in text, (default, result.stdout)
    assert "default: None" not in text and "default: False" not in text


def test_offline_download_names_the_three_ways_on(tmp_path: Path) -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", HOME=str(tmp_path), HF_HOME=str(tmp_path / "hf"))
    result = _run(["download", "Helsinki-NLP/opus-mt-th-en"], env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "not available offline" in line
    assert "connect to the network" in line  # 1
    assert "thaimt download Helsinki-NLP/opus-mt-th-en --dir DIR" in line  # 2
    assert "make serve MODEL=DIR" in line
    assert "thaimt make-test-model DIR" in line and "gibberish" in line  # 3


def test_download_of_a_missing_directory_names_it(tmp_path: Path) -> None:
    result = _run(["download", str(tmp_path / "typo")])
    assert result.returncode == 1
    assert f"model directory '{tmp_path / 'typo'}' does not exist" in result.stderr


def test_a_converted_directory_translates_without_flags(
    tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    out = tmp_path / "tiny-ct2"
    assert thaimt(["convert", str(tiny_model_dir), str(out)]) == 0
    result = _run(["translate", "--model", str(out)], cli_env, stdin="สวัสดีครับ วันนี้\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "loaded: ct2 int8" in result.stderr


def test_make_test_model_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tiny"
    assert thaimt(["make-test-model", str(target)]) == 0
    config = (target / "config.json").read_bytes()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    capsys.readouterr()

    assert thaimt(["make-test-model", str(target), "--family", "nllb"]) == 2
    assert "--force" in capsys.readouterr().err
    assert (target / "config.json").read_bytes() == config  # untouched
    assert (target / "notes.txt").exists()

    assert thaimt(["make-test-model", str(target), "--family", "nllb", "--force"]) == 0
    assert (target / "config.json").read_bytes() != config  # replaced by the NLLB model

    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "thesis.tex").write_text("months of work", encoding="utf-8")
    capsys.readouterr()
    assert thaimt(["make-test-model", str(other), "--force"]) == 2
    assert "holds no model" in capsys.readouterr().err
    assert (other / "thesis.tex").read_text(encoding="utf-8") == "months of work"


def test_cli_logging_writes_to_current_stderr_and_still_propagates(
    tiny_model_dir: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    assert thaimt(["download", str(tiny_model_dir)]) == 0  # sets up thaimt's log lines here
    capsys.readouterr()
    caplog.set_level(logging.INFO, logger="models")
    logging.getLogger("models.loading").info("probe")
    assert "probe" in caplog.text  # an embedding program's (here: pytest's) handler sees it
    assert "thaimt: probe" in capsys.readouterr().err
