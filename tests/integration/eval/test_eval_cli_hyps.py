"""``thaimt eval`` scoring existing hypotheses (no model), and its argument checks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eval.testsets import BUILTIN_TESTSETS, DATA_DIR
from service.cli.main import main

FLORES_SRC, FLORES_REF = (DATA_DIR / p for p in BUILTIN_TESTSETS["flores200"])


def test_references_scored_against_themselves_give_100(tmp_path: Path) -> None:
    """The acceptance check, through the installed console entry point."""
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "eval",
        "--hyps",
        str(FLORES_REF),
        "--refs",
        str(FLORES_REF),
        "--out",
        str(out),
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    system = json.loads((out / "report.json").read_text(encoding="utf-8"))["systems"][0]
    assert system["bleu"] == pytest.approx(100.0)
    assert system["chrf"] == pytest.approx(100.0)
    assert system["ter"] == pytest.approx(0.0)
    assert "| 100.0 | 100.0 | 0.0 |" in proc.stdout  # the table is printed too
    assert (out / "report.md").is_file() and (out / "report.png").is_file()


def test_sources_enable_term_keeping(tmp_path: Path) -> None:
    args = [
        "eval",
        "--hyps",
        str(FLORES_REF),
        "--refs",
        str(FLORES_REF),
        "--src",
        str(FLORES_SRC),
        "--limit",
        "40",
        "--name",
        "reference",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    system = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["systems"][0]
    assert system["name"] == "reference" and system["lines"] == 40
    terms = system["term_keeping"]
    assert terms["needed"] > 0 and terms["kept"] == terms["needed"]  # the reference keeps all
    assert (tmp_path / "hyps" / "reference.txt").read_text("utf-8").count("\n") == 40


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "nothing to evaluate"),
        (["--hyps", "{hyps3}"], "--hyps needs references"),
        (["--hyps", "{hyps3}", "--refs", "{refs2}"], "line counts differ: .*has 3, .*has 2"),
        (["--hyps", "{hyps3}", "--refs", "{refs2}", "--src", "{hyps3}"], "line counts differ"),
        (["--hyps", "{refs2}", "--refs", "{refs2}", "--name", "a", "--name", "b"], "2 --name"),
        (["--model", "m", "--refs", "{refs2}"], "use --testset SRC REF"),
        # a misaligned hypotheses file is refused before any model is loaded
        (["--model", "{tmp}/no-model", "--hyps", "{hyps3}"], "h.txt has 3, .*devtest has 1012"),
        (["--hyps", "{refs2}", "--testset", "flores200", "--refs", "{refs2}"], "not both"),
        (["--hyps", "{refs2}", "--refs", "{refs2}", "--limit", "0"], "--limit must be at least 1"),
        (["--hyps", "{refs2}", "--testset", "wmt19"], "must be one of flores200, tatoeba"),
        (["--hyps", "{refs2}", "--refs", "{tmp}/missing.txt"], "no such file"),
    ],
)
def test_bad_arguments_give_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    files = {
        "hyps3": str(_write(tmp_path / "h.txt", ["a", "b", "c"])),
        "refs2": str(_write(tmp_path / "r.txt", ["a", "b"])),
        "tmp": str(tmp_path),
    }
    argv = ["eval", "--out", str(tmp_path / "out"), *(a.format(**files) for a in extra)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("thaimt: error: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert not (tmp_path / "out" / "report.json").exists()
