"""Any file's bytes → its format's texts → the translated file's bytes.

Every front end that takes a file (``/v1/translate/file``, ``/translate_file``, ``thaimt
batch``, the document jobs) opens it here: a binary format (docx, xlsx, epub, xliff, pdf, ...)
reads the bytes itself; a text format gets them decoded (:mod:`service.files.encodings`: UTF-8,
UTF-16, TIS-620, ...) and its result is encoded back to UTF-8 with the source's line ends. The
result is one ``Extracted[bytes]``, translated like any other (two rounds, one workflow:
:func:`service.workflow.translate_extracted` or :func:`service.formats.base.translation_rounds`).

A file that is not what its format expects (an HTML page named .docx, a password-protected or
truncated file, a zip bomb, a scanned PDF) raises :class:`FormatError` with one line saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from service.files.encodings import DecodeError, decode_bytes
from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.registry import get_binary_format, get_format, is_binary, output_suffix


@dataclass
class OpenedFile:
    """A file opened by its format."""

    format_name: str
    extracted: Extracted[bytes]
    encoding: str | None  # a text format's source encoding; None for a binary format
    output_suffix: str  # "" (same as the source's) or the result's own (.pdf → .docx)
    source_characters: int = 0  # a text format's decoded length; 0 for a binary format

    @property
    def characters(self) -> int:
        """Characters handed to the pipeline (what a request is charged)."""
        return sum(len(t) for t in self.extracted.texts)

    def output_name(self, filename: str, target: str = "en") -> str:
        """``<stem>_<target><ext>`` (LibreTranslate's naming), with the result's extension."""
        path = PurePosixPath(PurePosixPath(filename.replace("\\", "/")).name or "file")
        suffix = self.output_suffix or path.suffix or f".{self.format_name}"
        return f"{path.stem}_{target}{suffix}"


def open_bytes(format_name: str, data: bytes, options: FormatOptions | None = None) -> OpenedFile:
    """``data`` opened as ``format_name`` (FormatError with the reason when it cannot be)."""
    options = options or FormatOptions()
    if is_binary(format_name):
        fmt = get_binary_format(format_name, options)
        extracted = _checked(fmt.extract_bytes, data)
        return OpenedFile(format_name, extracted, None, output_suffix(format_name))
    try:
        decoded = decode_bytes(data)
    except DecodeError as exc:
        raise FormatError(str(exc)) from None
    text = _checked(get_format(format_name, options).extract, decoded.text)

    def rebuild(translations: Sequence[str], fallbacks: Sequence[str] = ()) -> bytes:
        return decoded.restore_newlines(text.rebuild(translations, fallbacks)).encode("utf-8")

    def fallback_texts(translations: Sequence[str]) -> list[str]:
        return text.fallback_texts(translations)

    extracted = Extracted(text.texts, rebuild, fallback_texts, text.note_flags)
    return OpenedFile(format_name, extracted, decoded.encoding, "", len(decoded.text))


def _checked(extract, source):  # type: ignore[no-untyped-def]
    """A format's own ValueError (too many markers in a paragraph, ...) is a FormatError."""
    try:
        return extract(source)
    except FormatError:
        raise
    except (ValueError, RecursionError) as exc:
        raise FormatError(str(exc) or type(exc).__name__) from None
