# ruff: noqa: E501  (the HTML fixture is written as LibreOffice writes its own HTML)
"""A real office suite on both ends: LibreOffice makes documents from Thai text (bold, italic,
a link, a table, a header, a footer, a footnote; cells with numbers and a formula; slides with
speaker notes; an EPUB and a PDF exported from the Word document), thaimt translates them
with the tiny model, and LibreOffice reads each result back (as text, CSV or flat XML): same
paragraphs, cells and slides in the same order, every English term verbatim, numbers and
formulas untouched, formatted runs non-empty and still formatted. (LibreOffice cannot open an
EPUB: that result is checked as a package with lxml.) soffice starts slowly: each conversion
converts every file of one kind in one call, once per session."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

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
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
}
# Slides as Impress's flat XML: a title and a body per slide, bold and italic spans, notes.
_FRAME = '<draw:frame presentation:class="{0}" svg:x="1cm" svg:y="{1}cm" svg:width="20cm" svg:height="5cm"><draw:text-box>{2}</draw:text-box></draw:frame>'
_SLIDES = [
    (
        "<text:p>อาลีบาบา เปิด Startup Digital Hub CLMVT</text:p>",
        '<text:p>นาง <text:span text:style-name="T1">Ms. Angel Zhao</text:span> กล่าวว่า <text:span text:style-name="T2">โครงการ</text:span> นี้ช่วยธุรกิจไทย</text:p><text:p>ราคา 1250 บาท ใน EEC</text:p>',
        "<text:p>บันทึกผู้พูด สไลด์แรก เกี่ยวกับ EEC</text:p>",
    ),
    (
        "<text:p>ผู้ประกอบการ ไทย</text:p>",
        '<text:p>จะได้รับการสนับสนุนจาก <text:span text:style-name="T1">Ms. Angel Zhao</text:span></text:p>',
        "<text:p>บันทึกผู้พูด สไลด์ที่สอง</text:p>",
    ),
]
FODP = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document '
    + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    + ' office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">'
    '<office:automatic-styles><style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
    '<style:style style:name="T2" style:family="text"><style:text-properties style:font-style-complex="italic"/></style:style></office:automatic-styles>'
    "<office:body><office:presentation>"
    + "".join(
        f'<draw:page draw:name="page{n}">{_FRAME.format("title", 1, title)}{_FRAME.format("outline", 6, body)}'
        f"<presentation:notes>{_FRAME.format('notes', 12, notes)}</presentation:notes></draw:page>"
        for n, (title, body, notes) in enumerate(_SLIDES, 1)
    )
    + "</office:presentation></office:body></office:document>"
)


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
    (root / "slides.fodp").write_text(FODP, encoding="utf-8")
    soffice(root, "docx:MS Word 2007 XML", root / "news.html")
    soffice(root, "odt:writer8", root / "news.docx")  # from .html: a Writer/Web document
    soffice(root, "xlsx:Calc MS Excel 2007 XML", root / "sheet.csv")
    soffice(root, "ods", root / "sheet.csv")
    soffice(root, "odp:impress8", root / "slides.fodp")
    soffice(root, "pptx:Impress MS PowerPoint 2007 XML", root / "slides.fodp")
    soffice(root, "epub", root / "news.docx")
    soffice(root, "pdf:writer_pdf_Export", root / "news.docx")
    engine = Engine(tiny_backend, max_batch_size=16)
    translator = LocalTranslator(engine, TranslateOptions())
    out = root / "out"
    out.mkdir()
    for name in ("news.docx", "news.odt", "sheet.xlsx", "sheet.ods", "slides.odp", "slides.pptx", "news.epub", "news.pdf"):  # fmt: skip
        stem, kind = name.rsplit(".", 1)
        opened = open_bytes(kind, (root / name).read_bytes())
        rounds = translation_rounds_sync([opened.extracted], translator.translate_documents)
        first, second = rounds.first, rounds.fallbacks
        suffix = opened.output_suffix or f".{kind}"
        (out / f"{stem}-{kind}{suffix}").write_bytes(opened.extracted.rebuild(first[0], second[0]))
    texts = root / "text"
    soffice(texts, "txt:Text (encoded):UTF8", out / "news-docx.docx", out / "news-odt.odt", out / "news-pdf.docx")  # fmt: skip
    soffice(texts, "csv:Text - txt - csv (StarCalc):44,34,76", out / "sheet-xlsx.xlsx", out / "sheet-ods.ods")  # fmt: skip
    soffice(texts, "fodp", out / "slides-odp.odp", out / "slides-pptx.pptx")
    soffice(texts, "fodt", out / "news-docx.docx", out / "news-odt.odt")
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
    # LibreOffice makes the Thai word italic with <w:iCs/> only (complex script); its English
    # translation carries <w:i/>, the italic a reader sees on Latin text.
    italic = [r.text for r in runs if r.italic]
    assert italic and all(t.strip() for t in italic)
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


def _styled(root: etree._Element, attribute: str, value: str) -> list[str]:
    """Texts of the spans whose automatic style sets ``attribute`` (fo:...) to ``value``."""
    name = f"{{{NS['style']}}}name"
    wanted = {
        style.get(name)
        for style in root.iterfind(".//office:automatic-styles/style:style", NS)
        for props in style.iterfind("style:text-properties", NS)
        if props.get(f"{{{NS['fo']}}}{attribute}") == value
    }
    return [
        "".join(span.itertext())
        for span in root.iter(f"{{{NS['text']}}}span")
        if span.get(f"{{{NS['text']}}}style-name") in wanted
    ]


@pytest.mark.parametrize("name", ["news-docx.fodt", "news-odt.fodt"])
def test_writer_formatting_as_libreoffice_reads_it(office: dict[str, Path], name: str) -> None:
    """LibreOffice's own reading of each result: the bold name and the (complex-script only,
    in the source) italic word are bold and italic for Latin text, and never empty."""
    root = etree.parse(str(office["text"] / name)).getroot()
    bold = _styled(root, "font-weight", "bold")
    italic = _styled(root, "font-style", "italic")
    assert any("Ms. Angel Zhao" in t for t in bold)
    assert italic and all(t.strip() for t in bold + italic)


def _slides(path: Path) -> list[tuple[list[str], list[str]]]:
    """Per slide: the paragraphs of its shapes and of its notes, in order."""
    root = etree.parse(str(path)).getroot()
    slides = []
    for page in root.iter(f"{{{NS['draw']}}}page"):
        body, notes = [], []
        for shape in page:
            into = notes if shape.tag == f"{{{NS['presentation']}}}notes" else body
            into += ["".join(p.itertext()) for p in shape.iter(f"{{{NS['text']}}}p")]
        slides.append((body, notes))
    return slides


@pytest.mark.parametrize("name", ["slides-odp.fodp", "slides-pptx.fodp"])
def test_presentations_slides_and_notes(office: dict[str, Path], name: str) -> None:
    source = _slides(office["root"] / "slides.fodp")
    result = _slides(office["text"] / name)
    assert [(len(b), len(n)) for b, n in result] == [(len(b), len(n)) for b, n in source]
    for (body, notes), (source_body, source_notes) in zip(result, source, strict=True):
        for text, original in zip(body + notes, source_body + source_notes, strict=True):
            assert all(term in text for term in TERMS if term in original)
            assert text.strip() and text != original
    root = etree.parse(str(office["text"] / name)).getroot()
    assert any("Ms. Angel Zhao" in t for t in _styled(root, "font-weight", "bold"))
    italic = _styled(root, "font-style", "italic")
    assert italic and all(t.strip() for t in italic)


def test_epub_from_libreoffice_stays_a_valid_package(office: dict[str, Path]) -> None:
    source = zipfile.ZipFile(office["root"] / "news.epub")
    result = zipfile.ZipFile(office["out"] / "news-epub.epub")
    assert result.namelist() == source.namelist()
    first = result.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    chapters = [n for n in source.namelist() if n.endswith(".xhtml") and "sections/" in n]
    assert chapters
    for chapter in chapters:
        before = etree.fromstring(source.read(chapter))
        after = etree.fromstring(result.read(chapter))  # well-formed XHTML
        assert [e.tag for e in after.iter()] == [e.tag for e in before.iter()]
        text = "".join(after.itertext())
        assert all(term in text for term in TERMS)
        assert "".join(before.itertext()) != text


def test_pdf_from_libreoffice_becomes_a_docx_libreoffice_reads(office: dict[str, Path]) -> None:
    text = (office["text"] / "news-pdf.txt").read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) >= 6  # header, heading, paragraphs, table cells, footnote, footer
    for term in TERMS:
        assert term in text
    assert "1250" in lines
