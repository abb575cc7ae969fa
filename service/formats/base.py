"""The format interface and the registry that picks a format by name or file extension.

A format turns a file's text into plain-text documents for the article pipeline
(``Extracted.texts``) and puts their translations back (``Extracted.rebuild``). Everything that is
not handed out for translation must come back unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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
    is empty and costs nothing (:func:`translate_extracted` does it for a plain function).
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
    name: str

    def extract(self, content: str) -> Extracted: ...


# name -> (module, extensions); modules are imported only when a file needs them.
_REGISTRY: dict[str, tuple[str, tuple[str, ...]]] = {
    "txt": ("service.formats.txt", (".txt", ".text")),
    "md": ("service.formats.markdown", (".md", ".markdown", ".mdown", ".mkd")),
    "html": ("service.formats.html", (".html", ".htm", ".xhtml")),
    "jsonl": ("service.formats.jsonl", (".jsonl", ".ndjson")),
    "srt": ("service.formats.srt", (".srt",)),
}

FORMAT_NAMES: tuple[str, ...] = tuple(_REGISTRY)


def get_format(name: str, options: FormatOptions | None = None) -> FileFormat:
    """The format called ``name`` (txt, md, html, jsonl, srt)."""
    if name not in _REGISTRY:
        raise FormatError(f"unknown format {name!r}; choose one of {', '.join(_REGISTRY)}")
    module = importlib.import_module(_REGISTRY[name][0])
    fmt: FileFormat = module.make_format(options or FormatOptions())
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
