"""`thaimt translate` as a user runs it: a subprocess, offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from service.text.normalize import has_thai

THAIMT = [sys.executable, "-m", "service.cli"]


def run(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*THAIMT, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300
    )


def test_translate_example_page_file(
    tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    src = Path(__file__).resolve().parents[3] / "data" / "alibaba_digital_hub_th.txt"
    out = tmp_path / "page.en.txt"
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("# Thai\tEnglish\nอาลีบาบา\tAlibaba\nกระทรวงพาณิชย์\n", encoding="utf-8")
    proc = run(
        [
            "translate",
            str(src),
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--glossary",
            str(glossary),
        ],
        cli_env,
    )
    assert proc.returncode == 0, proc.stderr
    source = src.read_text(encoding="utf-8")
    translated = out.read_text(encoding="utf-8")
    assert translated.splitlines() == translated.rstrip("\n").split("\n")
    src_lines, out_lines = source.split("\n"), translated.rstrip("\n").split("\n")
    assert len(out_lines) == len(src_lines)
    for s, o in zip(src_lines, out_lines, strict=True):
        if not has_thai(s):
            assert o == s
    assert translated.count("Alibaba") >= source.count("อาลีบาบา")
    assert translated.count("กระทรวงพาณิชย์") == source.count("กระทรวงพาณิชย์")


def test_translate_stdin_json(tiny_model_dir: Path, cli_env: dict[str, str]) -> None:
    proc = run(
        ["translate", "--model", str(tiny_model_dir), "--json"],
        cli_env,
        stdin="ราคา 1,402.35 บาท ที่ https://shop.example.com\n",
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    spans = [s["output"] for p in doc["paragraphs"] for seg in p["segments"] for s in seg["spans"]]
    assert "1,402.35" in spans and "https://shop.example.com" in spans
    assert "1,402.35" in doc["text"] and "https://shop.example.com" in doc["text"]


def test_missing_model_is_one_clear_line(cli_env: dict[str, str]) -> None:
    env = dict(cli_env, HF_HUB_OFFLINE="1")
    proc = run(["translate", "--model", "Helsinki-NLP/opus-mt-th-en-not-cached"], env, stdin="สวัสดี")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Helsinki-NLP/opus-mt-th-en-not-cached" in lines[0]
    assert "thaimt download" in lines[0]


def test_missing_input_file_is_a_usage_error(cli_env: dict[str, str], tiny_model_dir: Path) -> None:
    proc = run(["translate", "/nonexistent/file.txt", "--model", str(tiny_model_dir)], cli_env)
    assert proc.returncode == 2
    assert "input file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_setting_is_a_usage_error(cli_env: dict[str, str], tiny_model_dir: Path) -> None:
    env = dict(cli_env, THAIMT_MAX_BATCH_SIZE="zero")
    proc = run(["translate", "--model", str(tiny_model_dir), "--beam", "0"], env, stdin="สวัสดี")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "THAIMT_BEAM_SIZE" in proc.stderr and "THAIMT_MAX_BATCH_SIZE" in proc.stderr


def test_glossary_of_terms_that_are_prefixes_of_each_other(
    tiny_model_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # 200 terms, each a prefix of the next: the terms regex used to hit the recursion limit
    # and the command printed a 3,000-line traceback (issue 19, point 5).
    glossary = tmp_path / "glossary.tsv"
    rows = [f"{'ก' * n}\tK{n}" if n % 2 else "ก" * n for n in range(1, 201)]
    glossary.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = run(
        ["translate", "--model", str(tiny_model_dir), "--glossary", str(glossary)],
        cli_env,
        stdin="ข" + "ก" * 7 + "ข\n",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "K7" in proc.stdout  # the longest term at that position won
