"""Side-by-side exports: what a reviewer opens in Word or a spreadsheet."""

from __future__ import annotations

import io

import docx
import openpyxl

from service.desk.bilingual import bilingual_docx, bilingual_xlsx
from service.desk.tmx import import_tmx, pairs_tmx

ROWS = [("ราคา 100 บาท", "It costs 100 baht"), ("=1+1", "=SUM(A1:A9)"), ("Top", "Top")]


def test_a_word_table_thai_beside_english() -> None:
    document = docx.Document(io.BytesIO(bilingual_docx(ROWS, "News")))
    table = document.tables[0]
    cells = [tuple(c.text for c in row.cells) for row in table.rows]
    assert cells == [("Thai", "English"), *ROWS]
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # repeated on every page


def test_a_spreadsheet_whose_cells_are_never_formulas() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(bilingual_xlsx(ROWS, "News"))).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells == [("Thai", "English"), *ROWS]
    assert {c.data_type for row in sheet.iter_rows() for c in row} == {"s"}


def test_tmx_of_a_page_keeps_the_sentences_with_thai() -> None:
    units = import_tmx(pairs_tmx(ROWS)).units
    assert [(u.source, u.target) for u in units] == [ROWS[0]]
