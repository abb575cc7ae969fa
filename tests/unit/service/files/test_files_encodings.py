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


# --- TIS-620 / Windows-874 only for plausible Thai; NUL anywhere (issue 12, point 7)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("café".encode("latin-1"), "café"),  # was decoded as TIS-620: "caf" + a tone mark
        ("café au lait, très bon\n".encode("latin-1"), "café au lait, très bon\n"),
        ("Привет мир, как дела у тебя".encode("cp1251"), "Привет мир, как дела у тебя"),
    ],
    ids=["latin1-cafe", "latin1-sentence", "cp1251"],
)
def test_non_thai_legacy_text_is_not_taken_for_tis620(data: bytes, text: str) -> None:
    decoded = decode_bytes(data)
    assert decoded.encoding != "cp874"
    assert decoded.text == text


@pytest.mark.parametrize(
    "data",
    [b"\xe8\xe9\xea\xeb", b"\xe8\xe9\xea\xeb" * 10, b"\xd1\xd4\xe8\xe9"],
    ids=["tone-marks-only", "tone-marks-repeated", "vowel-and-tone-marks"],
)
def test_implausible_thai_with_no_other_fit_is_an_unknown_encoding(data: bytes) -> None:
    with pytest.raises(DecodeError, match="unknown encoding"):
        decode_bytes(data)


@pytest.mark.parametrize(
    "text",
    ["น้ำ ผู้ใหญ่ เกี่ยว ฤดู ไม้ ก็ ไม่ ดีมาก ๆ ฯลฯ ๒๕๖๗ กำลัง", "สวัสดี", THAI],
)
def test_well_formed_thai_in_tis620_still_decodes(text: str) -> None:
    decoded = decode_bytes(text.encode("cp874"))
    assert (decoded.text, decoded.encoding) == (text, "cp874")


def test_a_rare_typo_in_a_long_legacy_thai_text_is_tolerated() -> None:
    text = "ข่าวเศรษฐกิจวันนี้ " * 40 + " ่ "  # one stray tone mark in 760 Thai characters
    assert decode_bytes(text.encode("cp874")).encoding == "cp874"


@pytest.mark.parametrize("offset", [0, 10, 64 * 1024 - 1, 64 * 1024, 200_000, -1])
def test_a_nul_byte_is_refused_wherever_it_is(offset: int) -> None:
    data = bytearray(("สวัสดีครับ " * 20_000).encode("utf-8"))
    data[offset] = 0
    with pytest.raises(DecodeError, match="binary file \\(NUL byte at offset"):
        decode_bytes(bytes(data))


def test_control_characters_after_the_first_64_kb_are_refused_too() -> None:
    data = ("สวัสดีครับ\n" * 10_000).encode("utf-8") + b"\x01\x02\x03" * 5_000
    with pytest.raises(DecodeError, match="binary file"):
        decode_bytes(data)
