"""The file formats, one registered record each; every list of formats is derived from here.

A record names the format (``--format``, the upload's ``format`` field), the module that
implements it (imported only when a file needs it; it defines ``make_format(options)``), the
file extensions it claims and the media type of a file in it. The CLI's ``--format`` choices,
the batch runner's discovery, the upload routes' accepted extensions, LibreTranslate's
``supportedFilesFormat`` and the download's ``Content-Type`` all read these records, so a new
format is one more record (and its module).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import PurePath

from service.formats.base import FileFormat, FormatError, FormatOptions


@dataclass(frozen=True)
class FormatRecord:
    """One file format."""

    name: str  # short name: ``--format``, the API's ``format`` field
    module: str  # the implementation; imported when a file needs it (``make_format(options)``)
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the usual one
    media_type: str  # Content-Type of a file in this format (text types are sent as UTF-8)
    description: str  # a few words for help texts

    def __post_init__(self) -> None:
        bad = [e for e in self.extensions if not e.startswith(".") or e != e.lower()]
        if not self.extensions or bad:
            raise ValueError(f"format {self.name!r}: extensions must be lower case with a dot")


FORMATS: list[FormatRecord] = []


def register(record: FormatRecord) -> FormatRecord:
    """Add a format; its name and extensions must not be claimed already."""
    for known in FORMATS:
        taken = set(known.extensions) & set(record.extensions)
        if known.name == record.name or taken:
            raise ValueError(f"format {record.name!r} collides with {known.name!r}")
    FORMATS.append(record)
    return record


register(FormatRecord("txt", "service.formats.txt", (".txt", ".text"), "text/plain", "plain text"))
register(
    FormatRecord(
        "md",
        "service.formats.markdown",
        (".md", ".markdown", ".mdown", ".mkd"),
        "text/markdown",
        "Markdown",
    )
)
register(
    FormatRecord("html", "service.formats.html", (".html", ".htm", ".xhtml"), "text/html", "HTML")
)
register(
    FormatRecord(
        "jsonl",
        "service.formats.jsonl",
        (".jsonl", ".ndjson"),
        "application/x-ndjson",
        "JSON Lines (the fields named by --field)",
    )
)
register(FormatRecord("srt", "service.formats.srt", (".srt",), "application/x-subrip", "subtitles"))


def format_names() -> tuple[str, ...]:
    """Every format's name, in registration order."""
    return tuple(r.name for r in FORMATS)


def supported_extensions() -> tuple[str, ...]:
    """Every extension some format claims (with the dot, as LibreTranslate lists them)."""
    return tuple(e for r in FORMATS for e in r.extensions)


def format_record(name: str) -> FormatRecord:
    """The record called ``name``; a FormatError naming the choices otherwise."""
    for record in FORMATS:
        if record.name == name:
            return record
    raise FormatError(f"unknown format {name!r}; choose one of {', '.join(format_names())}")


def record_for_path(path: str | PurePath) -> FormatRecord | None:
    """The record whose extensions claim ``path``'s (case-insensitive), or None."""
    suffix = PurePath(path).suffix.lower()
    return next((r for r in FORMATS if suffix in r.extensions), None)


def format_name_for_path(path: str | PurePath) -> str | None:
    """The format name for a file extension, or None when no format claims it."""
    record = record_for_path(path)
    return None if record is None else record.name


def get_format(name: str, options: FormatOptions | None = None) -> FileFormat:
    """The format called ``name``, ready to extract files."""
    module = importlib.import_module(format_record(name).module)
    fmt: FileFormat = module.make_format(options or FormatOptions())
    return fmt


def format_for_path(path: str | PurePath, options: FormatOptions | None = None) -> FileFormat:
    name = format_name_for_path(path)
    if name is None:
        raise FormatError(f"no format for extension {PurePath(path).suffix!r}; use --format")
    return get_format(name, options)


def media_type_for_path(path: str | PurePath) -> str:
    """The Content-Type to send a file as: its format's (text types in UTF-8), else bytes."""
    record = record_for_path(path)
    if record is None:
        return "application/octet-stream"
    text = record.media_type.startswith("text/")
    return f"{record.media_type}; charset=utf-8" if text else record.media_type
