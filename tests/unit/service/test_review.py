"""The least confident segments of a job (batch and document-job summaries)."""

from __future__ import annotations

import regex

from service.engine import Engine
from service.review import (
    LeastConfident,
    ReviewItem,
    format_review,
    least_confident,
    review_items,
    review_items_from_detail,
)
from service.workflow import translate_documents
from tests.standins import StandInBackend

TEXTS = ["แมวนั่งบนเสื่อ หมาวิ่งในสวน", "นกบินสูง", "ราคา 100 บาท"]
SCORES = {"แมวนั่งบนเสื่อ": -0.1, "หมาวิ่งในสวน": -2.0, "นกบินสูง": -0.7}


def _results() -> list:  # type: ignore[type-arg]
    def respond(masked: str) -> str:  # English for the Thai; placeholders kept (no flag)
        return regex.sub(r"\p{Thai}+", "word", masked)

    backend = StandInBackend(respond, score=lambda text: SCORES.get(text, -0.05))
    return translate_documents(Engine(backend), TEXTS)


def _item(confidence: float, n: int) -> ReviewItem:
    return ReviewItem(confidence, f"s{n}", f"t{n}", (), 0, n, 0)


def test_least_confident_across_documents() -> None:
    results = _results()
    items = least_confident(results, n=2, where="job-1")
    assert [i.source for i in items] == ["หมาวิ่งในสวน", "นกบินสูง"]  # least confident first
    assert [(i.document, i.paragraph, i.segment) for i in items] == [(0, 0, 1), (1, 0, 0)]
    assert all(i.where == "job-1" and i.target for i in items)
    assert items[0].confidence < items[1].confidence
    # "ราคา 100 บาท" has Thai, so the model saw it; a segment it never saw has no item
    assert len(least_confident(results, n=10)) == 4


def test_items_from_the_json_detail_equal_the_results_own() -> None:
    result = _results()[0]
    assert review_items_from_detail(result.to_dict()) == review_items(result)
    assert review_items_from_detail({"paragraphs": [{"segments": [{"confidence": None}]}]}) == []


def test_the_collector_keeps_the_n_lowest_and_earlier_ties() -> None:
    collector = LeastConfident(3)
    collector.add(_item(c, n) for n, c in enumerate([0.9, 0.2, 0.7, 0.2, 0.8, 0.1]))
    assert [(i.confidence, i.paragraph) for i in collector.items()] == [
        (0.1, 5),
        (0.2, 1),
        (0.2, 3),
    ]
    none = LeastConfident(0)
    none.add([_item(0.1, 0)])
    assert none.items() == []


def test_format_review_one_line_each() -> None:
    item = ReviewItem(0.234, "ก" * 100, "the cat", ("thai_left",), 0, 2, 0, "news/a.txt")
    (line,) = format_review([item], width=20)
    assert line.startswith("  0.23 news/a.txt line 3: " + "ก" * 19 + "… → the cat")
    assert line.endswith("[thai_left]")
