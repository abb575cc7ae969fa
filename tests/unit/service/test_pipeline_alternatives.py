"""n-best alternatives through the pipeline: restored like the best translation, distinct, and
assembled per segment into alternatives of paragraphs and whole documents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.backend import DecodeOptions, ModelOutput
from service.engine import Engine
from service.pipeline import (
    DocumentResult,
    TranslateOptions,
    assemble_document,
    assemble_paragraph,
    distinct_alternatives,
    prepare_document,
)
from service.workflow import translate_document
from tests.standins import StandInBackend


@pytest.mark.parametrize(
    ("best", "candidates", "kept"),
    [
        ("a", [], []),
        ("a", ["b", "c"], ["b", "c"]),
        ("a", ["a", "b"], ["b"]),  # the best itself is no alternative
        ("a", [" a ", "b "], ["b "]),  # nor is it with other outer whitespace
        ("a", ["b", "c", "b"], ["b", "c"]),  # each once, first place kept
        ("a", ["", "  ", "b"], ["b"]),  # an empty hypothesis says nothing
        ("", ["", "x"], ["x"]),
    ],
)
def test_distinct_alternatives(best: str, candidates: list[str], kept: list[str]) -> None:
    assert distinct_alternatives(best, candidates) == kept


texts = st.text(alphabet="ab ", max_size=4)


@given(texts, st.lists(texts, max_size=8))
def test_distinct_alternatives_are_an_ordered_subset_unlike_the_best(
    best: str, candidates: list[str]
) -> None:
    kept = distinct_alternatives(best, candidates)
    keys = [k.strip() for k in kept]
    assert all(k and k != best.strip() for k in keys)
    assert len(set(keys)) == len(keys)
    position = 0
    for item in kept:  # in the candidates' order
        position = candidates.index(item, position) + 1
    assert {c.strip() for c in candidates} - {"", best.strip()} == set(keys)


def test_segment_alternatives_are_restored_and_repeats_dropped() -> None:
    """A hypothesis that drops the placeholder gets its span back, as the best one does; one
    that reads like the best once restored, or like an earlier one, is dropped."""
    paragraph = prepare_document("ฉันใช้ Python ทุกวัน", TranslateOptions(), StandInBackend())
    (prepared,) = paragraph.paragraphs
    (segment,) = prepared.segments
    assert segment.masked == "ฉันใช้ ZX0 ทุกวัน"  # the span is protected
    hypotheses = ("I use ZX0 daily", "I use daily", "I use ZX0", "I use ZX0 daily", "ZX0 I use")
    result = assemble_paragraph(prepared, [ModelOutput("I use ZX0", 3, hypotheses)])
    (done,) = result.segments
    assert done.target == "I use Python"
    assert done.alternatives == ["I use Python daily", "I use daily Python", "Python I use"]
    assert all(a.count("Python") == 1 for a in done.alternatives)


def test_whole_document_alternatives_take_each_segments_kth() -> None:
    """Alternative k of a document takes each segment's k-th alternative; a line without Thai
    is copied into every alternative; the spans are restored in each."""
    text = "แมวนอน Google Cloud\nHello, this line stays.\n  หมาวิ่ง"
    options = TranslateOptions(decode=DecodeOptions(alternatives=2))
    doc = translate_document_with_standin(text, options)
    alternatives = doc.alternatives(2)
    assert len(alternatives) == 2
    for rank, alternative in enumerate(alternatives, start=1):
        first, kept, last = alternative.split("\n")
        assert first.startswith(f"alt{rank} ") and "Google Cloud" in first
        assert kept == "Hello, this line stays."
        assert last.startswith(f"  alt{rank} ")  # indentation kept
    assert doc.alternatives(0) == []
    lines = [a.split("\n") for a in alternatives]
    first, kept, last = doc.paragraphs
    assert first.alternatives(2) == [line[0] for line in lines]
    assert kept.alternatives(2) == []  # copied through: nothing else to offer
    assert last.alternatives(2) == [line[2] for line in lines]


def test_a_text_without_thai_has_no_alternatives() -> None:
    options = TranslateOptions(decode=DecodeOptions(alternatives=3))
    assert translate_document_with_standin("Only English, 2024", options).alternatives(3) == []


def test_a_document_gets_as_many_alternatives_as_its_richest_segment() -> None:
    """Segments with fewer alternatives lend their best: rank 2 below would be the best
    translation itself, so the document has two alternatives, not three."""
    prepared = prepare_document("แมวนอน\nหมาวิ่ง", TranslateOptions(), StandInBackend())
    first, second = (p.segments[0].masked for p in prepared.paragraphs)
    outputs = {
        first: ModelOutput("cat sleeps", 2, ("cat naps", "cat dozes")),
        second: ModelOutput("dog runs", 2, ("dog runs",)),  # reads like its best: none
    }
    doc = assemble_document(prepared, outputs)
    assert doc.alternatives(3) == ["cat naps\ndog runs", "cat dozes\ndog runs"]
    assert doc.alternatives(1) == ["cat naps\ndog runs"]


def translate_document_with_standin(text: str, options: TranslateOptions) -> DocumentResult:
    return translate_document(Engine(StandInBackend()), text, options)
