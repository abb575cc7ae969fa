"""Each format through the real pipeline and a tiny random-weight model: structure identical
apart from the translated text, English spans verbatim."""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

TERM = "Startup Digital Hub CLMVT"
URL = "https://www.example.com/news/123"

MARKDOWN = f"""---
title: ข่าว
---
# ข่าว **เศรษฐกิจ** ของ {TERM}

นายสมคิด [กล่าวว่า]({URL}) ไทยเป็น {TERM} และ `code ไทย` ดี

- รายการ *หนึ่ง*
- รายการสอง

| หัวข้อ | ค่า |
|-------|-----|
| ราคา | 1,402.35 |

```
print("ไทย")
```
"""

HTML = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ข่าว {TERM}</title></head>
<body><nav aria-label="เมนู"><a href="/">หน้าแรก</a></nav>
<p class="lead">นายสมคิด <b>เผยว่า</b> ไทยเป็น <a href="{URL}" title="ลิงก์ข่าว">{TERM}</a><br>ดี</p>
<pre>โค้ด ไทย</pre><p translate="no">ห้ามแปล</p><script>var a = "ไทย";</script>
<img src="a.png" alt="ภาพ {TERM}"></body></html>
"""

JSONL = (
    "\n".join(
        json.dumps(r, ensure_ascii=False)
        for r in [
            {"id": 1, "title": f"ข่าว {TERM}", "body": "ไม่แปล", "n": 1.5},
            {"id": 2, "title": "กรุงเทพ", "meta": {"tags": ["ไทย"]}},
            {"id": 3, "other": "ไม่มีฟิลด์"},
        ]
    )
    + "\n"
)

SRT = (
    f"1\n00:00:01,000 --> 00:00:02,500\nสวัสดีครับ {TERM}\nทุกคน\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nขอบคุณ\n\n"
    "10\n01:00:03,000 --> 01:00:04,000\nลาก่อน 2024\n"
)


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _md_structure(source: str) -> list[tuple[str, str, str, str]]:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out = []

    def walk(tokens):  # type: ignore[no-untyped-def]
        for t in tokens:
            if t.type not in ("text", "softbreak"):
                code = t.content if t.type in ("fence", "code_block", "code_inline") else ""
                out.append((t.type, t.tag, code, str(sorted((t.attrs or {}).items()))))
            walk(t.children or [])

    walk(md.parse(source))
    return out


def _html_structure(html: str):  # type: ignore[no-untyped-def]
    soup = BeautifulSoup(html, "html.parser")
    tags = [
        (t.name, {k: v for k, v in t.attrs.items() if k not in ("title", "alt", "aria-label")})
        for t in soup.find_all(True)
    ]
    kept = [str(t) for t in soup.find_all(["pre", "script"])]
    kept += [str(t) for t in soup.find_all(attrs={"translate": "no"})]
    return tags, kept


def test_every_format_keeps_its_structure(tmp_path, run_batch, batch_engine):
    src = tmp_path / "in"
    _write(src, "a.md", MARKDOWN)
    _write(src, "b.html", HTML)
    _write(src, "c.jsonl", JSONL)
    _write(src, "d.srt", SRT)
    summary = run_batch([src], tmp_path / "out", fields=("title", "meta.tags"))
    assert summary.failed == [] and len(summary.ok) == 4
    assert summary.model_calls <= 3  # all four files' segments shared the engine's batches
    out = tmp_path / "out"

    md = (out / "a.md").read_text(encoding="utf-8")
    assert _md_structure(md) == _md_structure(MARKDOWN)
    assert md.startswith("---\ntitle: ข่าว\n---\n") and URL in md and "`code ไทย`" in md
    assert "นายสมคิด" not in md and "รายการสอง" not in md

    html = (out / "b.html").read_text(encoding="utf-8")
    assert _html_structure(html) == _html_structure(HTML)
    assert "นายสมคิด" not in html and "เผยว่า" not in html

    lines = (out / "c.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == len(JSONL.split("\n"))
    records = [json.loads(line) for line in lines if line]
    originals = [json.loads(line) for line in JSONL.split("\n") if line]
    for got, want in zip(records, originals, strict=True):
        assert list(got) == list(want)
        assert {k: v for k, v in got.items() if k not in ("title", "meta")} == {
            k: v for k, v in want.items() if k not in ("title", "meta")
        }
    assert lines[2] == JSONL.split("\n")[2]  # no chosen field: byte-identical
    assert records[1]["meta"]["tags"][0] != "ไทย"

    srt = (out / "d.srt").read_text(encoding="utf-8").split("\n")
    source = SRT.split("\n")
    assert len(srt) == len(source)
    for a, b in zip(source, srt, strict=True):
        if a.isdigit() or "-->" in a or not a:
            assert a == b

    for name, text in (("a.md", md), ("b.html", html), ("d.srt", "\n".join(srt))):
        original = (src / name).read_text(encoding="utf-8")
        assert text.count(TERM) == original.count(TERM), name
    assert records[0]["title"].count(TERM) == 1
    assert "1,402.35" in md and "2024" in "\n".join(srt)


def test_office_and_localisation_files_go_through_batch(tmp_path, run_batch):
    """`thaimt batch` takes the document formats too (binary ones written as bytes): a .docx
    keeps its bold term, an .xlsx its number and formula, a .po its placeholder."""
    import docx
    import openpyxl

    src = tmp_path / "in"
    src.mkdir()
    word = docx.Document()
    paragraph = word.add_paragraph("ข่าว ")
    paragraph.add_run(TERM).bold = True
    paragraph.add_run(" เปิดตัวแล้ว")
    word.save(src / "a.docx")
    book = openpyxl.Workbook()
    book.active.append(["สวัสดี EEC", 42, "=B1*2"])
    book.save(src / "b.xlsx")
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    po = header + '\nmsgid "ราคา %s บาท"\nmsgstr ""\n'
    (src / "c.po").write_text(po, encoding="utf-8")

    summary = run_batch([src], tmp_path / "out")
    assert summary.failed == [] and len(summary.ok) == 3
    out = tmp_path / "out"
    runs = docx.Document(str(out / "a.docx")).paragraphs[0].runs
    assert any(r.bold and TERM in r.text for r in runs) and all(r.text for r in runs)
    row = [c.value for c in openpyxl.load_workbook(out / "b.xlsx").active[1]]
    assert "EEC" in row[0] and row[1:] == [42, "=B1*2"]
    translated = (out / "c.po").read_text(encoding="utf-8")
    assert 'msgstr ""\n"Content-Type' in translated and "%s" in translated.split("msgstr")[-1]
