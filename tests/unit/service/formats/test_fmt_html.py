# ruff: noqa: E501  (the HTML sample keeps its long lines on purpose)
from __future__ import annotations

import sys

from bs4 import BeautifulSoup, Comment, NavigableString
from fmt_standins import shout

from service.formats.html import TRANSLATED_ATTRIBUTES
from service.formats.registry import get_format
from tests.standins import translate_html

PAGE = """<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8"><title>หัวเรื่องข่าว</title>
<meta name="description" content="คำอธิบายหน้า"><meta name="keywords" content="ไม่แปล">
<style>p::before { content: "ไทย"; }</style><script>var s = "ไทย <b>";</script></head>
<body>
<nav aria-label="เมนูหลัก"><a href="/">หน้าแรก</a> &gt; <a href="/news">ข่าว</a></nav>
<p class="lead">นายสมคิด <b>เผยว่า <i>ผู้บริหาร</i></b> <a href="http://x.com/ไทย" title="ลิงก์">อาลีบาบา</a>
เลือกไทย<br>เป็น Startup Digital Hub <code>code ไทย</code> <span class="notranslate">ห้ามแปล</span>.</p>
<div>ก่อน<p>ใน <em>ย่อหน้า</em></p>หลัง <!-- ความเห็น --></div>
<pre>โค้ด ไทย
  บรรทัด</pre>
<p translate="no">ไม่แปล <b>ตัวหนา</b></p>
<img src="a.png" alt="ภาพข่าว"><input type="text" placeholder="ค้นหา" disabled>
<ul><li>หนึ่ง</li><li>สอง <strong>หนา</strong></li></ul>
<table><tr><th>หัว</th><td>ข้อมูล</td></tr></table>
</body></html>
"""

SKIPPED_TEXT = ("ไทย <b>", "code ไทย", "ห้ามแปล", "โค้ด ไทย", "ไม่แปล", "ตัวหนา", "ความเห็น")


def _tree(html: str):  # type: ignore[no-untyped-def]
    """Tags with their attributes (translated attribute values masked) in document order, plus
    the text of everything that must not change."""
    soup = BeautifulSoup(html, "html.parser")
    tags = []
    for tag in soup.find_all(True):
        attrs = {
            k: ("*" if k in TRANSLATED_ATTRIBUTES else v)
            for k, v in tag.attrs.items()
            if not (tag.name == "meta" and k == "content" and tag.get("name") == "description")
        }
        tags.append((tag.name, attrs))
    kept = [t.get_text() for t in soup.find_all(["script", "style", "code", "pre"])]
    kept += [str(t) for t in soup.find_all(class_="notranslate")]
    kept += [str(t) for t in soup.find_all(attrs={"translate": "no"})]
    kept += [str(c) for c in soup.find_all(string=lambda s: isinstance(s, Comment))]
    return tags, kept


def test_texts_and_attributes_extracted():
    texts = get_format("html").extract(PAGE).texts
    joined = "\n".join(texts)
    for expected in ("หัวเรื่องข่าว", "คำอธิบายหน้า", "เมนูหลัก", "ลิงก์", "ภาพข่าว", "ค้นหา"):
        assert expected in joined
    for skipped in (*SKIPPED_TEXT, "keywords", "ไม่แปล"):
        assert skipped not in joined


def test_inline_tags_stay_inside_one_sentence():
    texts = get_format("html").extract(PAGE).texts
    sentence = next(t for t in texts if "นายสมคิด" in t)
    assert "เผยว่า" in sentence and "อาลีบาบา" in sentence and "เลือกไทย" in sentence
    # <b> <i> </i> </b> <a> </a> <br> <code> <span class=notranslate>
    assert sum(1 for c in sentence if 0xE000 <= ord(c) <= 0xF8FF) == 9


def test_structure_identical_apart_from_text(stand_in):
    out = translate_html(PAGE, lambda texts: [stand_in(t) for t in texts])
    assert _tree(out) == _tree(PAGE)
    for gone in ("นายสมคิด", "หัวเรื่องข่าว", "เผยว่า", "ภาพข่าว", "หนึ่ง"):
        assert gone not in out
    soup = BeautifulSoup(out, "html.parser")
    assert soup.find("b").find("i") is not None  # nesting kept


def test_identity_translation_keeps_the_document():
    # Every byte comes back, whitespace included; only a boolean attribute gets its "=".
    out = translate_html(PAGE, lambda texts: list(texts))
    assert out == PAGE.replace(" disabled>", ' disabled="">')


def test_fragment_stays_a_fragment():
    out = translate_html("<b>ไทย</b> ข้อความ", lambda texts: ["X" if False else t for t in texts])
    assert out == "<b>ไทย</b> ข้อความ"


def test_legacy_charset_declaration_becomes_utf8():
    out = translate_html('<meta charset="tis-620"><p>ไทย</p>', lambda t: list(t))
    assert '<meta charset="utf-8">' in out


def test_text_nodes_are_strings_only():
    out = translate_html(PAGE, lambda texts: [t.upper() for t in texts])
    soup = BeautifulSoup(out, "html.parser")
    assert all(isinstance(s, NavigableString) for s in soup.find("p").descendants if not s.name)


# --- any nesting depth (issue 12, point 3): no recursion in our walks, nor in BeautifulSoup's


def test_deeply_nested_blocks_translate() -> None:
    html = "<div>" * 1000 + "แมว" + "</div>" * 1000
    assert translate_html(html, lambda texts: list(texts)) == html
    out = translate_html(html, lambda texts: [shout(t) for t in texts])
    assert out == "<div>" * 1000 + "EEE" + "</div>" * 1000


def test_deeply_nested_inline_tags_translate() -> None:
    html = "<p>" + "<b>" * 1000 + "แมว" + "</b>" * 1000 + " หมา</p>"
    out = translate_html(html, lambda texts: [shout(t) for t in texts])
    assert out == "<p>" + "<b>" * 1000 + "EEE" + "</b>" * 1000 + " EEE</p>"


def test_deep_attributes_are_found_in_document_order() -> None:
    html = '<div title="หนึ่ง">' * 500 + '<img alt="สอง">' + "</div>" * 500
    ex = get_format("html").extract(html)
    assert ex.texts == ["หนึ่ง"] * 500 + ["สอง"]


def test_beautifulsoup_parses_and_serialises_any_depth() -> None:
    depth = 20 * sys.getrecursionlimit()
    html = "<div><span>" * depth + "แมว" + "</span></div>" * depth
    soup = BeautifulSoup(html, "html.parser")
    assert soup.decode() == html
    out = translate_html(html, lambda texts: [shout(t) for t in texts])  # rebuilt tree decoded
    assert out == html.replace("แมว", "EEE")
