from __future__ import annotations

import codecs
import random

import pytest

from service.files.encodings import DecodeError, decode_bytes


def _random_high_bytes(n: int) -> bytes:
    rng = random.Random(1)
    return bytes(rng.randrange(0x80, 256) for _ in range(n))


THAI = "สวัสดีครับ นี่คือการทดสอบภาษาไทย Startup Digital Hub 2024\nบรรทัดที่สอง\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (THAI.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + THAI.encode("utf-8"), "utf-8-sig"),
        (THAI.encode("tis-620"), "cp874"),
        (THAI.encode("cp874"), "cp874"),
        (THAI.encode("utf-16"), "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "tis620", "cp874", "utf16-bom"],
)
def test_thai_text_decodes_to_the_same_string(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.text == THAI
    assert decoded.encoding == encoding


def test_short_legacy_thai_is_not_mistaken_for_a_latin_code_page():
    assert decode_bytes("สวัสดี".encode("cp874")).text == "สวัสดี"


def test_crlf_is_normalised_and_restored():
    decoded = decode_bytes(THAI.replace("\n", "\r\n").encode())
    assert decoded.text == THAI and decoded.newline == "\r\n"
    assert decoded.restore_newlines("a\nb") == "a\r\nb"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \n\t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (bytes(range(1, 32)) * 20, "binary file"),
        ("ภาษาไทย ข้อความ".encode()[:-1] + b" abc ok", "invalid UTF-8 at byte"),
        (_random_high_bytes(400), "undecodable"),
    ],
    ids=["empty", "blank", "png", "control-chars", "broken-utf8", "random-high-bytes"],
)
def test_unusable_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode_bytes(data)


def test_other_text_encodings_still_decode():
    assert (
        decode_bytes("Grüße aus München, schön".encode("latin-1")).text
        == "Grüße aus München, schön"
    )
