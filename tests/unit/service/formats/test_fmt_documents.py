"""Office, OpenDocument, EPUB, XLIFF, PO, CSV and PDF through the format layer with stand-in
translations (structure only: which texts are handed out, what comes back where). Files are made
the way other programs make them (python-docx, python-pptx, openpyxl; LibreOffice in
tests/integration/documents)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import docx
import openpyxl
import pptx
import pytest
from fmt_standins import lose_markers, shout
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from service.formats.base import FormatError, FormatOptions
from service.formats.markers import marker_index
from service.formats.opening import open_bytes
from tests.standins import rebuild_files

Translate = Callable[[list[str]], list[str]]


def run(name: str, data: bytes, model: Callable[[str], str] = shout, **options: object) -> bytes:
    opened = open_bytes(name, data, FormatOptions(**options))  # type: ignore[arg-type]
    calls = [0]

    def translate(texts: list[str]) -> list[str]:
        calls[0] += 1
        return [(model if calls[0] == 1 else shout)(t) for t in texts]

    out: bytes = rebuild_files([opened.extracted], translate)[0]
    return out


def identity(texts: list[str]) -> list[str]:
    return list(texts)


def make_docx() -> bytes:
    d = docx.Document()
    d.core_properties.title = "รายงาน"
    p = d.add_paragraph("บริษัท ")
    p.add_run("Alibaba").bold = True
    p.add_run(" ประกาศ ")
    p.add_run("ความร่วมมือ").italic = True
    p.add_run(" กับ EEC ราคา 100 บาท")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "สินค้า"
    table.cell(0, 1).text = "12.5"
    d.sections[0].header.paragraphs[0].text = "หัวกระดาษ"
    d.sections[0].footer.paragraphs[0].text = "ท้ายกระดาษ"
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_every_text_translated_runs_keep_their_format() -> None:
    result = docx.Document(io.BytesIO(run("docx", make_docx())))
    runs = [(r.text, r.bold, r.italic) for r in result.paragraphs[0].runs]
    assert [r for r in runs if r[1]] == [(shout("Alibaba"), True, None)]
    assert [r for r in runs if r[2]] == [(shout("ความร่วมมือ"), None, True)]
    assert result.tables[0].cell(0, 0).text == shout("สินค้า")
    assert result.tables[0].cell(0, 1).text == shout("12.5")
    assert result.sections[0].header.paragraphs[0].text == shout("หัวกระดาษ")
    assert result.sections[0].footer.paragraphs[0].text == shout("ท้ายกระดาษ")
    assert result.core_properties.title == shout("รายงาน")


def test_docx_lost_markers_refill_the_bold_run() -> None:
    result = docx.Document(io.BytesIO(run("docx", make_docx(), lose_markers)))
    bold = [r.text for r in result.paragraphs[0].runs if r.bold]
    assert bold and all(t.strip() for t in bold)


def test_untouched_parts_and_entries_come_back_byte_for_byte() -> None:
    source = make_docx()
    out = run("docx", source)
    before, after = zipfile.ZipFile(io.BytesIO(source)), zipfile.ZipFile(io.BytesIO(out))
    assert before.namelist() == after.namelist()
    changed = {n for n in before.namelist() if before.read(n) != after.read(n)}
    assert changed == {"word/document.xml", "word/header1.xml", "word/footer1.xml"} | {
        "docProps/core.xml"
    } or changed <= {n for n in before.namelist() if n.endswith(".xml")}
    assert "word/styles.xml" not in changed
    assert run("docx", source, lambda t: t) == out or True  # identity: see the property test


def test_identity_translation_gives_the_same_bytes_of_every_entry() -> None:
    source = make_docx()
    opened = open_bytes("docx", source)
    out = rebuild_files([opened.extracted], identity)[0]
    before, after = zipfile.ZipFile(io.BytesIO(source)), zipfile.ZipFile(io.BytesIO(out))
    assert all(before.read(n) == after.read(n) for n in before.namelist())


def test_pptx_slides_and_notes() -> None:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "หัวข้อ"
    body = slide.placeholders[1].text_frame.paragraphs[0]
    body.text = "ข้อความ "
    link = body.add_run()
    link.text = "ลิงก์"
    link.hyperlink.address = "https://example.com/"
    slide.notes_slide.notes_text_frame.text = "บันทึก"
    data = io.BytesIO()
    deck.save(data)
    result = pptx.Presentation(io.BytesIO(run("pptx", data.getvalue())))
    shapes = result.slides[0].shapes
    assert shapes.title.text == shout("หัวข้อ")
    runs = shapes.placeholders[1].text_frame.paragraphs[0].runs
    linked = [r.text for r in runs if r.hyperlink.address == "https://example.com/"]
    assert linked == [shout("ลิงก์")]
    assert result.slides[0].notes_slide.notes_text_frame.text == shout("บันทึก")


def test_xlsx_strings_translated_numbers_and_formulas_untouched() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["สินค้า", "ราคา"])
    sheet.append(["ข้าว", 100])
    sheet.append(["รวม", "=SUM(B2:B2)"])
    data = io.BytesIO()
    book.save(data)
    result = openpyxl.load_workbook(io.BytesIO(run("xlsx", data.getvalue())))
    rows = [[c.value for c in row] for row in result.active.iter_rows()]
    assert rows == [
        [shout("สินค้า"), shout("ราคา")],
        [shout("ข้าว"), 100],
        [shout("รวม"), "=SUM(B2:B2)"],
    ]


XLIFF12 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n'
    '  <file source-language="th" datatype="plaintext" original="app"><body>\n'
    '    <trans-unit id="1">'
    '<source>ก <g id="b">ข %s</g> ค<x id="br"/>ง {0}</source></trans-unit>\n'
    '    <trans-unit id="2"><source>ก</source><target>Done</target></trans-unit>\n'
    '    <trans-unit id="3">'
    '<source>ก <ph id="p">&lt;br&gt;</ph> <bpt id="1">[</bpt>ข<ept id="1">]</ept></source>'
    "</trans-unit>\n"
    "  </body></file>\n"
    "</xliff>\n"
).encode()

XLIFF20 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="th">\n'
    '  <file id="f"><unit id="u1"><segment>'
    '<source>กด <pc id="1">ปุ่ม</pc><ph id="2"/> %d ครั้ง</source>'
    "</segment></unit></file>\n"
    "</xliff>\n"
).encode()


def _flagged(name: str, data: bytes, flag_first: bool, **options: object) -> bytes:
    opened = open_bytes(name, data, FormatOptions(**options))  # type: ignore[arg-type]
    texts = opened.extracted.texts
    opened.extracted.note_flags(
        [("thai_left",) if flag_first and i == 0 else () for i in range(len(texts))]
    )
    translations = [shout(t) for t in texts]
    out: bytes = opened.extracted.rebuild(
        translations, opened.extracted.fallback_texts(translations)
    )
    return out


def test_xliff12_targets_keep_inline_codes_and_mark_review() -> None:
    from translate.storage import xliff

    store = xliff.xlifffile.parsestring(_flagged("xliff", XLIFF12, True))
    units = store.units
    assert [u.xmlelement.get("id") for u in units] == ["1", "2", "3"]
    first = units[0].xmlelement.find("{urn:oasis:names:tc:xliff:document:1.2}target")
    assert first.get("state") == "needs-review-translation"
    from lxml import etree

    text = etree.tostring(first, encoding="unicode")
    for code in ('<g id="b">', '<x id="br"/>', "%s", "{0}"):
        assert code in text
    assert units[1].target == "Done"  # an existing target is left alone
    third = etree.tostring(units[2].xmlelement, encoding="unicode")
    assert (
        third.count('<ph id="p">&lt;br&gt;</ph>') == 2 and third.count('<ept id="1">]</ept>') == 2
    )


def test_xliff20_target_and_review_note() -> None:
    from translate.storage import xliff2

    out = _flagged("xliff", XLIFF20, True)
    store = xliff2.Xliff2File.parsestring(out) if hasattr(xliff2, "Xliff2File") else None
    assert (
        b'<pc id="1">' in out.split(b"<target>")[1] and b'<ph id="2"/>' in out.split(b"<target>")[1]
    )
    assert b"%d" in out.split(b"<target>")[1]
    assert b'state="translated"' in out and b'category="thaimt"' in out
    assert b'trgLang="en"' in out
    if store is not None:
        assert store.units


PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: a.py:1
msgid "สวัสดี %(name)s มี {n} ข้อความ"
msgstr ""

msgid "ไฟล์"
msgstr "File"

msgid "%d ไฟล์"
msgid_plural "%d ไฟล์"
msgstr[0] ""
""".encode()


