"""Glue for uploaded files: bytes → a format's texts → the shared batcher → the same format.

The same formats as ``thaimt batch`` (:mod:`service.formats`), opened from their bytes by
:func:`service.formats.opening.open_bytes`: text formats decoded as ``batch`` decodes them
(UTF-8, UTF-16, TIS-620/Windows-874, ...) and written back as UTF-8 with the source's line ends;
binary formats (docx, pptx, xlsx, odt, odp, ods, epub, xliff, pdf → docx) bytes in, bytes out.
Results are named like LibreTranslate names them: ``<stem>_en<ext>``. A file its format cannot
read (corrupt, truncated, encrypted, the wrong kind, a zip bomb) is a one-line 400 (413 over
the document limits).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from service.formats.base import DocumentLimits, FormatError, FormatOptions, LimitError
from service.formats.opening import OpenedFile, open_bytes
from service.formats.registry import (
    format_name_for_path,
    format_names,
    is_binary,
    media_type_for_path,
    supported_extensions,
)
from service.http.downloads import NAME_BYTES, cut_to_bytes
from service.http.errors import ApiError
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_documents_async, translate_extracted

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

__all__ = ["SUPPORTED_EXTENSIONS", "LoadedFile", "TranslatedFile", "load_file", "translate_file"]

# What /frontend/settings advertises and the page's file picker accepts (LibreTranslate lists
# extensions with their dot): every extension a registered format claims.
SUPPORTED_EXTENSIONS = supported_extensions()
DEFAULT_JSONL_FIELDS = ("text",)
TARGET_CODE = "en"


@dataclass
class LoadedFile:
    """An upload, opened by its format and split into the texts it translates."""

    filename: str
    format_name: str
    opened: OpenedFile

    @property
    def characters(self) -> int:
        return self.opened.characters

    @property
    def output_name(self) -> str:
        """``<stem>_en<ext>``, cut by UTF-8 bytes (a long Thai name is 3 bytes a letter) between
        two characters, so that it fits a file system with room for the download store's
        prefix; the ``_en<ext>`` ending is kept."""
        name = self.opened.output_name(self.filename, TARGET_CODE)
        stem, marker, ext = name.rpartition(f"_{TARGET_CODE}")
        ending = marker + ext
        if not marker or len(ending.encode("utf-8")) > NAME_BYTES // 2:
            return cut_to_bytes(name, NAME_BYTES)
        return cut_to_bytes(stem, NAME_BYTES - len(ending.encode("utf-8"))) + ending

    @property
    def binary(self) -> bool:
        """Whether the result is a binary file (sent base64 in a JSON answer)."""
        return is_binary(self.format_name)

    @property
    def media_type(self) -> str:
        return media_type_for_path(self.output_name)


@dataclass
class TranslatedFile:
    source: LoadedFile
    data: bytes  # the whole translated file
    results: list[DocumentResult]  # one per extracted text
    segments: int

    @property
    def content(self) -> str:
        """A text result as text, a binary one base64-encoded."""
        if self.source.binary:
            return base64.b64encode(self.data).decode("ascii")
        return self.data.decode("utf-8")


def choose_format(filename: str, format_name: str | None) -> str:
    """The format asked for, else the one the file's extension names (400 when neither)."""
    if format_name:
        if format_name not in format_names():
            raise ApiError(
                400, f"unknown format {format_name!r}; choose one of {', '.join(format_names())}"
            )
        return format_name
    found = format_name_for_path(filename)
    if found is None:
        suffix = PurePosixPath(filename).suffix or "(none)"
        raise ApiError(
            400,
            f"unsupported file type {suffix}; supported: {', '.join(SUPPORTED_EXTENSIONS)}",
        )
    return found


@dataclass(frozen=True)
class UploadOptions:
    """What a request may say about how its file is read."""

    fields: Sequence[str] = ()  # JSONL
    columns: Sequence[str] = ()  # CSV/TSV
    overwrite_targets: bool = False  # XLIFF/PO
    limits: DocumentLimits = field(default_factory=DocumentLimits)


def load_file(
    filename: str, data: bytes, format_name: str, upload: UploadOptions | None = None
) -> LoadedFile:
    """Open the file (400 with the reason when it cannot be read, 413 over the limits)."""
    upload = upload or UploadOptions()
    options = FormatOptions(
        fields=tuple(upload.fields) or DEFAULT_JSONL_FIELDS,
        columns=tuple(upload.columns),
        overwrite_targets=upload.overwrite_targets,
        limits=upload.limits,
    )
    try:
        opened = open_bytes(format_name, data, options)
    except LimitError as exc:
        raise ApiError(413, f"{filename or 'the file'}: {exc}") from None
    except (FormatError, ValueError) as exc:
        name = filename or "the file"
        raise ApiError(400, f"cannot read {name} as {format_name}: {exc}") from None
    return LoadedFile(filename, format_name, opened)


async def translate_file(
    engine: Engine, batcher: Batcher, loaded: LoadedFile, options: TranslateOptions
) -> TranslatedFile:
    """Translate the file's texts through the shared batcher and rebuild the file."""

    async def run(texts: list[str]) -> tuple[list[DocumentResult], int]:
        return await translate_documents_async(engine, batcher, texts, options)

    try:
        done = await translate_extracted([loaded.opened.extracted], run)
    except FormatError as exc:
        message = f"cannot rebuild {loaded.filename} as {loaded.format_name}: {exc}"
        raise ApiError(400, message) from None
    return TranslatedFile(loaded, done.texts[0], done.results[0], done.segments)
