"""The XML format (DeepL's tag_handling=xml) with stand-in translations: which elements are
sentences of their own, which join the sentence around them, what is copied as it is; and, as
properties, that markup and untranslated text come back whole and inline elements keep text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from fmt_standins import lose_markers, reverse, shout
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from service.formats.base import FormatError, FormatOptions, TagOptions
from service.formats.registry import format_name_for_path, get_format
from tests.standins import rebuild_files

Translate = Callable[[str], str]


def xml_format(**tags: object) -> object:
    return get_format("xml", FormatOptions(tags=TagOptions(**tags)))  # type: ignore[arg-type]


def run(xml: str, stand_in: Translate = shout, **tags: object) -> tuple[list[str], str]:
    extracted = xml_format(**tags).extract(xml)  # type: ignore[attr-defined]
    texts = list(extracted.texts)
    return texts, rebuild_files([extracted], lambda batch: [stand_in(t) for t in batch])[0]


def visible(text: str) -> str:
    return "".join(c for c in text if not 0xE000 <= ord(c) <= 0xF8FF)


@pytest.mark.parametrize(
    ("xml", "tags", "sentences"),
    [
        ("<doc><p>หนึ่ง</p><p>สอง</p></doc>", {}, ["หนึ่ง", "สอง"]),  # blocks
        ("<p>ราคา <b>ถูก</b> มาก</p>", {}, ["ราคา \ue000ถูก\ue001 มาก"]),  # mixed content: inline
        ("ข้อความ <x/> ต่อ", {}, ["ข้อความ \ue000 ต่อ"]),  # a fragment; an empty element
        ("<doc><p>หนึ่ง</p><p>สอง</p></doc>", {"non_splitting": {"p"}},
         ["\ue000หนึ่ง\ue001\ue002สอง\ue003"]),
        ("<p>ราคา <b>ถูก</b> มาก</p>", {"splitting": {"b"}}, ["ราคา", "ถูก", "มาก"]),
        ("<d><a>หนึ่ง</a><a>สอง</a></d>", {"outline_detection": False},
         ["\ue000\ue001หนึ่ง\ue002\ue003สอง\ue004\ue005"]),  # one sentence, d included
        ("<p>ชื่อ <code>ห้าม แปล</code> จบ</p>", {"ignore": {"code"}}, ["ชื่อ \ue000 จบ"]),
        ("<p>ก<!-- note --><?pi x?>ข</p>", {}, ["ก\ue000\ue001ข"]),  # comments, PIs: opaque
        ("<doc attr='ไทย'><code>ไม่</code></doc>", {"ignore": {"code"}}, []),  # attributes kept
    ],
)  # fmt: skip
def test_what_is_a_sentence(xml: str, tags: dict[str, object], sentences: list[str]) -> None:
    texts, _ = run(xml, **tags)
    assert texts == sentences


def test_inline_tags_come_back_on_the_translated_words(stand_in: Translate) -> None:
    _, out = run('<p>ราคา <b class="x">ถูก <i>มาก</i></b> นะ</p>', stand_in)
    root = etree.fromstring(out)
    assert root.find("b").get("class") == "x"
    assert set(root.find("b").text or "") <= {"E", " "} and root.find("b/i").text.strip()


def test_ignored_content_declaration_and_doctype_come_back_as_written() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE doc>\n'
        '<doc><p>ข่าว <code a="1">ก &amp; ข <i>ค</i></code></p><!-- ไม่แปล --></doc>'
    )
    _, out = run(xml, ignore={"code"})
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE doc>\n<doc>')
    assert '<code a="1">ก &amp; ข <i>ค</i></code>' in out and "<!-- ไม่แปล -->" in out
    assert "ข่าว" not in out


def test_an_element_whose_markers_were_lost_is_refilled() -> None:
    _, out = run("<p>ราคา <b>ถูก</b> มาก</p>", lose_markers)
    assert etree.fromstring(out).find("b").text == "EEE"  # its own text, translated on its own


@pytest.mark.parametrize(
    "bad", ["<p>unclosed", "<a>&nbsp;</a>", '<!DOCTYPE d [<!ENTITY e "x">]><d>&e;</d>']
)
def test_xml_that_cannot_be_read_is_a_format_error(bad: str) -> None:
    with pytest.raises(FormatError):
        xml_format().extract(bad)  # type: ignore[attr-defined]


def test_xml_files_are_a_registered_format() -> None:
    assert format_name_for_path("feed.xml") == "xml"


THAI = st.text(alphabet="กขคงจฉชซ ", min_size=1, max_size=8)
NAMES = st.sampled_from(["a", "b", "p", "x", "code"])


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> str:
    """A random fragment: Thai text and nested elements, some empty."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 3 and draw(st.booleans()):
            name = draw(NAMES)
            inner = draw(fragments(depth + 1)) if draw(st.booleans()) else ""
            parts.append(f"<{name}>{inner}</{name}>" if inner else f"<{name}/>")
        else:
            parts.append(draw(THAI))
    return "".join(parts)


def structure(xml: str) -> Counter[tuple[str, str, str]]:
    """Every element with its parent and its ignored content, if any. (Their order may change
    within a sentence: an inline element goes where the translation puts it.)"""
    root = etree.fromstring(f"<r>{xml}</r>")
    return Counter(
        (e.tag, e.getparent().tag, etree.tostring(e, encoding="unicode", with_tail=False)
         if e.tag == "code" else "")
        for e in root.iter() if e.tag != "r"
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(fragments(), st.booleans())
def test_markup_and_ignored_content_always_come_back(xml: str, reversed_: bool) -> None:
    _, out = run(xml, reverse if reversed_ else shout, ignore={"code"})
    assert structure(out) == structure(xml)  # every element in its parent; code verbatim


@settings(max_examples=150, deadline=None)
@given(fragments())
def test_an_identity_translation_gives_the_same_xml(xml: str) -> None:
    _, out = run(xml, lambda text: text)
    canonical = etree.tostring(etree.fromstring(f"<r>{xml}</r>"), encoding="unicode")
    assert etree.tostring(etree.fromstring(f"<r>{out}</r>"), encoding="unicode") == canonical
    assert visible(out) == out
