"""The format interface (the registry of formats is :mod:`service.formats.registry`).

A format turns a file's text into plain-text documents for the article pipeline
(``Extracted.texts``) and puts their translations back (``Extracted.rebuild``). Everything that is
not handed out for translation must come back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")


class FormatError(ValueError):
    """The file cannot be handled by its format (bad JSON line, missing --field, ...)."""


@dataclass(frozen=True)
class FormatOptions:
    """Per-run settings some formats need."""

    fields: tuple[str, ...] = ()  # JSONL: dotted paths of the fields to translate


@dataclass
class Extracted:
    """The translatable documents of one file and how to put their translations back.

    Most formats rebuild from one round of translations. A format may also ask for a second
    round (HTML: the text of an inline element whose markers the model lost is translated on its
    own): ``fallback_texts(translations)`` names those texts, and their translations go to
    ``rebuild`` as ``fallbacks``. Callers always do both steps; for most files the second round
    is empty and costs nothing (:mod:`service.formats.rounds` runs both).
    """

    texts: list[str]
    _rebuild: Callable[..., str] = field(repr=False)  # (translations[, fallbacks]) -> file
    _fallback_texts: Callable[[Sequence[str]], list[str]] | None = field(default=None, repr=False)

    def fallback_texts(self, translations: Sequence[str]) -> list[str]:
        """Texts to translate on their own before ``rebuild`` (usually none)."""
        self._check(translations)
        return self._fallback_texts(translations) if self._fallback_texts else []

    def rebuild(self, translations: Sequence[str], fallbacks: Sequence[str] = ()) -> str:
        expected = len(self.fallback_texts(translations))
        if len(fallbacks) != expected:
            raise ValueError(f"expected {expected} fallback translations, got {len(fallbacks)}")
        if self._fallback_texts is None:
            return self._rebuild(translations)
        return self._rebuild(translations, fallbacks)

    def _check(self, translations: Sequence[str]) -> None:
        if len(translations) != len(self.texts):
            raise ValueError(f"expected {len(self.texts)} translations, got {len(translations)}")


def split_by(counts: Sequence[int], items: Sequence[T]) -> list[list[T]]:
    """``items`` cut into consecutive lists of ``counts[i]`` items (the inverse of flattening)."""
    out, cursor = [], 0
    for count in counts:
        out.append(list(items[cursor : cursor + count]))
        cursor += count
    if cursor != len(items):
        raise ValueError(f"expected {cursor} items, got {len(items)}")
    return out


def fallback_asks(
    extracted: Sequence[Extracted], translations: Sequence[Sequence[str]]
) -> list[list[str]]:
    """Each file's fallback texts, given its first-round translations."""
    return [e.fallback_texts(t) for e, t in zip(extracted, translations, strict=True)]


class FileFormat(Protocol):
    name: str

    def extract(self, content: str) -> Extracted: ...
