"""Translatable units of a structured document, and the ``Extracted`` that carries them.

A unit is one text of the file (a paragraph with its inline markup, a cell string, a title, an
XLIFF segment): its ``sentence`` goes to the pipeline, ``fallback_texts`` names the second-round
texts for spans that lost their markers, and ``apply`` writes the translation back into the
file's parsed tree, saying whether anything changed (an unchanged unit leaves its part alone, so
a part whose texts all come back as they were is not rewritten at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from service.formats.base import Extracted, split_by

R = TypeVar("R")


class Unit(Protocol):
    @property
    def sentence(self) -> str: ...

    @property
    def part(self) -> str: ...  # which part of the file it belongs to (a zip entry name)

    def fallback_texts(self, translation: str) -> list[str]: ...

    def apply(self, translation: str, fallbacks: Iterator[str]) -> bool: ...


def extracted_from_units(
    units: Sequence[Unit],
    finish: Callable[[set[str]], R],
    note_flags: Callable[[Sequence[Sequence[str]]], None] | None = None,
) -> Extracted[R]:
    """``Extracted`` over ``units``; ``finish(changed part names)`` writes the file."""

    def fallback_texts(translations: Sequence[str]) -> list[str]:
        return [t for u, tr in zip(units, translations, strict=True) for t in u.fallback_texts(tr)]

    def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> R:
        remaining = iter(fallbacks)
        changed = {
            unit.part
            for unit, translation in zip(units, translations, strict=True)
            if unit.apply(translation, remaining)
        }
        return finish(changed)

    return Extracted([u.sentence for u in units], rebuild, fallback_texts, note_flags)


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


def combine(parts: Sequence[Extracted[Any]], finish: Callable[[list[Any]], R]) -> Extracted[R]:
    """One ``Extracted`` over several (an e-book's chapters and its package document):
    ``finish`` gets each part's rebuild, in order."""

    def counts() -> list[int]:
        return [len(p.texts) for p in parts]

    def fallback_texts(translations: Sequence[str]) -> list[str]:
        pairs = zip(parts, split_by(counts(), translations), strict=True)
        return [t for part, mine in pairs for t in part.fallback_texts(mine)]

    def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> R:
        mine = split_by(counts(), translations)
        asked = [len(p.fallback_texts(t)) for p, t in zip(parts, mine, strict=True)]
        theirs = split_by(asked, fallbacks)
        return finish([p.rebuild(t, f) for p, t, f in zip(parts, mine, theirs, strict=True)])

    def note_flags(flags: Sequence[Sequence[str]]) -> None:
        for part, mine in zip(parts, split_by(counts(), flags), strict=True):
            part.note_flags(mine)

    return Extracted([t for p in parts for t in p.texts], rebuild, fallback_texts, note_flags)
