"""Bad input and a misbehaving model through the whole pipeline, with the real tiny model
(issue 12, points 3 and 8): a segment no split point can cut, and HTML whose inline markers the
model dropped."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from service.engine import Engine
from service.formats.html import INLINE_TAGS
from service.workflow import translate_document, translate_documents
from tests.standins import PlaceholderDroppingBackend, translate_html

STACKED = "ก" + "\u0e49" * 520  # one grapheme cluster, ~520 tokens: over the 512 budget


def test_a_grapheme_cluster_over_the_budget_is_cut_and_translated(tiny_engine: Engine) -> None:
    result = translate_document(tiny_engine, STACKED)
    segments = result.paragraphs[0].segments
    assert len(segments) > 1
    assert "".join(s.source for s in segments) == STACKED  # nothing dropped
    lengths = [len(ids) for ids in tiny_engine.backend.encode([s.masked for s in segments])]
    assert max(lengths) <= tiny_engine.backend.max_input_tokens


PAGE = (
    '<p>นายสมคิด <b>กวิน</b> กล่าวว่า <a href="/news"><i>ข่าว</i>ล่าสุด</a> ดีมาก</p>'
    '<ul><li><a href="/a">หน้าแรก</a></li><li>ติดต่อ <span>เรา</span></li></ul>'
)


def test_html_elements_keep_text_when_the_model_drops_their_markers(tiny_backend: Any) -> None:
    engine = Engine(PlaceholderDroppingBackend(tiny_backend), max_batch_size=16)  # type: ignore[arg-type]
    rounds: list[list[str]] = []

    def translate(texts: list[str]) -> list[str]:
        rounds.append(texts)
        return [r.text for r in translate_documents(engine, texts)]

    out = translate_html(PAGE, translate)
    source, result = BeautifulSoup(PAGE, "html.parser"), BeautifulSoup(out, "html.parser")
    assert [(t.name, t.attrs) for t in result.find_all(True)] == [
        (t.name, t.attrs) for t in source.find_all(True)
    ]
    inline = [t for t in result.find_all(True) if t.name in INLINE_TAGS]
    assert inline and all(t.get_text().strip() for t in inline), out
    assert len(rounds) == 2  # the lost elements' own texts went through the same pipeline
    assert {"กวิน", "ข่าว", "ล่าสุด", "หน้าแรก", "เรา"} <= set(rounds[1])


def test_breadcrumbs_and_brackets_survive_the_tiny_model(tiny_engine: Engine) -> None:
    doc = "หน้าแรก > เทคโนโลยี > ข่าวล่าสุด\nเปิดตัว X (Twitter) ใหม่ | ข่าว • กีฬา"
    crumbs, brackets = translate_document(tiny_engine, doc).text.split("\n")
    assert crumbs.count(">") == 2
    assert brackets.count("(") == brackets.count(")") == 1 and "Twitter" in brackets
    assert brackets.count("|") == brackets.count("•") == 1


def test_example_page_keeps_its_breadcrumb_and_brackets(
    tiny_engine: Engine, example_page: str
) -> None:
    out = translate_document(tiny_engine, example_page).text.split("\n")
    src = example_page.split("\n")
    assert len(out) == len(src)
    for source, result in zip(src, out, strict=True):
        for char in ">()":
            assert result.count(char) >= source.count(char), (char, source, result)
