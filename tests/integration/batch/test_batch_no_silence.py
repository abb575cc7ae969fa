"""Batch runs say what is wrong instead of a silent success, and their output does not depend
on how files are chunked (issue 19, point 9), with the tiny model."""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from pathlib import Path

from models.backend import DecodeOptions
from service.engine import Engine
from service.files.discover import discover
from service.files.runner import BatchConfig, BatchRunner, BatchSummary
from service.files.translator import LocalTranslator
from service.pipeline import TranslateOptions
from tests.conftest import EXAMPLE_PAGE

RunBatch = Callable[..., BatchSummary]


def _html_files(folder: Path, count: int) -> None:
    lines = [line for line in EXAMPLE_PAGE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(1)
    folder.mkdir()
    for number in range(count):
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in rng.sample(lines, 3))
        alt = html.escape(rng.choice(lines)[:60])
        page = f'<html><body>{paragraphs}<img src="a.png" alt="{alt}"></body></html>\n'
        (folder / f"page{number}.html").write_text(page, encoding="utf-8")


def _run(batch_backend: object, inputs: Path, out: Path, chunk_chars: int) -> BatchSummary:
    options = TranslateOptions(decode=DecodeOptions(beam_size=4))
    translator = LocalTranslator(Engine(batch_backend, max_batch_size=32), options)  # type: ignore[arg-type]
    config = BatchConfig(out, options, chunk_chars=chunk_chars)
    return BatchRunner(translator, config).run(discover([str(inputs)], out, None))


def test_chunking_does_not_change_the_output(tmp_path: Path, batch_backend: object) -> None:
    """Beam search: a segment decoded with longer ones came out differently (an alt text
    changed with --chunk-chars)."""
    _html_files(tmp_path / "in", 6)
    outputs = []
    for chunk_chars in (1, 1_000_000):
        out = tmp_path / f"out{chunk_chars}"
        assert not _run(batch_backend, tmp_path / "in", out, chunk_chars).failed
        outputs.append({p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")})
    assert outputs[0] == outputs[1]


def test_a_malformed_srt_fails_with_its_line(tmp_path: Path, run_batch: RunBatch) -> None:
    good = tmp_path / "good.srt"
    good.write_text("1\n00:00:01,000 --> 00:00:02,000\nสวัสดี\n", encoding="utf-8")
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01 -> 00:00:02\nสวัสดี\n\n2\nไม่มีเวลา\n", encoding="utf-8")
    summary = run_batch([good, bad], tmp_path / "out")
    assert summary.ok == [str(good)]
    ((source, reason),) = summary.failed
    assert source == str(bad) and "line 2" in reason and "timing" in reason
    assert not (tmp_path / "out" / "bad.srt").exists()


def test_a_jsonl_field_that_matches_nothing_fails(tmp_path: Path, run_batch: RunBatch) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"title": "ข่าว", "meta": {"body": "เนื้อหา"}}\n', encoding="utf-8")
    summary = run_batch([data], tmp_path / "out", fields=("titel",))
    ((_, reason),) = summary.failed
    assert "'titel'" in reason and "title, meta, meta.body" in reason


def test_deeply_nested_jsonl_fails_with_its_line(tmp_path: Path, run_batch: RunBatch) -> None:
    data = tmp_path / "deep.jsonl"
    deep = '{"title": "ข่าว", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    data.write_text('{"title": "ข่าว"}\n' + deep + "\n", encoding="utf-8")
    summary = run_batch([data], tmp_path / "out", fields=("title",))
    ((_, reason),) = summary.failed
    assert reason.startswith("line 2: invalid JSON: nested too deeply: 5001 levels")


def test_jsonl_keeps_every_byte_but_the_translation(tmp_path: Path, run_batch: RunBatch) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"title": "ข่าว", "n": 1.10}\r\n', encoding="utf-8")
    summary = run_batch([data], tmp_path / "out", fields=("title",))
    assert summary.ok and not summary.failed
    out = (tmp_path / "out" / "data.jsonl").read_bytes().decode("utf-8")
    assert out.endswith(', "n": 1.10}\r\n')  # every byte but the translated string as written
