"""File formats for batch translation: each module extracts the translatable texts of one format
and rebuilds the file from their translations, leaving everything else as it was."""

from service.formats.base import (
    Extracted,
    FileFormat,
    FormatError,
    FormatOptions,
    format_for_path,
    get_format,
    translate_extracted,
)

__all__ = [
    "Extracted",
    "FileFormat",
    "FormatError",
    "FormatOptions",
    "format_for_path",
    "get_format",
    "translate_extracted",
]
