"""Which language a text is written in, as far as this Thai→English service cares.

The server only needs to tell Thai from "not Thai" (LibreTranslate's ``/detect`` and
``source=auto``), so the share of Thai letters decides; no statistical model is involved.
"""

from __future__ import annotations

from service.text.normalize import has_thai


def detect_language(text: str) -> tuple[str, float]:
    """``("th", confidence)`` when at least half of the letters are Thai, else
    ``("en", confidence)``; confidence in percent, as LibreTranslate reports it.

    A text without letters (empty, digits, emoji) is ``("en", 0.0)``: nothing to translate.
    """
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return "en", 0.0
    ratio = sum(1 for char in letters if has_thai(char)) / len(letters)
    if ratio >= 0.5:
        return "th", round(ratio * 100, 1)
    return "en", round((1 - ratio) * 100, 1)
