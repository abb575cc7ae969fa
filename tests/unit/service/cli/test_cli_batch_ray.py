"""`thaimt batch --ray` flags: usage errors, Ray missing, and Ray never imported without --ray."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli.main import main


@pytest.fixture()
def one_file(tmp_path: Path) -> list[str]:
    (tmp_path / "a.txt").write_text("สวัสดีครับ\n", encoding="utf-8")
    return [str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--ray-actors", "2"], "--ray-actors and --ray-gpus-per-actor need --ray"),
        (["--ray-gpus-per-actor", "1"], "need --ray"),
        (["--ray", "--server", "http://127.0.0.1:9"], "--ray and --server exclude each other"),
        (["--ray", "--ray-actors", "0"], "--ray-actors must be at least 1"),
        (["--ray=local", "--ray-gpus-per-actor", "-1"], "must not be negative"),
    ],
)
def test_bad_ray_flags_are_usage_errors(one_file, flags, message, capsys):
    assert main(["batch", *one_file, *flags]) == 2
    assert message in capsys.readouterr().err


def test_without_ray_installed_the_error_says_how_to_install_it(one_file, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    for name in ("RAY_USAGE_STATS_ENABLED", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"):
        monkeypatch.setenv(name, "0")  # what --ray would set; restored after the test
    assert main(["batch", *one_file, "--ray"]) == 1
    assert "install it with `pip install 'thaimt[ray]'`" in capsys.readouterr().err
    assert not (Path(one_file[2]) / ".thaimt-manifest.jsonl").exists()


_IMPORTS_RAY = """
import sys
from service.cli.main import build_parser, main
build_parser().format_help()
help_imports = "ray" in sys.modules
code = main(["batch", *sys.argv[1:], "--quiet"])
print(code, help_imports, "ray" in sys.modules)
"""


def test_help_and_a_plain_batch_run_never_import_ray(one_file, tiny_model_dir, cli_env):
    env = dict(cli_env, PYTHONPATH=os.getcwd())
    args = [*one_file, "--model", str(tiny_model_dir)]
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTS_RAY, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.split() == ["0", "False", "False"], proc.stderr
