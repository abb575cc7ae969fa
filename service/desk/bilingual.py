"""Sentences side by side, for a reviewer or an archive: a Word table (python-docx) or a
spreadsheet (openpyxl), Thai in the first column and English in the second, one row per
sentence, the header row repeated on every printed page."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

Row = tuple[str, str]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("Thai", "English")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNPAIRED = re.compile("[\ud800-\udfff]")


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"side-by-side exports need {module.split('.')[0]}: pip install 'thaimt[desk]'"
        ) from exc


def bilingual_docx(rows: Sequence[Row], title: str) -> bytes:
    docx = _need("docx")
    document = docx.Document()
    title = _clean(title)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    header = table.rows[0]
    for cell, text in zip(header.cells, HEADER, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    _repeat_header(header)
    for source, target in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = _clean(source), _clean(target)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _repeat_header(row: Any) -> None:
    """Mark the row as a header row (``w:tblHeader``): Word repeats it on every page."""
    oxml = _need("docx.oxml")
    ns = _need("docx.oxml.ns")
    properties = row._tr.get_or_add_trPr()
    flag = oxml.OxmlElement("w:tblHeader")
    flag.set(ns.qn("w:val"), "true")
    properties.append(flag)


def bilingual_xlsx(rows: Sequence[Row], title: str) -> bytes:
    openpyxl = _need("openpyxl")
    styles = _need("openpyxl.styles")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Translation"
    book.properties.title = _clean(title)
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = styles.Font(bold=True)
    for source, target in rows:
        sheet.append([_clean(source), _clean(target)])
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text, never a formula (a sentence may start with "=")
    wrap = styles.Alignment(wrap_text=True, vertical="top")
    for column in ("A", "B"):
        sheet.column_dimensions[column].width = 70
        for cell in sheet[column]:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _clean(text: str) -> str:
    """What XML 1.0 cannot hold: controls other than tab and newlines, and U+FFFE/U+FFFF are
    dropped; a lone surrogate (valid JSON, not Unicode) becomes U+FFFD."""
    return _UNPAIRED.sub("\ufffd", _NOT_XML.sub("", text))
