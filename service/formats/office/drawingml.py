"""DrawingML text (``a:p`` paragraphs): slides, notes, shapes, SmartArt, text boxes in sheets.

A link is a property of a run here (``a:hlinkClick`` inside ``a:rPr``), so it travels with the
run's formatting; a field (``a:fld``: slide number, date) and a line break are opaque.
"""

from __future__ import annotations

from service.formats.office.ooxml import paragraphs
from service.formats.office.runs import Dialect

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"

DRAWING = Dialect(
    run=f"{A}r",
    props=f"{A}rPr",
    text=f"{A}t",
    kept=frozenset({f"{A}pPr", f"{A}endParaRPr"}),
    key_ignores=frozenset({"lang", "altLang", "dirty", "err", "smtClean", "smtId", "noProof"}),
    preserve_space=False,
)

DRAWING_PARAGRAPHS = paragraphs(f"{A}p", DRAWING)
