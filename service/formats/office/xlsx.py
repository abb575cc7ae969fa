"""Excel workbooks (.xlsx): shared strings (every text cell, rich text kept on its words),
inline strings, comments, text boxes and the title. Numbers, dates, booleans and formulas are
cell values, not strings, and are never touched; nor are a formula's cached text results,
sheet names (formulas refer to them) or number formats."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from service.formats.base import FormatOptions
from service.formats.office.drawingml import DRAWING_PARAGRAPHS
from service.formats.office.ooxml import OoxmlFormat, OoxmlKind, UnitFinder, element_text
from service.formats.office.runs import Dialect, RunParagraph
from service.formats.units import Unit

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

CELL_TEXT = Dialect(
    run=f"{S}r",
    props=f"{S}rPr",
    text=f"{S}t",
    kept=frozenset({f"{S}rPh", f"{S}phoneticPr"}),
)


def strings(tag: str) -> UnitFinder:
    """Every ``tag`` string item (``si``, ``is``, a comment's ``text``): plain or rich text."""

    def find(part: str, root: etree._Element) -> Iterator[Unit]:
        for item in root.iter(tag):
            if item.find(CELL_TEXT.run) is not None:
                unit = RunParagraph(part, item, CELL_TEXT)
                if unit.has_text():
                    yield unit
                continue
            text = item.find(CELL_TEXT.text)
            if text is not None and (text.text or "").strip():
                yield element_text(part, text, preserve_space=True)

    return find


WORKBOOK = OoxmlKind(
    "xlsx",
    {
        "spreadsheetml.sharedStrings+xml": strings(f"{S}si"),
        "spreadsheetml.worksheet+xml": strings(f"{S}is"),
        "spreadsheetml.comments+xml": strings(f"{S}text"),
        "drawing+xml": DRAWING_PARAGRAPHS,
    },
)


def make_format(options: FormatOptions) -> OoxmlFormat:
    return OoxmlFormat(WORKBOOK, options)
