"""The repetition guard through the whole pipeline: a model that loops on numbers or symbols
never puts a figure that is in no source into the article.

The model stand-in is the real tiny model with a loop of one number or symbol unit inserted into
each of its outputs (and its own digits, gibberish from random weights, taken out, so every digit
left in the article must come from a source span).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.backend import ModelOutput
from service.engine import Engine
from service.text.protect import TOLERANT_PLACEHOLDER
from service.text.repetition import MIN_GLUED_NUMBER_CHARS, MIN_SYMBOL_RUN_CHARS
from service.workflow import translate_document

THAI_WORDS = ["สวัสดี", "ประเทศไทย", "รัฐบาล", "เศรษฐกิจ", "การลงทุน", "วันนี้", "กล่าวว่า"]
NUMBERS = ["1,402.35", "08:00", "081-234-5678", "4", "2567", "50%", "๒๕๖๗"]
NUMBER_UNITS = ["40 ", "7, ", "1.5 ", "2024 ", "(3) ", "12:00 ", "99% ", "- 40 ", "๔๐ "]
GLUED_UNITS = ["40", "0", ",000", "12"]
SYMBOL_UNITS = ["- ", "!", "?!", "… ", ". ", "* ", "/ ", "=", "  "]
DIGIT = regex.compile(r"\p{Nd}")


class LoopingBackend:
    """The tiny model, with ``unit * count`` inserted between two words of every output."""

    def __init__(self, inner: Any, unit: str, count: int) -> None:
        self._inner = inner
        self.unit, self.count = unit, count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def translate_batch(self, *args: Any, **kwargs: Any) -> list[ModelOutput]:
        outputs = self._inner.translate_batch(*args, **kwargs)
        return [replace(o, text=self._loop(o.text)) for o in outputs]

    def _loop(self, text: str) -> str:
        pieces, position = [], 0
        for match in TOLERANT_PLACEHOLDER.finditer(text):  # keep placeholders, drop other digits
            pieces += [DIGIT.sub("", text[position : match.start()]), match.group()]
            position = match.end()
        words = ("".join(pieces) + DIGIT.sub("", text[position:])).split(" ")
        at = int(hashlib.sha256(text.encode()).hexdigest(), 16) % (len(words) + 1)
        return " ".join([*words[:at], self.unit * self.count, *words[at:]])


@st.composite
def loops(draw: st.DrawFn) -> tuple[str, int]:
    kind = draw(st.sampled_from(["number", "glued", "symbol"]))
    if kind == "number":
        return draw(st.sampled_from(NUMBER_UNITS)), draw(st.integers(4, 88))
    unit = draw(st.sampled_from(GLUED_UNITS if kind == "glued" else SYMBOL_UNITS))
    least = MIN_GLUED_NUMBER_CHARS if kind == "glued" else MIN_SYMBOL_RUN_CHARS
    return unit, draw(st.integers(max(4, math.ceil(least / len(unit))), 150))


line = st.lists(st.one_of(st.sampled_from(THAI_WORDS), st.sampled_from(NUMBERS)), max_size=8).map(
    " ".join
)
documents = st.lists(line, min_size=1, max_size=3).map("\n".join)


def digits_outside_spans(target: str, span_outputs: Sequence[str]) -> list[str]:
    for output in sorted(span_outputs, key=len, reverse=True):
        target = target.replace(output, " ", 1)
    return DIGIT.findall(target)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=documents, loop=loops())
def test_a_model_looping_on_numbers_or_symbols_adds_no_figure(
    doc: str, loop: tuple[str, int], tiny_backend: Any
) -> None:
    unit, count = loop
    engine = Engine(LoopingBackend(tiny_backend, unit, count), max_batch_size=16)  # type: ignore[arg-type]
    result = translate_document(engine, doc)
    assert len(result.text.split("\n")) == len(doc.split("\n"))
    for paragraph in result.paragraphs:
        for segment in paragraph.segments:
            outputs = [span.output for span in segment.spans]
            assert not digits_outside_spans(segment.target, outputs), (unit, segment.target)
            for output in outputs:
                assert output in segment.target
    if not DIGIT.search(unit):
        assert unit * math.ceil(MIN_SYMBOL_RUN_CHARS / len(unit)) not in result.text
