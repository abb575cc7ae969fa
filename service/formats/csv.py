"""Comma-separated values (.csv): the cells of the columns a user names, or every column with
Thai in it, are translated; every other byte (delimiters, quotes, line ends, the other cells)
comes back as it was.

Parsed by hand (RFC 4180: ``"`` quotes, ``""`` inside quotes, quoted line breaks) because the
``csv`` module does not say where a cell was or whether it was quoted: a quoted cell stays quoted,
an unquoted one gets quotes only when its translation needs them (a delimiter, a quote or a line
break). ``columns`` names columns by their header (then the first row is a header and stays) or
by number from 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.formats.base import Extracted, FormatError, FormatOptions
from service.text.normalize import has_thai


@dataclass(frozen=True)
class Cell:
    start: int  # the cell's raw text (quotes included) is content[start:end]
    end: int
    value: str
    quoted: bool


def parse_rows(content: str, delimiter: str) -> list[list[Cell]]:
    """Every row's cells with their places in ``content``."""
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    i, size = 0, len(content)
    while i <= size:
        cell, i = _cell(content, i, delimiter)
        row.append(cell)
        if i >= size or content[i] in "\r\n":
            rows.append(row)
            row = []
            i += 2 if content.startswith("\r\n", i) else 1
            if i >= size:
                break
        else:
            i += 1  # the delimiter
    return rows


def _cell(content: str, i: int, delimiter: str) -> tuple[Cell, int]:
    if i < len(content) and content[i] == '"':
        parts, j = [], i + 1
        while True:
            close = content.find('"', j)
            if close < 0:
                raise FormatError(f"unclosed quote in the cell starting at character {i}")
            parts.append(content[j:close])
            if content.startswith('""', close):
                parts.append('"')
                j = close + 2
                continue
            end = close + 1
            stop = _field_end(content, end, delimiter)
            return Cell(i, stop, "".join(parts) + content[end:stop], True), stop
    stop = _field_end(content, i, delimiter)
    return Cell(i, stop, content[i:stop], False), stop


def _field_end(content: str, i: int, delimiter: str) -> int:
    ends = [p for p in (content.find(c, i) for c in (delimiter, "\r", "\n")) if p >= 0]
    return min(ends) if ends else len(content)


def _quote(value: str, quoted: bool, delimiter: str) -> str:
    if quoted or any(c in value for c in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _chosen(rows: list[list[Cell]], columns: Sequence[str]) -> tuple[set[int], int]:
    """Column indexes to translate, and the first row to translate (1 with a named header)."""
    if not columns:
        found = {i for row in rows for i, cell in enumerate(row) if has_thai(cell.value)}
        return found, 0
    header = [cell.value.strip() for cell in rows[0]] if rows else []
    chosen, by_name = set(), False
    for column in columns:
        if column.isdigit() and int(column) >= 1:
            chosen.add(int(column) - 1)
        elif column in header:
            chosen.add(header.index(column))
            by_name = True
        else:
            raise FormatError(
                f"no column {column!r}: name a header ({', '.join(header[:20])}) or a number from 1"
            )
    return chosen, 1 if by_name else 0


class CsvFormat:
    name = "csv"
    delimiter = ","

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract(self, content: str) -> Extracted[str]:
        rows = parse_rows(content, self.delimiter)
        columns, first = _chosen(rows, self.options.columns)
        cells = [
            cell
            for row in rows[first:]
            for i, cell in enumerate(row)
            if i in columns and cell.value.strip()
        ]

        def rebuild(translations: Sequence[str]) -> str:
            out, position = [], 0
            for cell, translation in zip(cells, translations, strict=True):
                out.append(content[position : cell.start])
                same = translation == cell.value
                raw = content[cell.start : cell.end]
                out.append(raw if same else _quote(translation, cell.quoted, self.delimiter))
                position = cell.end
            out.append(content[position:])
            return "".join(out)

        return Extracted([c.value for c in cells], rebuild)


def make_format(options: FormatOptions) -> CsvFormat:
    return CsvFormat(options)
