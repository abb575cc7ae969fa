"""The format interface (the registry of formats is :mod:`service.formats.registry`).

A format turns a file into plain-text documents for the article pipeline (``Extracted.texts``)
and puts their translations back (``Extracted.rebuild``). Everything that is not handed out for
translation must come back unchanged.

Text formats (txt, md, html, ...) take the decoded text and rebuild text (``FileFormat``);
binary formats (docx, xlsx, epub, xliff, pdf, ...) take the file's bytes and rebuild bytes
(``BinaryFormat``: ``extract_bytes``). :func:`service.formats.opening.open_bytes` opens any
file's bytes with either kind and gives back bytes, so a front end needs to know neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")  # what a rebuild gives: a text format's text, a binary file's bytes


class FormatError(ValueError):
    """The file cannot be handled by its format (bad JSON line, missing --field, ...)."""


class LimitError(FormatError):
    """The file is over a document limit (too many zip entries, too many unpacked bytes)."""


@dataclass(frozen=True)
class DocumentLimits:
    """Caps for zip-based and XML documents (hostile files: zip bombs, entity bombs)."""

    max_entries: int = 10_000  # zip entries in one file
    max_unpacked_bytes: int = 512 * 1024 * 1024  # all entries together, uncompressed


@dataclass(frozen=True)
class TagOptions:
    """How markup is read (DeepL's tag handling): elements whose content is copied as it is
    (``ignore``: XML and HTML), and for XML the elements that always end a sentence
    (``splitting``), never do (``non_splitting``), and whether the others are told apart by
    their content (``outline_detection``; off: only ``splitting`` elements end a sentence)."""

    ignore: frozenset[str] = frozenset()
    splitting: frozenset[str] = frozenset()
    non_splitting: frozenset[str] = frozenset()
    outline_detection: bool = True


@dataclass(frozen=True)
class FormatOptions:
    """Per-run settings some formats need."""

    fields: tuple[str, ...] = ()  # JSONL: dotted paths of the fields to translate
    columns: tuple[str, ...] = ()  # CSV/TSV: header names or 1-based numbers (none: Thai ones)
    overwrite_targets: bool = False  # XLIFF/PO: translate units that already have a target
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    tags: TagOptions = field(default_factory=TagOptions)  # XML, HTML


@dataclass
class Extracted(Generic[R]):
    """The translatable documents of one file and how to put their translations back.

    Most formats rebuild from one round of translations. A format may also ask for a second
    round (HTML: the text of an inline element whose markers the model lost is translated on its
    own): ``fallback_texts(translations)`` names those texts, and their translations go to
    ``rebuild`` as ``fallbacks``. Callers always do both steps; for most files the second round
    is empty and costs nothing (:func:`translate_extracted` does it for a plain function).
    """

    texts: list[str]
    _rebuild: Callable[..., R] = field(repr=False)  # (translations[, fallbacks]) -> file
    _fallback_texts: Callable[[Sequence[str]], list[str]] | None = field(default=None, repr=False)
    # Formats that mark a flagged translation for review (XLIFF, PO) take each text's pipeline
    # flags here before ``rebuild`` (front ends that have them call ``note_flags``).
    _note_flags: Callable[[Sequence[Sequence[str]]], None] | None = field(default=None, repr=False)

    def note_flags(self, flags: Sequence[Sequence[str]]) -> None:
        """Each text's flags (``service.text.flags``) from the first round, before ``rebuild``."""
        if self._note_flags is not None and len(flags) == len(self.texts):
            self._note_flags(flags)

    def fallback_texts(self, translations: Sequence[str]) -> list[str]:
        """Texts to translate on their own before ``rebuild`` (usually none)."""
        self._check(translations)
        return self._fallback_texts(translations) if self._fallback_texts else []

    def rebuild(self, translations: Sequence[str], fallbacks: Sequence[str] = ()) -> R:
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
    """A text format: the decoded file in, the rebuilt text out."""

    name: str

    def extract(self, content: str) -> Extracted[str]: ...


class BinaryFormat(Protocol):
    """A binary format: the file's bytes in, the rebuilt file's bytes out (its record in
    :mod:`service.formats.registry` names the result's extension when it differs: PDF → .docx)."""

    name: str

    def extract_bytes(self, data: bytes) -> Extracted[bytes]: ...
