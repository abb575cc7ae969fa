"""Complex scripts and the formatting twins office formats keep for them.

Word and OpenDocument format text in a complex script (Thai, Lao, Khmer, Arabic, Hebrew, the
Indic scripts) with their complex-script properties (``w:bCs``, ``w:iCs``, ``w:szCs``;
``style:font-weight-complex``, ``style:font-style-complex``, ``style:font-size-complex``) and
Latin text with the plain ones. LibreOffice sets only the complex-script property on a Thai
word it makes bold or italic, which would not show on the word's English translation: a span
cut from Thai text therefore gets each missing Latin twin (same value), so the reader sees the
formatting the source showed.
"""

from __future__ import annotations

import re

_COMPLEX = re.compile("[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1780-\u17ff]")


def has_complex_script(text: str) -> bool:
    return _COMPLEX.search(text) is not None


def missing_twins(present: dict[str, str], twins: dict[str, str]) -> dict[str, str]:
    """``{twin: value}`` for each complex-script name in ``present`` whose twin is absent."""
    return {
        twins[name]: value
        for name, value in present.items()
        if name in twins and twins[name] not in present
    }
