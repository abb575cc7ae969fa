"""Documents through a real ``thaimt serve`` (tiny model): a .docx comes back as a .docx
(base64 in /v1/translate/file, a download through /translate_file), and hostile files get a
one-line 4xx each while the server keeps serving."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib

import docx
import httpx
import msoffcrypto.format.ooxml
import openpyxl
import pytest
from serverkit import Server


def _docx(text: str = "บริษัท Startup Digital Hub CLMVT ประกาศ") -> bytes:
    d = docx.Document()
    p = d.add_paragraph("ข่าว ")
    p.add_run(text).bold = True
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _post(server: Server, name: str, data: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/translate/file", files={"file": (name, data)}, timeout=120)


def test_a_docx_comes_back_as_a_docx_with_its_terms(web_server: Server) -> None:
    response = _post(web_server, "ข่าว.docx", _docx())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filename"] == "ข่าว_en.docx" and body["content_encoding"] == "base64"
    assert body["media_type"].endswith("wordprocessingml.document")
    result = docx.Document(io.BytesIO(base64.b64decode(body["content"])))
    bold = [r.text for r in result.paragraphs[0].runs if r.bold]
    assert bold and all(t.strip() for t in bold)
    assert "Startup Digital Hub CLMVT" in result.paragraphs[0].text
    libre = httpx.post(
        f"{web_server.url}/translate_file",
        data={"source": "th", "target": "en"},
        files={"file": ("a.docx", _docx())},
        timeout=120,
    )
    assert libre.status_code == 200, libre.text
    got = httpx.get(libre.json()["translatedFileUrl"], timeout=60)
    assert got.status_code == 200 and got.content.startswith(b"PK")


def _zip_bomb() -> bytes:
    """A small .docx whose one entry unpacks to over 1 GB (deflated zeros, written in a stream)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1 << 20)
            for _ in range(1100):
                entry.write(chunk)
    return out.getvalue()


def _encrypted() -> bytes:
    plain, encrypted = io.BytesIO(_docx()), io.BytesIO()
    office = msoffcrypto.format.ooxml.OOXMLFile(plain)
    office.encrypt("secret", encrypted)
    return encrypted.getvalue()


def _truncated_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["ข้าว", 1])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()[: len(out.getvalue()) // 2]


def _scanned_pdf() -> bytes:
    """A one-page PDF whose only content is an image (no text layer), written by hand."""
    pixels = zlib.compress(b"\x80" * 16)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(pixels)
        + pixels
        + b"\nendstream",
        b"<< /Length 30 >>\nstream\nq 100 0 0 100 0 0 cm /Im1 Do Q\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
    b'<trans-unit id="1"><source>&d;</source></trans-unit></body></file></xliff>'
)


@pytest.mark.parametrize(
    ("name", "make", "status", "words"),
    [
        ("bomb.docx", _zip_bomb, 413, "zip bomb"),
        ("laughs.xlf", lambda: BILLION_LAUGHS, 400, "entities"),
        ("locked.docx", _encrypted, 400, "password-protected"),
        ("cut.xlsx", _truncated_xlsx, 400, "corrupt or truncated"),
        ("scan.pdf", _scanned_pdf, 400, "scanned PDF: no text layer; OCR it first"),
        ("empty.docx", lambda: b"", 400, "empty file"),
        ("page.docx", lambda: "<html><body><p>ข่าว</p></body></html>".encode(), 400, "not a docx"),
    ],
)
def test_hostile_files_get_one_line_and_the_server_keeps_serving(
    web_server: Server, name: str, make, status: int, words: str
) -> None:  # type: ignore[no-untyped-def]
    data = make()
    response = _post(web_server, name, data)
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert words in message and "\n" not in message
    ok = httpx.post(f"{web_server.url}/v1/translate", json={"text": "สวัสดี"}, timeout=60)
    assert ok.status_code == 200
