"""Tab-separated values (.tsv): the CSV format with a tab between cells."""

from __future__ import annotations

from service.formats.base import FormatOptions
from service.formats.csv import CsvFormat


class TsvFormat(CsvFormat):
    name = "tsv"
    delimiter = "\t"


def make_format(options: FormatOptions) -> TsvFormat:
    return TsvFormat(options)
