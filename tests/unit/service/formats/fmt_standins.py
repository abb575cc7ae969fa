"""Stand-in translations for STRUCTURE tests of the format layer (not of translation quality).

Each keeps every PUA marker exactly once, as the pipeline guarantees, and changes the text around
them so a test can tell translated pieces from untouched ones.
"""

from __future__ import annotations

from service.formats.markers import marker_index


def shout(text: str) -> str:
    """Every non-space character except markers becomes 'E': translated text is visible."""
    return "".join(c if c.isspace() or marker_index(c) is not None else "E" for c in text)


def reverse(text: str) -> str:
    """Markers come back in reverse order: close-before-open, the worst case for nesting."""
    return shout(text)[::-1]


def lose_markers(text: str) -> str:
    """The model dropped every marker: the pipeline puts them all back at the end of the
    translation (its restore rule for spans the model lost), so no element keeps its text."""
    markers = "".join(c for c in text if marker_index(c) is not None)
    return shout("".join(c for c in text if marker_index(c) is None)).rstrip() + " " + markers


def move_text_out(text: str) -> str:
    """Markers kept in order but pushed together at the start: every element is empty."""
    markers = "".join(c for c in text if marker_index(c) is not None)
    return markers + " " + shout("".join(c for c in text if marker_index(c) is None)).strip()
