"""The article pipeline end to end on a real (tiny, random-weight) model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest
import regex

from models.backend import Backend, DecodeOptions
from service.engine import Engine
from service.pipeline import (
    TranslateOptions,
    assemble_document,
    assemble_paragraph,
    prepare_document,
)
from service.text.normalize import has_thai, split_lines_and_breaks
from service.workflow import translate_document, translate_documents

LATIN_OR_NUMBER = regex.compile(r"[\p{Latin}]+|\d+")


def latin_words_and_numbers(text: str) -> Counter[str]:
    return Counter(LATIN_OR_NUMBER.findall(text))


def assert_terms_kept(source: str, output: str) -> None:
    need = latin_words_and_numbers(source)
    have = latin_words_and_numbers(output)
    missing = {w: n - have[w] for w, n in need.items() if have[w] < n}
    assert not missing, f"terms lost: {missing}"


def test_example_page_translates_whole(tiny_engine: Engine, example_page: str) -> None:
    result = translate_document(tiny_engine, example_page)
    src_lines = example_page.split("\n")
    out_lines = result.text.split("\n")
    assert len(out_lines) == len(src_lines)
    for src, out in zip(src_lines, out_lines, strict=True):
        if not has_thai(src):
            assert out == src
        else:
            assert out.strip(), "a Thai line came back empty"
        assert_terms_kept(src, out)
    for name in [
        "Startup Digital Hub CLMVT",
        "Ms. Angel Zhao Head of Globalization Leadership Group",
    ]:
        assert result.text.count(name) == example_page.count(name)
    assert "(EEC)" not in result.text or "EEC" in result.text
    assert "EEC" in result.text


def test_result_carries_segments_and_spans(tiny_engine: Engine, example_page: str) -> None:
    result = translate_document(tiny_engine, example_page)
    assert len(result.paragraphs) == len(example_page.split("\n"))
    third = result.paragraphs[3]
    assert third.segments, "a Thai headline has at least one segment"
    spans = [s for seg in third.segments for s in seg.spans]
    assert any(s.output == "Startup Digital Hub CLMVT" for s in spans)
    for seg in third.segments:
        assert not regex.search(r"\p{Latin}", regex.sub(r"ZX\d+", "", seg.masked))
    as_dict = result.to_dict()
    assert as_dict["paragraphs"][3]["segments"][0]["spans"]


def test_blank_lines_and_passthrough_lines_kept(tiny_engine: Engine) -> None:
    text = "Top\n\nสวัสดีครับ ผมชื่อสมชาย\n   \nShare: Facebook Twitter LINE\r\nจบ"
    result = translate_document(tiny_engine, text)
    lines, breaks = split_lines_and_breaks(result.text)
    assert len(lines) == 6
    assert lines[0] == "Top"
    assert lines[1] == ""
    assert lines[3] == "   "
    assert lines[4] == "Share: Facebook Twitter LINE"
    assert breaks == ["\n", "\n", "\n", "\n", "\r\n"]  # line breaks come back as written


def test_lines_without_thai_are_copied_exactly(tiny_engine: Engine) -> None:
    odd = ["Name:\tValue", "soft\u00adhyphen", "e\u0301 (not NFC)", "zero\u200bwidth", "\ufeffBOM"]
    text = "\n".join([*odd, "สวัสดีครับ"])
    lines = translate_document(tiny_engine, text).text.split("\n")
    assert lines[: len(odd)] == odd


def test_glossary_and_do_not_translate(tiny_engine: Engine) -> None:
    text = "นายสมคิด จาตุศรีพิทักษ์ พบผู้บริหารอาลีบาบา ที่กรุงเทพมหานคร"
    options = TranslateOptions(
        glossary={"สมคิด จาตุศรีพิทักษ์": "Somkid Jatusripitak", "อาลีบาบา": "Alibaba"},
        do_not_translate=("กรุงเทพมหานคร",),
    )
    out = translate_document(tiny_engine, text, options).text
    assert out.count("Somkid Jatusripitak") == 1
    assert out.count("Alibaba") == 1
    assert out.count("กรุงเทพมหานคร") == 1


def test_segment_only_spans_skips_the_model(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(tiny_backend)
    options = TranslateOptions(glossary={"อาลีบาบา": "Alibaba"})
    result = translate_document(engine, "อาลีบาบา", options)
    assert result.text == "Alibaba"
    assert engine.stats.model_calls == 0


class _BudgetedEncoder:
    """The real backend's tokenizer with a tiny token budget, to force budget splitting."""

    budget = 12

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def max_input_tokens(self) -> int:
        return self.budget

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return self.backend.encode(texts)


def test_overlong_segments_are_split_never_truncated(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine, encoder = Engine(tiny_backend), _BudgetedEncoder(tiny_backend)
    sentence = "ผู้บริหารอาลีบาบาเลือกไทยเป็นศูนย์กลางในภูมิภาค" * 6 + " EEC 2025 https://example.com/a"
    prepared = prepare_document(sentence, TranslateOptions(), encoder)
    requests = prepared.requests
    assert len(requests) > 1
    assert max(len(ids) for ids in encoder.encode(requests)) <= encoder.budget
    assert [s.ids for s in prepared.inputs] == [tuple(ids) for ids in encoder.encode(requests)]
    sources = "".join(seg.source for p in prepared.paragraphs for seg in p.segments)
    assert sources.replace(" ", "") == sentence.replace(" ", "")
    outputs = engine.run(prepared.inputs, DecodeOptions())
    out = assemble_document(prepared, dict(zip(requests, outputs, strict=True))).text
    for term in ["EEC", "2025", "https://example.com/a"]:
        assert out.count(term) == 1


def test_documents_share_model_calls(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(tiny_backend, max_batch_size=32)
    docs = [f"ข่าวที่ {i} วันนี้ฝนตกหนักมาก" for i in range(40)]
    results = translate_documents(engine, docs)
    assert len(results) == 40
    assert engine.stats.model_calls <= 2
    assert [r.text for r in results] == [translate_document(engine, d).text for d in docs]


@pytest.mark.parametrize(
    "text",
    ["", "\n", "\n\n\n", "English only", "😀", "สวัสดี", " สวัสดี ", "ZX0 ZX1 สวัสดี ZX0"],
)
def test_edge_inputs(tiny_engine: Engine, text: str) -> None:
    result = translate_document(tiny_engine, text)
    assert len(result.text.split("\n")) == len(text.split("\n"))
    assert_terms_kept(text, result.text)


def test_assemble_rejects_wrong_translation_count(tiny_engine: Engine) -> None:
    prepared = prepare_document("สวัสดีครับ", TranslateOptions(), tiny_engine.backend)
    with pytest.raises(ValueError, match="expected 1 translations"):
        assemble_paragraph(prepared.paragraphs[0], [])
