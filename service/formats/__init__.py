"""File formats for batch and upload translation: each module extracts the translatable texts of
one format and rebuilds the file from their translations, leaving everything else as it was.
The formats are records in :mod:`service.formats.registry`; :mod:`service.formats.rounds`
translates extracted files."""

from service.formats.base import Extracted, FileFormat, FormatError, FormatOptions
from service.formats.registry import format_for_path, get_format

__all__ = [
    "Extracted",
    "FileFormat",
    "FormatError",
    "FormatOptions",
    "format_for_path",
    "get_format",
]
