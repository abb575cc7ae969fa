from __future__ import annotations

import pytest
from fmt_standins import shout

from service.formats.base import FormatError
from service.formats.registry import format_name_for_path, get_format

SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\nสวัสดีครับ\nทุกคน\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nขอบคุณ Bangkok\n\n"
    "3\n00:01:00,5 --> 00:01:02,25\nไทย\n"
)


def test_registry_by_extension():
    assert format_name_for_path("a/b.MD") == "md"
    assert format_name_for_path("x.htm") == "html"
    assert format_name_for_path("x.ndjson") == "jsonl"
    assert format_name_for_path("x.srt") == "srt"
    assert format_name_for_path("x.txt") == "txt"
    assert format_name_for_path("x.pdf") == "pdf"
    assert format_name_for_path("x.exe") is None


def test_txt_is_one_document():
    ex = get_format("txt").extract("บรรทัดหนึ่ง\n\nบรรทัดสอง\n")
    assert ex.texts == ["บรรทัดหนึ่ง\n\nบรรทัดสอง\n"]
    assert ex.rebuild(["one\n\ntwo\n"]) == "one\n\ntwo\n"


def test_srt_keeps_numbers_and_timings_byte_identical():
    ex = get_format("srt").extract(SRT)
    assert ex.texts == ["สวัสดีครับ\nทุกคน", "ขอบคุณ Bangkok", "ไทย"]
    out = ex.rebuild([shout(t) for t in ex.texts])
    src_lines, out_lines = SRT.split("\n"), out.split("\n")
    assert len(src_lines) == len(out_lines)
    for a, b in zip(src_lines, out_lines, strict=True):
        if a.isdigit() or "-->" in a or not a:
            assert a == b
        else:
            assert set(b) <= {"E", " "}


def test_srt_identity_rebuild_is_byte_identical():
    ex = get_format("srt").extract(SRT)
    assert ex.rebuild(ex.texts) == SRT


def test_srt_cue_never_gets_a_blank_line():
    ex = get_format("srt").extract(SRT)
    out = ex.rebuild(["a\n\nb", "c", "d"])
    assert "a\nb\n\n2\n" in out


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("1\n00:00:01 -> 00:00:02\nสวัสดี\n", 2),  # not a timing line
        ("สวัสดีครับ\nทุกคน\n", 1),  # no cue at all: used to come back unchanged, 0 segments
        ("1\n00:00:01,000 --> 00:00:02,000\nสวัสดี\n\nต่อ\n", 5),  # text outside any cue
        ("1\n00:00:01,000 --> 00:00:02,000\nก\n\n2\n", 6),  # a number without its timing
    ],
)
def test_malformed_srt_names_the_line(content: str, line: int) -> None:
    with pytest.raises(
        FormatError, match=f"^line {line}: expected a (subtitle number or a )?timing"
    ):
        get_format("srt").extract(content)


def test_srt_cue_numbers_are_optional_and_crlf_stays() -> None:
    content = "00:00:01,000 --> 00:00:02,000\r\nสวัสดี\r\nครับ\r\n\r\n"
    ex = get_format("srt").extract(content)
    assert ex.texts == ["สวัสดี\nครับ"]
    assert ex.rebuild(["hello\nthere"]) == "00:00:01,000 --> 00:00:02,000\r\nhello\r\nthere\r\n\r\n"
