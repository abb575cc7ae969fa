"""Formatting a reader sees on Thai text stays visible on its English translation (Word and
OpenDocument keep separate bold/italic/size for complex scripts), and XHTML stays XML."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from fmt_standins import shout
from lxml import etree

from service.formats.html import HtmlFormat
from service.formats.opening import open_bytes
from tests.standins import rebuild_files


def _translated(name: str, data: bytes) -> bytes:
    opened = open_bytes(name, data)
    out: bytes = rebuild_files([opened.extracted], lambda ts: [shout(t) for t in ts])[0]
    return out


def _docx_with_complex_runs() -> bytes:
    d = docx.Document()
    p = d.add_paragraph("บริษัท ")
    thai = p.add_run("ความร่วมมือ")
    thai._r.get_or_add_rPr().append(thai._r.makeelement(qn("w:iCs"), {}))
    p.add_run(" กับ ")
    latin = p.add_run("Alibaba")
    latin._r.get_or_add_rPr().append(latin._r.makeelement(qn("w:bCs"), {}))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_word_complex_script_italic_becomes_latin_italic_on_thai_runs_only() -> None:
    result = docx.Document(io.BytesIO(_translated("docx", _docx_with_complex_runs())))
    runs = result.paragraphs[0].runs
    italic = [r for r in runs if r.italic]
    assert [r.text for r in italic] == [shout("ความร่วมมือ")]
    props = [child.tag for child in italic[0]._r.rPr]
    assert props.index(qn("w:i")) < props.index(qn("w:iCs"))  # the schema's order
    # A complex-script property on Latin text never showed: it does not start to.
    assert not any(r.bold for r in runs)


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles><style:style style:name="T1" style:family="text"><style:text-properties
 style:font-style-complex="italic"/></style:style></office:automatic-styles>
<office:body><office:text>
<text:p>นาง <text:span text:style-name="T1">โครงการ</text:span> ไทย</text:p>
<text:p>Keep <text:span text:style-name="T1">EEC</text:span></text:p></office:text></office:body>
</office:document-content>"""


def _odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        z.writestr("content.xml", ODT_CONTENT)
    return out.getvalue()


def test_odf_span_from_thai_gets_a_latin_twin_style_the_source_style_stays() -> None:
    content = zipfile.ZipFile(io.BytesIO(_translated("odt", _odt()))).read("content.xml")
    root = etree.fromstring(content)
    ns = {
        "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    }
    spans = root.findall(".//text:span", ns)
    names = [s.get(f"{{{ns['text']}}}style-name") for s in spans]
    assert names == ["T1_latin", "T1"]  # the Latin-only paragraph is left as it was
    latin = root.find(".//style:style[@style:name='T1_latin']/style:text-properties", ns)
    source = root.find(".//style:style[@style:name='T1']/style:text-properties", ns)
    assert latin is not None and latin.get(f"{{{ns['fo']}}}font-style") == "italic"
    assert source is not None and source.get(f"{{{ns['fo']}}}font-style") is None


def test_xhtml_stays_xml_html_stays_html() -> None:
    page = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        '<head><link href="a.css" rel="stylesheet"/></head>'
        '<body><p>ข่าว<br/>ไทย <input disabled="disabled"/></p></body></html>'
    )
    html = HtmlFormat().extract(page)
    rebuilt = html.rebuild([shout(t) for t in html.texts], [])
    etree.fromstring(rebuilt.encode())  # well-formed
    assert "<br/>" in rebuilt and '<link href="a.css" rel="stylesheet"/>' in rebuilt
    plain = HtmlFormat().extract("<p>ข่าว<br>ไทย</p>")
    assert plain.rebuild([shout(t) for t in plain.texts], []) == "<p>EEEE<br>EEE</p>"
