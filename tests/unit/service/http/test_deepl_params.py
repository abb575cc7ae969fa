"""DeepL's request parameters as this server reads them: a table of accepted requests and of
refusals in DeepL's words."""

from __future__ import annotations

from typing import Any

import pytest

from service.formats.base import TagOptions
from service.http.deepl_params import GREEDY, document_request, translate_request
from service.http.errors import ApiError

BASE = {"text": "สวัสดี", "target_lang": "EN-US"}


def test_a_form_request_with_every_option() -> None:
    asked = translate_request(
        {
            "text": ["ก", "ข"],
            "target_lang": "en-gb",
            "source_lang": "th",
            "tag_handling": "xml",
            "ignore_tags": "code,pre",
            "splitting_tags": ["p", "div,li"],
            "non_splitting_tags": "",
            "outline_detection": "0",
            "split_sentences": "nonewlines",
            "preserve_formatting": "1",
            "formality": "prefer_less",
            "model_type": "latency_optimized",
            "show_billed_characters": "true",
            "glossary_id": "g1",
            "glossary_ids": "g2, g1",
            "context": "a news article",
            "custom_field": "ignored",
        }
    )
    assert asked.texts == ["ก", "ข"] and asked.target_lang == "EN-GB" and asked.source_given
    assert asked.text_format == "xml"
    assert asked.tags == TagOptions(
        ignore=frozenset({"code", "pre"}),
        splitting=frozenset({"p", "div", "li"}),
        outline_detection=False,
    )
    assert asked.beam_size == GREEDY and asked.show_billed_characters
    assert asked.glossary_ids == ("g1", "g2") and asked.context == "a news article"


def test_a_minimal_json_request() -> None:
    asked = translate_request({**BASE, "split_sentences": 0, "preserve_formatting": True})
    assert (asked.texts, asked.source_given, asked.text_format) == (["สวัสดี"], False, "text")
    assert asked.beam_size is None and asked.tags == TagOptions()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"text": None}, "Parameter 'text' not specified"),
        ({"text": []}, "Parameter 'text' not specified"),
        ({"text": ["ok", 5]}, "text 1 is not a string"),
        ({"text": "\ud800"}, "unpaired surrogate"),
        ({"target_lang": None}, "Parameter 'target_lang' not specified"),
        ({"target_lang": "DE"}, "Value for 'target_lang' not supported"),
        ({"source_lang": "EN"}, "Value for 'source_lang' not supported"),
        ({"tag_handling": "sgml"}, "Value for 'tag_handling' not supported"),
        ({"split_sentences": "2"}, "Value for 'split_sentences' not supported"),
        ({"formality": "more"}, "'formality' is not supported for given 'target_lang'"),
        ({"formality": "very"}, "Value for 'formality' not supported"),
        ({"model_type": "fast"}, "Value for 'model_type' not supported"),
        ({"preserve_formatting": "maybe"}, "Value for 'preserve_formatting' not supported"),
        ({"ignore_tags": [1]}, "Value for 'ignore_tags' not supported"),
        ({"glossary_ids": ["a", "b", "c", "d", "e", "f"]}, "at most 5"),
        ({"style_id": "s1"}, "no style rules"),
        ({"context": 5}, "Value for 'context' not supported"),
    ],
)
def test_bad_values_are_400_in_deepls_words(change: dict[str, Any], words: str) -> None:
    params = {**BASE, **change}
    with pytest.raises(ApiError) as refused:
        translate_request({k: v for k, v in params.items() if v is not None})
    assert refused.value.status == 400
    assert words in refused.value.message


def test_a_document_upload_takes_its_format_from_its_name() -> None:
    fields = {"target_lang": "en-us", "source_lang": "TH", "glossary_ids": "g1,g2"}
    asked = document_request(fields, "รายงาน.docx")
    assert (asked.filename, asked.format_name, asked.glossary_ids) == (
        "รายงาน.docx",
        "docx",
        ("g1", "g2"),
    )
    named = document_request({**fields, "filename": "notes.txt", "output_format": "TXT"}, "file")
    assert (named.filename, named.format_name) == ("notes.txt", "txt")
    pdf = document_request({**fields, "output_format": "docx"}, "scan.pdf")  # a PDF: a .docx
    assert pdf.format_name == "pdf"


@pytest.mark.parametrize(
    ("change", "part", "words"),
    [
        ({"target_lang": None}, "a.txt", "Parameter 'target_lang' not specified"),
        ({"source_lang": "DE"}, "a.txt", "Value for 'source_lang' not supported"),
        ({"formality": "less"}, "a.txt", "'formality' is not supported"),
        ({"style_id": "s1"}, "a.txt", "no style rules"),
        ({}, "file", "unsupported file type (none)"),
        ({"output_format": "pdf"}, "a.docx", "Value for 'output_format' not supported"),
    ],
)
def test_bad_document_fields_are_400(change: dict[str, Any], part: str, words: str) -> None:
    params = {"target_lang": "EN-GB", **change}
    with pytest.raises(ApiError) as refused:
        document_request({k: v for k, v in params.items() if v is not None}, part)
    assert refused.value.status == 400
    assert words in refused.value.message
