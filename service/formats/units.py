"""Translatable units of a structured document, and the ``Extracted`` that carries them.

A unit is one text of the file (a paragraph with its inline markup, a cell string, a title, an
XLIFF segment): its ``sentence`` goes to the pipeline, ``fallback_texts`` names the second-round
texts for spans that lost their markers, and ``apply`` writes the translation back into the
file's parsed tree, saying whether anything changed (an unchanged unit leaves its part alone, so
a part whose texts all come back as they were is not rewritten at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from service.formats.base import Extracted


class Unit(Protocol):
    @property
    def sentence(self) -> str: ...

    @property
    def part(self) -> str: ...  # which part of the file it belongs to (a zip entry name)

    def fallback_texts(self, translation: str) -> list[str]: ...

    def apply(self, translation: str, fallbacks: Iterator[str]) -> bool: ...


def extracted_from_units(
    units: Sequence[Unit], finish: Callable[[set[str]], bytes]
) -> Extracted[bytes]:
    """``Extracted`` over ``units``; ``finish(changed part names)`` writes the file."""

    def fallback_texts(translations: Sequence[str]) -> list[str]:
        return [t for u, tr in zip(units, translations, strict=True) for t in u.fallback_texts(tr)]

    def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> bytes:
        remaining = iter(fallbacks)
        changed = {
            unit.part
            for unit, translation in zip(units, translations, strict=True)
            if unit.apply(translation, remaining)
        }
        return finish(changed)

    return Extracted([u.sentence for u in units], rebuild, fallback_texts)


class PlainUnit:
    """A text without markup: an element's whole text (a title, a comment, a plain cell)."""

    def __init__(self, part: str, get: Callable[[], str], put: Callable[[str], None]) -> None:
        self.part = part
        self._text = get()
        self._put = put
        self.sentence = self._text.strip()

    def fallback_texts(self, translation: str) -> list[str]:
        return []

    def apply(self, translation: str, fallbacks: Iterator[str]) -> bool:
        if translation == self.sentence:
            return False
        lead = self._text[: len(self._text) - len(self._text.lstrip())]
        trail = self._text[len(self._text.rstrip()) :]
        self._put(lead + translation + trail)
        return True