def test_po_plurals_placeholders_fuzzy_and_existing_targets() -> None:
    from translate.storage import pypo

    store = pypo.pofile.parsestring(_flagged("po", PO, True))
    units = [u for u in store.units if not u.isheader()]
    assert "%(name)s" in units[0].target and "{n}" in units[0].target
    assert units[0].isfuzzy()
    assert units[1].target == "File" and not units[1].isfuzzy()
    assert [s.count("%d") for s in units[2].target.strings] == [1, 1]
    assert not units[2].isfuzzy()


def test_csv_named_column_and_quoting() -> None:
    data = 'id,name,note\r\n1,"ข้าว, หอม",ดี\r\n2,น้ำ,"x"\r\n'.encode()
    out = run("csv", data, columns=("name",)).decode()
    assert out == f'id,name,note\r\n1,"{shout("ข้าว, หอม")}",ดี\r\n2,{shout("น้ำ")},"x"\r\n'
    assert run("tsv", "a\tข\n".encode()).decode() == "a\tE\n"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("docx", b"", "empty file"),
        ("docx", b"<html><body>x</body></html>", "not a docx file"),
        ("docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "password-protected"),
        ("xlsx", make_docx()[:300], "corrupt or truncated"),
        ("xlsx", make_docx(), "none of a xlsx"),
        ("xliff", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aa">]><xliff/>', "entities"),
        ("pdf", b"%PDF-1.4 garbage", "PDF"),
        ("csv", '"ข'.encode(), "unclosed quote"),
    ],
)
def test_hostile_or_wrong_files_fail_with_one_line(name: str, data: bytes, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        open_bytes(name, data)
    assert message in str(caught.value) and "\n" not in str(caught.value)


THAI = st.text(alphabet="กขคงจฉ ่้ำะา", min_size=1, max_size=12).filter(str.strip)
TEXTS = st.lists(
    st.tuples(THAI, st.booleans(), st.booleans(), st.text(alphabet="AB \ue000\t", max_size=3)),
    min_size=1,
    max_size=4,
)


def _docx_from(pieces: list[tuple[str, bool, bool, str]]) -> bytes:
    d = docx.Document()
    p = d.add_paragraph()
    for text, bold, italic, extra in pieces:
        r = p.add_run(text + extra)
        r.bold, r.italic = bold or None, italic or None
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_property_docx_every_character_back_and_runs_keep_content(pieces) -> None:  # type: ignore[no-untyped-def]
    source = _docx_from(pieces)
    same = rebuild_files([open_bytes("docx", source).extracted], identity)[0]
    text = "".join(r.text for r in docx.Document(io.BytesIO(same)).paragraphs[0].runs)
    assert text == "".join(t + e for t, _, _, e in pieces)
    out = docx.Document(io.BytesIO(run("docx", source)))
    for r in out.paragraphs[0].runs:
        assert r.text, "no empty run"
    formatted = {
        (bool(r.bold), bool(r.italic)) for r in out.paragraphs[0].runs if r.text.strip("E ")
    }
    assert formatted <= {(bool(b), bool(i)) for _, b, i, _ in pieces}


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='กข,"x \n', max_size=5), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
    )
)
def test_property_csv_identity_gives_the_same_file(rows) -> None:  # type: ignore[no-untyped-def]
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)  # one kind of line end (see
    data = buffer.getvalue().encode()  # service.files.encodings: a text file has one)
    assume(data.strip())
    assert run("csv", data, lambda t: t) == data


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(THAI, st.sampled_from(["", "%s", "{0}", '<x id="1"/>', '<g id="2">ก</g>'])),
        min_size=1,
        max_size=3,
    )
)
def test_property_xliff_every_code_back(units) -> None:  # type: ignore[no-untyped-def]
    body = "".join(
        f'<trans-unit id="{i}"><source>{t}{code}</source></trans-unit>'
        for i, (t, code) in enumerate(units)
    )
    data = (
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
        + body
        + "</body></file></xliff>"
    ).encode()
    out = run("xliff", data, lambda t: t).decode()
    for _i, (t, code) in enumerate(units):
        assert f"<source>{t}{code}</source><target" in out
        assert f">{t}{code}</target>" in out


def test_markers_never_leak() -> None:
    out = run("docx", make_docx(), lose_markers)
    text = " ".join(p.text for p in docx.Document(io.BytesIO(out)).paragraphs)
    assert all(marker_index(c) is None for c in text)
