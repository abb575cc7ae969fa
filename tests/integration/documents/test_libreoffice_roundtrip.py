# ruff: noqa: E501  (the HTML fixture is written as LibreOffice writes its own HTML)
"""A real office suite on both ends: LibreOffice makes documents from Thai text (bold, italic,
a link, a table, a header, a footer, a footnote; cells with numbers and a formula), thaimt
translates them with the tiny model, and LibreOffice reads each result back (as text or CSV):
same paragraphs and cells in the same order, every English term verbatim, numbers and formulas
untouched, formatted runs non-empty and still formatted. soffice starts slowly: each conversion
converts every file of one kind in one call, once per session."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from service.engine import Engine
from service.files.translator import LocalTranslator
from service.formats.opening import open_bytes
from service.formats.rounds import translation_rounds_sync
from service.pipeline import TranslateOptions

pytestmark = pytest.mark.slow
TERMS = ("Startup Digital Hub CLMVT", "Ms. Angel Zhao", "EEC")
HTML = """<html><head><meta charset="utf-8"><title>ข่าว</title></head><body>
<div title="header"><p>หัวกระดาษ ข่าวเศรษฐกิจ</p></div>
<h1>อาลีบาบา เปิด Startup Digital Hub CLMVT</h1>
<p>นาง <b>Ms. Angel Zhao</b> กล่าวว่า <i>โครงการ</i> นี้ช่วยธุรกิจไทย ดู <a href="https://example.com/">เว็บไซต์</a> ของ EEC<a class="sdfootnoteanc" name="sdfootnote1anc" href="#sdfootnote1sym"><sup>1</sup></a></p>
<table border="1"><tr><td>สินค้า</td><td>ราคา</td></tr><tr><td>ข้าวหอม</td><td>1250</td></tr></table>
<p>ผู้ประกอบการ <b>ไทย</b> จะได้รับการสนับสนุน</p>
<div id="sdfootnote1"><p><a class="sdfootnotesym" name="sdfootnote1sym" href="#sdfootnote1anc">1</a>ข้อมูลจากบริษัท</p></div>
<div title="footer"><p>ท้ายกระดาษ หน้า</p></div>
</body></html>
"""
CSV = "สินค้า,ราคา,จำนวน,รวม\nข้าวหอม EEC,1250,3,=B2*C2\nน้ำปลา,45.5,10,=B3*C3\n"


def soffice(outdir: Path, target: str, *files: Path) -> None:
    subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip


@pytest.fixture(scope="session")
def office(tmp_path_factory: pytest.TempPathFactory, tiny_backend) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    assert shutil.which("soffice"), "LibreOffice is needed (make install installs it)"
    root = tmp_path_factory.mktemp("office")
    (root / "news.html").write_text(HTML, encoding="utf-8")
    (root / "sheet.csv").write_text(CSV, encoding="utf-8")
    soffice(root, "docx:MS Word 2007 XML", root / "news.html")
    soffice(root, "odt:writer8", root / "news.html")
    soffice(root, "xlsx:Calc MS Excel 2007 XML", root / "sheet.csv")
    soffice(root, "ods", root / "sheet.csv")
    engine = Engine(tiny_backend, max_batch_size=16)
    translator = LocalTranslator(engine, TranslateOptions())
    out = root / "out"
    out.mkdir()
    for name in ("news.docx", "news.odt", "sheet.xlsx", "sheet.ods"):
        stem, kind = name.rsplit(".", 1)
        opened = open_bytes(kind, (root / name).read_bytes())
        rounds = translation_rounds_sync([opened.extracted], translator.translate_documents)
        first, second = rounds.first, rounds.fallbacks
        (out / f"{stem}-{kind}.{kind}").write_bytes(opened.extracted.rebuild(first[0], second[0]))
    texts = root / "text"
    soffice(texts, "txt:Text (encoded):UTF8", out / "news-docx.docx", out / "news-odt.odt")
    soffice(texts, "csv:Text - txt - csv (StarCalc):44,34,76", out / "sheet-xlsx.xlsx", out / "sheet-ods.ods")  # fmt: skip
    soffice(root / "source", "txt:Text (encoded):UTF8", root / "news.docx")
    return {"root": root, "out": out, "text": texts}


@pytest.mark.parametrize("name", ["news.docx", "news.odt"])
def test_writer_documents(office: dict[str, Path], name: str) -> None:
    source = (office["root"] / "source" / "news.txt").read_text(encoding="utf-8-sig")
    stem, kind = name.rsplit(".", 1)
    result = (office["text"] / f"{stem}-{kind}.txt").read_text(encoding="utf-8-sig")
    source_lines = [line for line in source.splitlines() if line.strip()]
    result_lines = [line for line in result.splitlines() if line.strip()]
    assert len(result_lines) == len(source_lines)
    for term in TERMS:
        assert term in result
    assert "1250" in result
    assert result != source  # translated (the tiny model's gibberish may itself hold Thai)


def test_word_runs_keep_their_formatting(office: dict[str, Path]) -> None:
    document = docx.Document(str(office["out"] / "news-docx.docx"))
    runs = [r for p in document.paragraphs for r in p.runs]
    bold = [r.text for r in runs if r.bold]
    assert any("Ms. Angel Zhao" in t for t in bold)
    texts = [t.text for r in runs for t in r._r.iter(qn("w:t"))]
    assert texts and all(texts)  # no empty text run
    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    assert header.strip() and header.strip() != "หัวกระดาษ ข่าวเศรษฐกิจ"


@pytest.mark.parametrize("name", ["sheet.xlsx", "sheet.ods"])
def test_sheets_numbers_and_formulas_untouched(office: dict[str, Path], name: str) -> None:
    stem, kind = name.rsplit(".", 1)
    text = (office["text"] / f"{stem}-{kind}.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert [len(r) for r in rows] == [4, 4, 4]
    assert [r[1:] for r in rows[1:]] == [["1250", "3", "3750"], ["45.5", "10", "455"]]
    assert "EEC" in rows[1][0]
