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
from typing import Protocol


class FormatError(ValueError):
    """The file cannot be handled by its format (bad JSON line, missing --field, ...)."""


@dataclass(frozen=True)
class FormatOptions:
    """Per-run settings some formats need."""

    fields: tuple[str, ...] = ()  # JSONL: dotted paths of the fields to translate


@dataclass
class Extracted:
    """The translatable documents of one file and how to put their translations back."""

    texts: list[str]
    _rebuild: Callable[[Sequence[str]], str] = field(repr=False)

    def rebuild(self, translations: Sequence[str]) -> str:
        if len(translations) != len(self.texts):
            raise ValueError(f"expected {len(self.texts)} translations, got {len(translations)}")
        return self._rebuild(translations)


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
