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

from service.formats.base import BinaryFormat, FileFormat, FormatError, FormatOptions


@dataclass(frozen=True)
class FormatRecord:
    """One file format."""

    name: str  # short name: ``--format``, the API's ``format`` field
    module: str  # the implementation; imported when a file needs it (``make_format(options)``)
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the usual one
    media_type: str  # Content-Type of a file in this format (text types are sent as UTF-8)
    description: str  # a few words for help texts
    # A binary format reads and writes bytes (``BinaryFormat.extract_bytes``); a text format
    # reads the decoded text (``FileFormat.extract``).
    binary: bool = False
    output_suffix: str = ""  # the result's extension when it is another kind of file (PDF → .docx)

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
register(FormatRecord("csv", "service.formats.csv", (".csv",), "text/csv", "CSV (--column)"))
register(
    FormatRecord(
        "tsv",
        "service.formats.tsv",
        (".tsv", ".tab"),
        "text/tab-separated-values",
        "TSV (--column)",
    )
)
register(
    FormatRecord(
        "po", "service.formats.po", (".po", ".pot"), "text/x-gettext-translation", "gettext PO"
    )
)

register(
    FormatRecord(
        "xml",
        "service.formats.xml",
        (".xml",),
        "application/xml",
        "XML (markup kept; DeepL's tag_handling=xml)",
    )
)

_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
for _name, _module, _extensions, _media, _about in (
    (
        "docx",
        "office.docx",
        (".docx", ".docm", ".dotx"),
        f"{_OOXML}.wordprocessingml.document",
        "Word",
    ),
    (
        "pptx",
        "office.pptx",
        (".pptx", ".pptm", ".potx", ".ppsx"),
        f"{_OOXML}.presentationml.presentation",
        "PowerPoint",
    ),
    ("xlsx", "office.xlsx", (".xlsx", ".xlsm", ".xltx"), f"{_OOXML}.spreadsheetml.sheet", "Excel"),
    ("odt", "office.odf", (".odt", ".ott"), f"{_ODF}.text", "OpenDocument text"),
    ("odp", "office.odf", (".odp", ".otp"), f"{_ODF}.presentation", "OpenDocument slides"),
    ("ods", "office.odf", (".ods", ".ots"), f"{_ODF}.spreadsheet", "OpenDocument sheets"),
    ("epub", "epub", (".epub",), "application/epub+zip", "EPUB"),
    ("xliff", "xliff", (".xlf", ".xliff"), "application/xliff+xml", "XLIFF 1.2/2.0"),
):
    register(
        FormatRecord(_name, f"service.formats.{_module}", _extensions, _media, _about, binary=True)
    )
register(
    FormatRecord(
        "pdf",
        "service.formats.pdf",
        (".pdf",),
        "application/pdf",
        "PDF with a text layer (the result is .docx)",
        binary=True,
        output_suffix=".docx",
    )
)


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


def is_binary(name: str) -> bool:
    """Whether the format called ``name`` reads and writes bytes."""
    return format_record(name).binary


def output_suffix(name: str) -> str:
    """The result's extension when the format writes another kind of file, else ""."""
    return format_record(name).output_suffix


def _make(record: FormatRecord, options: FormatOptions | None) -> object:
    module = importlib.import_module(record.module)
    return module.make_format(options or FormatOptions())


def get_format(name: str, options: FormatOptions | None = None) -> FileFormat:
    """The text format called ``name``, ready to extract files."""
    record = format_record(name)
    if record.binary:
        raise FormatError(f"{name} is a binary format: open it with service.formats.opening")
    fmt: FileFormat = _make(record, options)  # type: ignore[assignment]
    return fmt


def get_binary_format(name: str, options: FormatOptions | None = None) -> BinaryFormat:
    """The binary format called ``name`` (docx, pptx, xlsx, odt, odp, ods, epub, xliff, pdf)."""
    record = format_record(name)
    if not record.binary:
        raise FormatError(f"{name} is not a binary format")
    fmt: BinaryFormat = _make(record, options)  # type: ignore[assignment]
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
