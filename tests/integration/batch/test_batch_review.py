"""The batch summary lists the run's least confident segments (tiny model, in process)."""

from __future__ import annotations

from pathlib import Path

from service.files.progress import format_summary
from service.review import least_confident
from service.workflow import translate_documents

LINES = [
    "ตลาดหุ้นไทยปิดบวกเล็กน้อย นักลงทุนรอดูตัวเลขส่งออก",
    "กรมอุตุนิยมวิทยาเตือนฝนตกหนักในภาคใต้ ถึงวันศุกร์",
    "บริษัท Siam Motors เปิดโรงงานใหม่ที่ Rayong",
    "Breaking news",
]


def test_the_summary_lists_the_least_confident_segments(
    tmp_path: Path,
    run_batch,
    batch_engine,  # type: ignore[no-untyped-def]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    texts = {}
    for i in range(4):
        text = "\n".join(LINES[i:] + LINES[:i]) + "\n"  # the same sentences, lines rotated
        texts[src / f"news{i}.txt"] = text
        (src / f"news{i}.txt").write_text(text, encoding="utf-8")
    summary = run_batch([src], tmp_path / "out")
    assert len(summary.ok) == 4
    items = summary.least_confident
    assert len(items) == 10  # the default count (the run has more segments than that)
    assert [i.confidence for i in items] == sorted(i.confidence for i in items)
    # The same as ranking every segment of every file (each file's text is one document).
    everything = translate_documents(batch_engine, list(texts.values()))
    expected = least_confident(everything, n=10)
    names = list(texts)
    assert [(i.source, round(i.confidence, 6)) for i in items] == [
        (e.source, round(e.confidence, 6)) for e in expected
    ]
    assert [i.where for i in items] == [str(names[e.document]) for e in expected]
    report = format_summary(summary)
    assert "least confident 10 segment(s), check these first" in report
    assert f"{items[0].where} line {items[0].paragraph + 1}: " in report
