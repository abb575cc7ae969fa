"""Language detection for LibreTranslate's /detect and source=auto: Thai letters decide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.text.detect import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("สวัสดีครับ", ("th", 100.0)),
        ("Good morning", ("en", 100.0)),
        ("", ("en", 0.0)),
        ("12345 😺 !!!", ("en", 0.0)),
        ("abcd กขคง", ("th", 50.0)),  # a tie counts as Thai: it has Thai to translate
        ("abcdef กข", ("en", 75.0)),
        ("ฉันใช้ Python", ("en", 60.0)),  # Thai vowel and tone marks are not letters
    ],
)
def test_detect_language(text: str, expected: tuple[str, float]) -> None:
    assert detect_language(text) == expected


@given(st.text(max_size=200))
def test_confidence_is_a_percentage_and_the_language_is_th_or_en(text: str) -> None:
    language, confidence = detect_language(text)
    assert language in ("th", "en")
    assert 0.0 <= confidence <= 100.0
    if language == "th":
        assert confidence >= 50.0


@given(st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E2E), min_size=1))
def test_thai_consonants_alone_are_thai_with_full_confidence(text: str) -> None:
    assert detect_language(text) == ("th", 100.0)
