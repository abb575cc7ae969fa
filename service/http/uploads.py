"""Glue for uploaded files: bytes → a batch format's texts → the shared batcher → the same format.

The same formats as ``thaimt batch`` (:mod:`service.formats`) and the same decoding
(:mod:`service.files.encodings`: UTF-8, UTF-16, TIS-620/Windows-874, ...). The output is UTF-8
with the source's line ends, named like LibreTranslate names its results: ``<stem>_en<ext>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from service.files.encodings import DecodedText, DecodeError, decode_bytes
from service.formats.base import (
    FORMAT_NAMES,
    Extracted,
    FormatError,
    FormatOptions,
    format_name_for_path,
    get_format,
)
from service.http.downloads import NAME_BYTES, cut_to_bytes
from service.http.errors import ApiError
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_documents_async, translate_extracted

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

# What /frontend/settings advertises and the page's file picker accepts (LibreTranslate lists
# extensions with their dot).
SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".srt", ".jsonl", ".ndjson")
DEFAULT_JSONL_FIELDS = ("text",)
TARGET_CODE = "en"


@dataclass
class LoadedFile:
    """An upload, decoded and split into the texts its format translates."""

    filename: str
    format_name: str
    decoded: DecodedText
    extracted: Extracted

    @property
    def characters(self) -> int:
        return sum(len(t) for t in self.extracted.texts)

    @property
    def output_name(self) -> str:
        path = PurePosixPath(self.filename.replace("\\", "/")).name or "file"
        stem, suffix = PurePosixPath(path).stem, PurePosixPath(path).suffix
        ending = f"_{TARGET_CODE}{suffix or '.' + self.format_name}"
        if len(ending.encode("utf-8")) > NAME_BYTES // 2:  # an "extension" that is no such
            stem, ending = path, f"_{TARGET_CODE}.{self.format_name}"
        # Cut by bytes (a long Thai name is 3 bytes a letter): the name fits a file system.
        return cut_to_bytes(stem, NAME_BYTES - len(ending.encode("utf-8"))) + ending


@dataclass
class TranslatedFile:
    source: LoadedFile
    content: str  # the whole translated file
    results: list[DocumentResult]  # one per extracted text
    segments: int

    @property
    def data(self) -> bytes:
        return self.content.encode("utf-8")


def choose_format(filename: str, format_name: str | None) -> str:
    """The format asked for, else the one the file's extension names (400 when neither)."""
    if format_name:
        if format_name not in FORMAT_NAMES:
            raise ApiError(
                400, f"unknown format {format_name!r}; choose one of {', '.join(FORMAT_NAMES)}"
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


def load_file(
    filename: str, data: bytes, format_name: str, fields: Sequence[str] = ()
) -> LoadedFile:
    """Decode and extract (400 with the reason when the file cannot be read)."""
    try:
        decoded = decode_bytes(data)
        options = FormatOptions(fields=tuple(fields) or DEFAULT_JSONL_FIELDS)
        extracted = get_format(format_name, options).extract(decoded.text)
    except (DecodeError, FormatError, ValueError) as exc:
        name = filename or "the file"
        raise ApiError(400, f"cannot read {name} as {format_name}: {exc}") from None
    return LoadedFile(filename, format_name, decoded, extracted)


async def translate_file(
    engine: Engine, batcher: Batcher, loaded: LoadedFile, options: TranslateOptions
) -> TranslatedFile:
    """Translate the file's texts through the shared batcher and rebuild the file."""

    async def run(texts: list[str]) -> tuple[list[DocumentResult], int]:
        return await translate_documents_async(engine, batcher, texts, options)

    try:
        done = await translate_extracted([loaded.extracted], run)
    except FormatError as exc:
        message = f"cannot rebuild {loaded.filename} as {loaded.format_name}: {exc}"
        raise ApiError(400, message) from None
    content = loaded.decoded.restore_newlines(done.texts[0])
    return TranslatedFile(loaded, content, done.results[0], done.segments)
