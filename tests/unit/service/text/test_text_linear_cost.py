"""Preparation costs a bounded amount of work per character, whatever the length of the line
(issue 19, point 7): measured as work (characters handed to the tokenizer, the largest text
handed to the sentence segmenter), never as time.

The token-budget splitter used to gallop to candidate pieces up to 128 times longer than the
longest that fits, re-tokenising the rest of a long sentence for every piece: 27 tokenised
characters per character at 5,000, 77 at 40,000.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from service.pipeline import TranslateOptions, prepare_document
from service.text import sentences
from service.text.budget import split_to_budget
from tests.standins import StandInBackend

WORDS = ["สวัสดี", "ประเทศ", "ไทย", "ครับ", "รัฐบาล", "**", "[", "](", ")", "#", "ZX1", " | "]


def long_line(chars: int, spaces: float = 0.05) -> str:
    """Thai words run together with Markdown-like punctuation, few spaces: long sentences."""
    rng = random.Random(chars)
    parts: list[str] = []
    size = 0
    while size < chars:
        part = rng.choice(WORDS) + (" " if rng.random() < spaces else "")
        parts.append(part)
        size += len(part)
    return "".join(parts)[:chars]


def assert_linear(ratios: list[float]) -> None:
    """Work per character bounded by a constant, and not growing with the length."""
    assert max(ratios) <= 12, ratios
    assert ratios[-1] <= 1.5 * ratios[0], ratios


class Tokenised:
    """A stand-in tokenizer (words + characters / 3) that counts the characters it is given."""

    def __init__(self) -> None:
        self.chars = 0

    def __call__(self, texts: Sequence[str]) -> list[int]:
        self.chars += sum(len(t) for t in texts)
        return [len(t.split()) + len(t) // 3 + 1 for t in texts]


def test_the_splitter_tokenises_each_character_a_bounded_number_of_times() -> None:
    ratios = []
    for chars in (10_000, 50_000, 200_000):
        counter = Tokenised()
        pieces = split_to_budget(long_line(chars), counter, 200)
        assert "".join(pieces) == long_line(chars)
        ratios.append(counter.chars / chars)
    assert_linear(ratios)


def test_the_splitter_with_the_real_tokenizer(tiny_backend: Any) -> None:
    ratios = []
    for chars in (5_000, 40_000):
        tokenised = 0

        def count(texts: Sequence[str]) -> list[int]:
            nonlocal tokenised
            tokenised += sum(len(t) for t in texts)
            return [len(ids) for ids in tiny_backend.encode(texts)]

        split_to_budget(long_line(chars), count, tiny_backend.max_input_tokens)
        ratios.append(tokenised / chars)
    assert_linear(ratios)


def test_preparing_a_long_line_tokenises_a_bounded_amount() -> None:
    ratios = []
    for chars in (10_000, 80_000):
        backend = StandInBackend(max_input_tokens=128)
        document = prepare_document(long_line(chars, spaces=0), TranslateOptions(), backend)
        assert document.inputs
        ratios.append(sum(len(t) for t in backend.encoded) / chars)
    assert_linear(ratios)


def test_sentence_segmentation_sees_windows_of_bounded_size(monkeypatch: Any) -> None:
    """PyThaiNLP's segmenter costs more per character the longer its text: a long paragraph
    is handed to it in windows (and the sentences still cover the paragraph exactly)."""
    import pythainlp.tokenize

    seen: list[int] = []
    real = pythainlp.tokenize.sent_tokenize

    def recording(text: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(len(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pythainlp.tokenize, "sent_tokenize", recording)
    paragraph = long_line(60_000)
    pieces = sentences.split_sentences(paragraph)
    assert "".join(pieces) == paragraph
    assert max(seen) <= sentences.WINDOW and sum(seen) == len(paragraph)


@pytest.mark.parametrize("chars", [4_000, 12_000])
def test_short_paragraphs_are_one_window(chars: int) -> None:
    paragraph = long_line(chars, spaces=0.2)
    windows = sentences._windows(paragraph, [])
    assert windows == [0, len(paragraph)] if chars <= sentences.WINDOW else len(windows) > 2
