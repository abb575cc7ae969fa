"""Uploaded files before the model: format choice, decoding and extraction errors, names."""

from __future__ import annotations

import pytest

from service.http.errors import ApiError
from service.http.lifecycle import Size, check_size
from service.http.uploads import UploadOptions, choose_format, load_file
from service.settings import Settings


@pytest.mark.parametrize(
    ("filename", "asked", "chosen"),
    [
        ("a.txt", None, "txt"),
        ("A.HTML", None, "html"),
        ("notes.markdown", None, "md"),
        ("subs.srt", None, "srt"),
        ("rows.ndjson", None, "jsonl"),
        ("whatever.bin", "txt", "txt"),
    ],
)
def test_choose_format(filename: str, asked: str | None, chosen: str) -> None:
    assert choose_format(filename, asked) == chosen


@pytest.mark.parametrize(
    ("filename", "asked", "message"),
    [
        ("a.exe", None, "unsupported file type .exe"),
        ("a", None, "(none)"),
        ("a.txt", "doc", "doc"),
    ],
)
def test_choose_format_refuses(filename: str, asked: str | None, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        choose_format(filename, asked)
    assert caught.value.status == 400 and message in caught.value.message


def test_load_file_decodes_thai_legacy_and_keeps_crlf() -> None:
    loaded = load_file("a.txt", "สวัสดีครับ\r\nTop\r\n".encode("cp874"), "txt")
    assert loaded.opened.encoding == "cp874"
    assert loaded.opened.extracted.texts == ["สวัสดีครับ\nTop\n"]
    assert loaded.output_name == "a_en.txt"
    assert loaded.opened.extracted.rebuild(["Hello\nTop\n"]) == b"Hello\r\nTop\r\n"


@pytest.mark.parametrize(
    ("name", "data", "fmt", "message"),
    [
        ("e.txt", b"", "txt", "empty file"),
        ("b.txt", b"\x00\x01\x02", "txt", "binary"),
        ("j.jsonl", b'{"text": "a"}\nnot json', "jsonl", "line 2: invalid JSON"),
    ],
)
def test_load_file_refuses_with_the_reason(name: str, data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        load_file(name, data, fmt)
    assert caught.value.status == 400 and message in caught.value.message


def test_jsonl_fields_default_to_text() -> None:
    loaded = load_file("r.jsonl", '{"text": "แมว", "id": 1}\n{"title": "หมา"}'.encode(), "jsonl")
    assert loaded.opened.extracted.texts == ["แมว"]
    assert load_file(
        "r.jsonl", b'{"title": "x"}', "jsonl", UploadOptions(["title"])
    ).opened.extracted.texts == ["x"]


def test_output_names() -> None:
    assert load_file("dir/ข่าว.html", "<p>ก</p>".encode(), "html").output_name == "ข่าว_en.html"
    assert load_file("noext", "ก".encode(), "txt").output_name == "noext_en.txt"


def test_file_size_counts_terms_too() -> None:
    loaded = load_file("a.txt", ("ก" * 10).encode(), "txt")
    size = Size.of_file(loaded.characters + 2)
    assert check_size(size, Settings(max_chars_per_request=12)) == 12
    with pytest.raises(ApiError) as caught:
        check_size(size, Settings(max_chars_per_request=11))
    assert caught.value.status == 413
    assert "the file has 12 to translate" in caught.value.message
