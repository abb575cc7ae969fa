"""HTML inline elements whose markers the model lost get their own text translated on its own
(issue 12, point 8): never an empty <b> or an invisible link where the source had text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup, Tag
from fmt_standins import lose_markers, move_text_out, shout

from service.formats.html import INLINE_TAGS
from service.formats.markers import marker_index
from service.formats.registry import get_format
from tests.standins import translate_html

SOURCES = [
    "<p>ผม <b>กวิน</b> ไปโรงเรียน</p>",
    '<p>อ่าน <a href="/x">ข่าวล่าสุด</a> ที่นี่</p>',
    '<p>นาย <a href="/x"><b>สมคิด</b> กล่าว</a><br>ว่า <i>ดี</i></p>',
    "<p><span>ก<em>ข<strong>ค</strong></em></span> ง <code>x</code></p>",
    '<p>ดู <a href="/a"><img src="i.png"> ภาพ</a> และ <b></b> ว่าง</p>',
]


def tags(html: str) -> list[tuple[str, dict[str, object]]]:
    return [(t.name, dict(t.attrs)) for t in BeautifulSoup(html, "html.parser").find_all(True)]


def inline_elements(html: str) -> list[Tag]:
    soup = BeautifulSoup(html, "html.parser")
    return [t for t in soup.find_all(True) if t.name in INLINE_TAGS and not t.is_empty_element]


class Recording:
    """A stand-in model (``first`` for the sentences, shout for the fallback round) that keeps
    every batch it was asked for."""

    def __init__(self, first: Callable[[str], str]) -> None:
        self.first = first
        self.batches: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[str]:
        self.batches.append(list(texts))
        return [(self.first if len(self.batches) == 1 else shout)(t) for t in texts]


@pytest.mark.parametrize("model", [lose_markers, move_text_out], ids=["lost", "emptied"])
@pytest.mark.parametrize("html", SOURCES)
def test_an_element_that_lost_its_text_gets_its_own_translation(
    html: str, model: Callable[[str], str]
) -> None:
    recording = Recording(model)
    out = translate_html(html, recording)
    assert tags(out) == tags(html)  # same tags, same attributes, same order
    for source, result in zip(inline_elements(html), inline_elements(out), strict=True):
        if source.get_text().strip():
            assert result.get_text().strip(), (source, result)
            assert set(result.get_text().replace(" ", "")) == {"E"}  # translated, not source
        else:
            assert not result.get_text().strip()
    assert len(recording.batches) == 2  # the fallback round went through the same callable
    assert all(marker_index(c) is None for t in recording.batches[1] for c in t)


def test_fallback_texts_are_the_lost_elements_own_text_pieces() -> None:
    ex = get_format("html").extract('<p>นาย <a href="/x"><b>สมคิด</b> กล่าว</a> ว่า</p>')
    first = [lose_markers(t) for t in ex.texts]
    assert ex.fallback_texts(first) == ["สมคิด", "กล่าว"]
    out = ex.rebuild(first, ["Somkit", "said"])
    assert '<a href="/x"><b>Somkit</b> said</a>' in out


def test_no_fallback_round_when_the_markers_came_back() -> None:
    ex = get_format("html").extract("<p>ผม <b>กวิน</b> ไป</p>")
    translations = [shout(t) for t in ex.texts]
    assert ex.fallback_texts(translations) == []
    assert ex.rebuild(translations) == "<p>EE <b>EEEE</b> EE</p>"


def test_an_empty_fallback_translation_keeps_the_source_text() -> None:
    ex = get_format("html").extract("<p>ผม <b>กวิน</b> ไป</p>")
    first = [lose_markers(t) for t in ex.texts]
    assert "<b>กวิน</b>" in ex.rebuild(first, ["  "])


def test_rebuild_refuses_missing_fallback_translations() -> None:
    ex = get_format("html").extract("<p>ผม <b>กวิน</b> ไป</p>")
    with pytest.raises(ValueError, match="expected 1 fallback translations, got 0"):
        ex.rebuild([lose_markers(t) for t in ex.texts])


def test_an_element_moved_outside_its_lost_parent_is_not_duplicated() -> None:
    # <a> lost its text, its child <b> was put after it by the model: the <a> is refilled from
    # the source (with its <b>), and the <b>'s translated words stay as plain text.
    html = '<p>นาย <a href="/x"><b>สมคิด</b> กล่าว</a> ว่า</p>'
    ex = get_format("html").extract(html)
    sentence = ex.texts[0]
    a_open, b_open, b_close, a_close = (c for c in sentence if marker_index(c) is not None)
    first = [f"Mr {a_open}{a_close} {b_open}Somkit{b_close} said"]
    assert ex.fallback_texts(first) == ["สมคิด", "กล่าว"]
    out = ex.rebuild(first, ["Somkit", "speaks"])
    assert tags(out) == tags(html)
    assert out == '<p>Mr <a href="/x"><b>Somkit</b> speaks</a> Somkit said</p>'
