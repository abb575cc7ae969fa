"""The format registry: one record per format, and every list of formats derived from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.cli.main import build_parser
from service.formats.base import FormatError
from service.formats.registry import (
    FORMATS,
    FormatRecord,
    format_name_for_path,
    format_names,
    get_format,
    media_type_for_path,
    register,
    supported_extensions,
)
from service.http.uploads import SUPPORTED_EXTENSIONS, choose_format

MADE_UP = FormatRecord("rst", "service.formats.txt", (".rst", ".rest"), "text/x-rst", "reST")


@pytest.fixture()
def made_up() -> Iterator[FormatRecord]:
    register(MADE_UP)
    try:
        yield MADE_UP
    finally:
        FORMATS.remove(MADE_UP)


def test_every_list_is_the_registry() -> None:
    assert format_names()[:5] == ("txt", "md", "html", "jsonl", "srt")
    assert {"docx", "pptx", "xlsx", "odt", "epub", "xliff", "po", "csv", "pdf"} <= set(
        format_names()
    )
    assert supported_extensions() == SUPPORTED_EXTENSIONS
    assert set(supported_extensions()) == {e for r in FORMATS for e in r.extensions}
    batch = build_parser()._subparsers._group_actions[0].choices["batch"]  # type: ignore[union-attr]
    [format_option] = [a for a in batch._actions if "--format" in a.option_strings]
    assert tuple(format_option.choices) == ("auto", *format_names())


def test_a_new_record_is_a_new_format_everywhere(made_up: FormatRecord) -> None:
    assert format_names()[-1] == "rst"
    assert format_name_for_path("docs/Guide.REST") == "rst"
    assert choose_format("guide.rst", None) == "rst"
    assert get_format("rst").extract("ข่าว\n").texts
    assert media_type_for_path("a.rst") == "text/x-rst; charset=utf-8"


def test_names_and_extensions_are_claimed_once(made_up: FormatRecord) -> None:
    with pytest.raises(ValueError, match="collides"):
        register(FormatRecord("rst2", "service.formats.txt", (".rst",), "text/plain", "again"))
    with pytest.raises(ValueError, match="lower case"):
        FormatRecord("x", "service.formats.txt", (".TXT",), "text/plain", "upper")


def test_unknown_names_and_extensions_say_what_there_is() -> None:
    with pytest.raises(FormatError, match="choose one of txt, md, html, jsonl, srt, csv"):
        get_format("rtf")
    with pytest.raises(FormatError, match="binary format"):
        get_format("docx")
    assert format_name_for_path("a.exe") is None
    assert media_type_for_path("a.exe") == "application/octet-stream"
    assert media_type_for_path("a.srt") == "application/x-subrip"
