"""The format interface and the registry that picks a format by name or file extension.

A format turns a file into plain-text documents for the article pipeline (``Extracted.texts``)
and puts their translations back (``Extracted.rebuild``). Everything that is not handed out for
translation must come back unchanged.

Text formats (txt, md, html, ...) take the decoded text and rebuild text (``FileFormat``);
binary formats (docx, xlsx, epub, xliff, pdf, ...) take the file's bytes and rebuild bytes
(``BinaryFormat``: ``extract_bytes``). :func:`service.formats.opening.open_bytes` opens any
file's bytes with either kind and gives back bytes, so a front end needs to know neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
class FormatOptions:
    """Per-run settings some formats need."""

    fields: tuple[str, ...] = ()  # JSONL: dotted paths of the fields to translate
    columns: tuple[str, ...] = ()  # CSV/TSV: header names or 1-based numbers (none: Thai ones)
    overwrite_targets: bool = False  # XLIFF/PO: translate units that already have a target
    limits: DocumentLimits = field(default_factory=DocumentLimits)


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


def translation_rounds(
    extracted: Sequence[Extracted], translate: Callable[[list[str]], list[str]]
) -> tuple[list[list[str]], list[list[str]]]:
    """Each file's translations and fallback translations: one ``translate`` call for every
    file's texts, then one for every file's fallback texts (usually none, and then no call).
    (:func:`service.workflow.translate_extracted` is the same for the async server.)"""
    first = split_by([len(e.texts) for e in extracted], _call(translate, _flat(extracted)))
    asks = fallback_asks(extracted, first)
    second = split_by([len(a) for a in asks], _call(translate, [t for a in asks for t in a]))
    return first, second


def translate_extracted(
    extracted: Sequence[Extracted], translate: Callable[[list[str]], list[str]]
) -> list[str]:
    """Rebuild each file, with one ``translate`` call per round for all of them together."""
    first, second = translation_rounds(extracted, translate)
    return [e.rebuild(t, f) for e, t, f in zip(extracted, first, second, strict=True)]


def _flat(extracted: Sequence[Extracted]) -> list[str]:
    return [t for e in extracted for t in e.texts]


def _call(translate: Callable[[list[str]], list[str]], texts: list[str]) -> list[str]:
    return translate(texts) if texts else []


class FileFormat(Protocol):
    """A text format: the decoded file in, the rebuilt text out."""

    name: str

    def extract(self, content: str) -> Extracted[str]: ...


class BinaryFormat(Protocol):
    """A binary format: the file's bytes in, the rebuilt file's bytes out. ``output_suffix``
    is the result's extension when it differs from the source's (PDF in, .docx out), else ""."""

    name: str
    output_suffix: str

    def extract_bytes(self, data: bytes) -> Extracted[bytes]: ...


# name -> (module, extensions); modules are imported only when a file needs them.
_REGISTRY: dict[str, tuple[str, tuple[str, ...]]] = {
    "txt": ("service.formats.txt", (".txt", ".text")),
    "md": ("service.formats.markdown", (".md", ".markdown", ".mdown", ".mkd")),
    "html": ("service.formats.html", (".html", ".htm", ".xhtml")),
    "jsonl": ("service.formats.jsonl", (".jsonl", ".ndjson")),
    "srt": ("service.formats.srt", (".srt",)),
    "csv": ("service.formats.csv", (".csv",)),
    "tsv": ("service.formats.tsv", (".tsv", ".tab")),
    "po": ("service.formats.po", (".po", ".pot")),
    "docx": ("service.formats.office.docx", (".docx", ".docm", ".dotx")),
    "pptx": ("service.formats.office.pptx", (".pptx", ".pptm", ".potx", ".ppsx")),
    "xlsx": ("service.formats.office.xlsx", (".xlsx", ".xlsm", ".xltx")),
    "odt": ("service.formats.office.odf", (".odt", ".ott")),
    "odp": ("service.formats.office.odf", (".odp", ".otp")),
    "ods": ("service.formats.office.odf", (".ods", ".ots")),
    "epub": ("service.formats.epub", (".epub",)),
    "xliff": ("service.formats.xliff", (".xlf", ".xliff")),
    "pdf": ("service.formats.pdf", (".pdf",)),
}
# Formats that read and write bytes (BinaryFormat); the others are text formats (FileFormat).
BINARY_FORMATS = frozenset({"docx", "pptx", "xlsx", "odt", "odp", "ods", "epub", "xliff", "pdf"})

# Formats whose result is another kind of file than their source.
_OUTPUT_SUFFIXES = {"pdf": ".docx"}

FORMAT_NAMES: tuple[str, ...] = tuple(_REGISTRY)
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(e for _, exts in _REGISTRY.values() for e in exts)


def output_suffix(name: str) -> str:
    """The result's extension when the format writes another kind of file, else ""."""
    return _OUTPUT_SUFFIXES.get(name, "")


def _make(name: str, options: FormatOptions | None) -> object:
    if name not in _REGISTRY:
        raise FormatError(f"unknown format {name!r}; choose one of {', '.join(_REGISTRY)}")
    module = importlib.import_module(_REGISTRY[name][0])
    return module.make_format(options or FormatOptions())


def get_format(name: str, options: FormatOptions | None = None) -> FileFormat:
    """The text format called ``name`` (txt, md, html, jsonl, srt, csv, tsv, po)."""
    if name in BINARY_FORMATS:
        raise FormatError(f"{name} is a binary format: open it with service.formats.opening")
    fmt: FileFormat = _make(name, options)  # type: ignore[assignment]
    return fmt


def get_binary_format(name: str, options: FormatOptions | None = None) -> BinaryFormat:
    """The binary format called ``name`` (docx, pptx, xlsx, odt, odp, ods, epub, xliff, pdf)."""
    if name not in BINARY_FORMATS:
        raise FormatError(f"{name} is not a binary format")
    fmt: BinaryFormat = _make(name, options)  # type: ignore[assignment]
    return fmt


def format_name_for_path(path: str | Path) -> str | None:
    """The format name for a file extension, or None when no format claims it."""
    suffix = Path(path).suffix.lower()
    for name, (_, extensions) in _REGISTRY.items():
        if suffix in extensions:
            return name
    return None


def format_for_path(path: str | Path, options: FormatOptions | None = None) -> FileFormat:
    name = format_name_for_path(path)
    if name is None:
        raise FormatError(f"no format for extension {Path(path).suffix!r}; use --format")
    return get_format(name, options)
