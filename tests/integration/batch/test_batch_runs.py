"""The batch job with the tiny model: cross-file batching, run-level de-duplication, legacy Thai
encodings, and bad files reported while the rest succeeds."""

from __future__ import annotations

from pathlib import Path

from service.engine import Engine

# Short distinct Thai lines (the tiny model's output length follows the input length).
WORDS = ["ข่าว", "กรุงเทพ", "เศรษฐกิจ", "ราคา", "ตลาด", "ฝน", "รถไฟ", "โรงเรียน", "ทะเล", "ภูเขา"]


def _line(i: int) -> str:
    return f"{WORDS[i % 10]}{WORDS[(i // 10) % 10]}ดี"


def test_one_line_files_share_model_calls(tmp_path, run_batch, batch_engine: Engine):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(100):
        (src / f"f{i:03}.txt").write_text(_line(i) + "\n", encoding="utf-8")
    summary = run_batch([src], tmp_path / "out")
    assert len(summary.ok) == 100 and not summary.failed
    assert batch_engine.stats.segments == 100
    assert batch_engine.stats.model_calls <= 5  # 100 files, batches of 32: 4 calls, not 100
    for i in (0, 57, 99):
        out = (tmp_path / "out" / f"f{i:03}.txt").read_text(encoding="utf-8")
        assert out.endswith("\n") and out.strip() and _line(i) not in out


def test_identical_segments_translated_once_per_run_across_chunks(
    tmp_path, run_batch, batch_engine
):
    src = tmp_path / "in"
    src.mkdir()
    footer = "ติดตามข่าวสารได้ที่เว็บไซต์"
    for i in range(12):
        (src / f"p{i:02}.txt").write_text(f"{_line(i)}\n{footer}\n", encoding="utf-8")
    summary = run_batch([src], tmp_path / "out", chunk_chars=40)  # a few files per chunk
    assert len(summary.ok) == 12
    assert batch_engine.stats.model_calls >= 3  # several chunks really ran
    assert batch_engine.stats.segments == 12 + 1  # the footer reached the model once
    footers = {(tmp_path / "out" / f"p{i:02}.txt").read_text().split("\n")[1] for i in range(12)}
    assert len(footers) == 1


def test_tis620_input_gives_the_translation_of_its_utf8_text(tmp_path, run_batch, batch_backend):
    text = "นายสมคิดกล่าวว่า Startup Digital Hub\nราคา 1,402.35 บาท\n"
    (tmp_path / "utf8").mkdir()
    (tmp_path / "legacy").mkdir()
    (tmp_path / "utf8" / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "legacy" / "a.txt").write_bytes(text.encode("tis-620"))
    (tmp_path / "legacy" / "b.txt").write_bytes(text.replace("\n", "\r\n").encode("cp874"))
    assert run_batch([tmp_path / "utf8"], tmp_path / "o1", engine=Engine(batch_backend)).ok
    summary = run_batch([tmp_path / "legacy"], tmp_path / "o2", engine=Engine(batch_backend))
    assert len(summary.ok) == 2
    expected = (tmp_path / "o1" / "a.txt").read_bytes()
    assert "Startup Digital Hub" in expected.decode("utf-8")
    assert (tmp_path / "o2" / "a.txt").read_bytes() == expected  # output in UTF-8
    assert (tmp_path / "o2" / "b.txt").read_bytes() == expected.replace(b"\n", b"\r\n")


def test_bad_files_are_reported_and_the_rest_succeeds(tmp_path, run_batch):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("สวัสดีครับ\n", encoding="utf-8")
    (src / "good.md").write_text("# หัวข้อ\n", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (src / "broken.txt").write_bytes("ภาษาไทย".encode()[:-1] + b" ok")
    (src / "bad.jsonl").write_text('{"title": "ไทย"}\n{oops\n', encoding="utf-8")
    summary = run_batch([src], tmp_path / "out", fields=("title",))
    reasons = {Path(source).name: reason for source, reason in summary.failed}
    assert sorted(Path(p).name for p in summary.ok) == ["good.md", "good.txt"]
    # An empty file has nothing to translate: skipped with its reason, not a failure.
    assert "empty.txt" not in reasons
    assert {Path(s).name: r for s, r in summary.skip_reasons.items()} == {"empty.txt": "empty file"}
    assert "binary" in reasons["image.txt"]
    assert "invalid UTF-8" in reasons["broken.txt"]
    assert "line 2: invalid JSON" in reasons["bad.jsonl"]
    assert summary.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".thaimt-manifest.jsonl",
        "good.md",
        "good.txt",
    ]


def test_rerun_skips_finished_and_redoes_changed(tmp_path, run_batch):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(_line(i) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert len(run_batch([src], out).ok) == 3
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.txt")}
    (src / "1.txt").write_text(_line(7) + "\n", encoding="utf-8")
    again = run_batch([src], out)
    assert sorted(Path(p).name for p in again.skipped) == ["0.txt", "2.txt"]
    assert [Path(p).name for p in again.ok] == ["1.txt"]
    assert (out / "0.txt").stat().st_mtime_ns == mtimes["0.txt"]
