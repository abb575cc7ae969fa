"""Every character of the input that is not translated comes back, in every format (issue 19,
point 1): the format round trip with arbitrary Unicode (Private Use characters, emoji, combining
marks, control characters, NUL, lone CR, trailing newlines), the translator an identity (the
file comes back byte for byte) or an echo that changes only Thai letters (every other character
comes back where it was).

The marker alphabet is all of Private Use: a Private Use character in the source is an item of
its own, never a marker of the format's, so it cannot be lost or pose as markup.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.formats.base import FormatOptions
from service.formats.markers import MAX_MARKERS, marker, marker_index
from service.formats.registry import get_format
from service.text.patterns import MARKUP
from tests.standins import rebuild_files

THAI = regex.compile(r"[\u0E00-\u0E7F]")
PRIVATE_USE = ["\ue000", "\ue001", "\uf8ff", "\U000f0000", "\U0010fffd"]
SPECIALS = [
    *PRIVATE_USE, "😀", "👨\u200d👩\u200d👧", "🇹🇭", "e\u0301", "\u0e49\u0e49", "\x00", "\x01",
    "\x1b", "\r", "\r\n", "\n", "\u2028", "\u200b", "\ufeff", "\t", "\xa0", " ", "  ",
]  # fmt: skip
WORDS = ["ไทย", "สวัสดี", "ราคา", "Price", "100", "A", "B", "ZX1", "&", "<", "Startup Digital Hub"]
piece = st.one_of(
    st.sampled_from(SPECIALS),
    st.sampled_from(WORDS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=4),
)
texts = st.lists(piece, max_size=12).map("".join)
no_break = texts.map(lambda t: regex.sub(r"[\r\n\u2028\u0085\u2029]", " ", t))
no_thai = texts.map(lambda t: THAI.sub("", t))
Translate = Callable[[list[str]], list[str]]


def identity(texts: list[str]) -> list[str]:
    return list(texts)


def echo(texts: list[str]) -> list[str]:
    """Thai letters become "E"; every other character (markers included) comes back as is."""
    return [THAI.sub("E", t) for t in texts]


def round_trip(fmt: str, content: str, translate: Translate, fields: tuple[str, ...] = ()) -> str:
    extracted = get_format(fmt, FormatOptions(fields)).extract(content)
    return str(rebuild_files([extracted], translate)[0])


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the exact examples of the issue


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_private_use_characters_on_a_line_without_thai_come_back(fmt: str) -> None:
    line = "Price \ue001 100 A\ue000B"
    content = f"<p>{line}</p>\n" if fmt == "html" else f"{line}\n"
    assert round_trip(fmt, content, identity) == content
    assert round_trip(fmt, content, echo) == content


@pytest.mark.parametrize(
    ("fmt", "template"),
    [
        ("xml", "<r><p>{}</p></r>\n"),
        ("csv", "a,{}\r\n"),
        ("tsv", "a\t{}\n"),
        ("po", 'msgid "{}"\nmsgstr ""\n'),
    ],
)
def test_private_use_characters_come_back_in_the_other_text_formats(
    fmt: str, template: str
) -> None:
    line = "Price \ue001 100 A\ue000B"
    copies = 2 if fmt == "po" else 1  # a PO file keeps its msgid beside the msgstr
    assert round_trip(fmt, template.format(line), echo).count(line) == copies
    thai = template.format("ราคา \ue001 100 ก\ue000ข")
    assert "EEEE \ue001 100 E\ue000E" in round_trip(fmt, thai, echo)


def test_private_use_characters_in_thai_text_come_back_where_the_translation_put_them() -> None:
    content = "<p>ราคา \ue001 100 บาท ก\ue000ข <b>ไทย</b></p>"
    out = round_trip("html", content, echo)
    assert out == "<p>EEEE \ue001 100 EEE E\ue000E <b>EEE</b></p>"
    md = round_trip("md", "ราคา \ue001 100 **ไทย\ue000**\n", echo)
    assert md == "EEEE \ue001 100 **EEE\ue000**\n"


def test_the_trailing_newline_of_an_html_file_stays_a_newline() -> None:
    for content in ("ข้อความ <b>x</b>\n", "<p>ไทย</p>\r\n", "ไทย\n\n", "<p>ไทย\n</p>\n"):
        assert round_trip("html", content, identity) == content
        assert round_trip("html", content, echo) == THAI.sub("E", content)


def test_html_whitespace_between_blocks_is_kept_as_written() -> None:
    content = "<div>\n    <p>ไทย</p>\r\n\t<p>ลาว</p>\n  </div>\n"
    assert round_trip("html", content, echo) == THAI.sub("E", content)


def test_the_whole_marker_alphabet_is_reserved_and_protected_by_the_pipeline() -> None:
    for char in PRIVATE_USE:
        assert marker_index(char) is not None
        assert MARKUP.fullmatch(char)  # the pipeline keeps each one exactly once
    for index in (0, 6399, 6400, MAX_MARKERS - 1):
        assert marker_index(marker(index)) == index and MARKUP.fullmatch(marker(index))
    assert MAX_MARKERS == 6400 + 65534 + 65534


# --- properties, per format


@SETTINGS
@given(texts)
def test_txt_comes_back(content: str) -> None:
    assert round_trip("txt", content, identity) == content
    assert round_trip("txt", content, echo) == THAI.sub("E", content)


@SETTINGS
@given(st.lists(texts, max_size=6).map("\n".join))
def test_markdown_comes_back(content: str) -> None:
    assert round_trip("md", content, identity) == content
    # Code spans, URLs and raw HTML are not translated: their Thai stays Thai.
    assert THAI.sub("E", round_trip("md", content, echo)) == THAI.sub("E", content)


@st.composite
def inline_html(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "text", "b", "a", "br", "code", "comment"]))
        if kind == "text":
            parts.append(html.escape(draw(texts), quote=False))
        elif kind in ("b", "a") and depth < 3:
            inner = draw(inline_html(depth + 1))
            parts.append(f"<b>{inner}</b>" if kind == "b" else f'<a href="/x">{inner}</a>')
        elif kind == "br":
            parts.append("<br>")
        elif kind == "code":
            parts.append(f"<code>{html.escape(draw(no_thai), quote=False)}</code>")  # kept
    return "".join(parts)


def _attr(value: str) -> str:
    return html.escape(value.replace('"', ""), quote=False)


html_documents = st.lists(
    st.one_of(
        inline_html(),
        inline_html().map(lambda s: f"<p>{s}</p>"),
        st.tuples(inline_html(), no_break).map(
            lambda p: f'<div title="{_attr(p[1])}">{p[0]}</div>'
        ),
    ),
    max_size=4,
).map("".join)


@SETTINGS
@given(html_documents)
def test_html_comes_back(content: str) -> None:
    # Our serialiser writes what the generator wrote (text escaped with &amp; &lt; &gt; only),
    # so the identity translation must give the file back byte for byte.
    assert round_trip("html", content, identity) == content
    out = round_trip("html", content, echo)
    # The echo changes Thai letters; inside a run of text that has Thai, HTML whitespace runs
    # become one space (what was handed out); every other character is where it was.
    squeeze = regex.compile(r"[ \t\n\r\f]+")
    assert squeeze.sub(" ", out) == squeeze.sub(" ", THAI.sub("E", content))
    for char in PRIVATE_USE:
        assert out.count(char) == content.count(char)


@st.composite
def jsonl_lines(draw: st.DrawFn) -> str:
    """A record with numbers that a JSON round trip would rewrite (1.0e5, -0.0, 1.10)."""
    value = {
        "id": draw(st.integers(-(10**20), 10**20)),
        "title": draw(texts),
        "tags": draw(st.lists(texts, max_size=3)),
        "meta": {"summary": draw(texts), "n": "@NUMBER@"},
        "other": draw(texts),
    }
    line = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return line.replace('"@NUMBER@"', draw(st.sampled_from(["1.0e5", "-0.0", "1.10"])))


@SETTINGS
@given(st.lists(jsonl_lines(), min_size=1, max_size=4))
def test_jsonl_comes_back(lines: list[str]) -> None:
    content = "\r\n".join(lines) + "\n"
    fields = ("title", "tags", "meta.summary")
    assert round_trip("jsonl", content, identity, fields) == content
    out = round_trip("jsonl", content, echo, fields).split("\r\n")
    for source, result in zip(lines, out, strict=True):
        before, after = json.loads(source), json.loads(result)
        assert after["title"] == THAI.sub("E", before["title"])
        assert after["tags"] == [THAI.sub("E", t) for t in before["tags"]]
        assert after["meta"]["summary"] == THAI.sub("E", before["meta"]["summary"])
        assert after["other"] == before["other"]  # not a field: untouched
        # every byte outside the translated strings is the source's (numbers as written)
        assert regex.sub(r'"(?:[^"\\]|\\.)*"', '""', result.rstrip("\n")) == regex.sub(
            r'"(?:[^"\\]|\\.)*"', '""', source
        )


@st.composite
def srt_files(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    cues = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        lines = draw(st.lists(no_break.filter(lambda t: t.strip()), min_size=1, max_size=3))
        timing = f"00:00:0{number},000 --> 00:00:0{number},900"
        cues.append(newline.join([str(number), timing, *lines]))
    return (newline * 2).join(cues) + newline


@SETTINGS
@given(srt_files())
def test_srt_comes_back(content: str) -> None:
    assert round_trip("srt", content, identity) == content
    assert round_trip("srt", content, echo) == THAI.sub("E", content)
