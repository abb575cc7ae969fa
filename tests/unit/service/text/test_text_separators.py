"""Structural separators and the brackets/quotes around protected spans are kept verbatim
(issue 12, point 8): they are protected as spans, so the model cannot drop or translate them."""

from __future__ import annotations

import pytest

from service.text.normalize import has_thai
from service.text.protect import SPAN_KINDS, find_spans, protect
from service.text.restore import restore


def spans_of(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.source) for s in find_spans(text)]


PROTECTED = [
    ("หน้าแรก > เทคโนโลยี > ข่าว", [("separator", ">"), ("separator", ">")]),
    ("หน้าแรก » ข่าว", [("separator", "»")]),
    ("หน้าแรก › ข่าว", [("separator", "›")]),
    ("ข่าว | กีฬา", [("separator", "|")]),
    ("ข่าว · กีฬา", [("separator", "·")]),
    ("• ข้อแรก", [("separator", "•")]),
    ("ข่าว / กีฬา", [("separator", "/")]),
    ("ข่าว – กีฬา", [("separator", "–")]),
    ("ข่าว — กีฬา", [("separator", "—")]),
    ("ข่าว - กีฬา", [("separator", "-")]),
    ("หน้าแรก>ข่าว", [("separator", ">")]),  # never sentence punctuation: counts glued too
    ("หน้าแรก >> ข่าว", [("separator", ">>")]),
    (
        "Home > News > สมคิด",
        [("latin", "Home"), ("separator", ">"), ("latin", "News"), ("separator", ">")],
    ),
    ("X (Twitter) ใหม่", [("latin", "X"), ("punct", "("), ("latin", "Twitter"), ("punct", ")")]),
    ("คำว่า “Alibaba” คือ", [("punct", "“"), ("latin", "Alibaba"), ("punct", "”")]),
    ('คำว่า "AI" คือ', [("punct", '"'), ("latin", "AI"), ("punct", '"')]),
    ("ชื่อ 'Jack' ครับ", [("punct", "'"), ("latin", "Jack"), ("punct", "'")]),
    ("ดู [EEC] นะ", [("punct", "["), ("latin", "EEC"), ("punct", "]")]),
    ("ดู «EEC» นะ", [("punct", "«"), ("latin", "EEC"), ("punct", "»")]),
    (
        "“(AI)” ดี",
        [("punct", "“"), ("punct", "("), ("latin", "AI"), ("punct", ")"), ("punct", "”")],
    ),
    (
        "(@somkit #ข่าว) ดี",
        [("punct", "("), ("handle", "@somkit"), ("hashtag", "#ข่าว"), ("punct", ")")],
    ),
    ("ราคา (50%) ครับ", [("punct", "("), ("number", "50%"), ("punct", ")")]),
    ("ช่วง 10–20 ปี", [("number", "10–20")]),  # a range is one number
]

NOT_PROTECTED = [
    ("ชาย/หญิง", []),  # a slash between words is translated ("male/female")
    ("เขา-เธอ", []),
    ("ดู (ภาพ: Reuters) นะ", [("latin", "Reuters")]),  # brackets around Thai text
    ("(ภาพ) ดี", []),
    ("สวัสดี. ครับ!", []),  # Thai sentence punctuation is not a separator
    ("ดีมาก ๆ ครับ", []),
    ("ฯลฯ และ ฯ", []),
    ("ข่าว -Reuters", [("latin", "Reuters")]),  # a dash glued to a word does not stand alone
    ("วันที่ 25/12/2567", [("number", "25/12/2567")]),  # its slash is in the number
    ("ที่ https://x.com/a/b ครับ", [("url", "https://x.com/a/b")]),
    ("ชนะ 2-1", [("number", "2-1")]),
]


@pytest.mark.parametrize(("text", "expected"), PROTECTED + NOT_PROTECTED)
def test_separator_and_bracket_spans(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans_of(text) == expected


def test_new_kinds_are_declared() -> None:
    assert {"separator", "punct"} <= set(SPAN_KINDS)
    assert {s.kind for text, _ in PROTECTED for s in find_spans(text)} <= set(SPAN_KINDS)


@pytest.mark.parametrize("text", [t for t, _ in PROTECTED if has_thai(t)])
def test_masked_text_stays_translatable(text: str) -> None:
    masked, _ = protect(text)
    assert has_thai(masked)  # the Thai words still go to the model, between placeholders


@pytest.mark.parametrize(
    ("model_output", "expected"),
    [
        ("new ZX0 ZX1ZX2ZX3", "new X (Twitter)"),
        ("new ZX0 ZX2", "new X (Twitter)"),  # dropped brackets come back glued to the term
        ("new ZX2", "new X (Twitter)"),
        ("new", "new X (Twitter)"),
        ("ZX3 ZX0 new", "(Twitter) X new"),
    ],
)
def test_dropped_brackets_come_back_glued(model_output: str, expected: str) -> None:
    _, span_map = protect("X (Twitter) ใหม่")
    assert restore(model_output, span_map) == expected


def test_breadcrumb_separators_survive_a_model_that_drops_them() -> None:
    masked, span_map = protect("หน้าแรก > เทคโนโลยี > ข่าว")
    assert masked == "หน้าแรก ZX0 เทคโนโลยี ZX1 ข่าว"
    assert restore("Home ZX0 Technology ZX1 News", span_map) == "Home > Technology > News"
    assert restore("Home Technology News", span_map).count(">") == 2
