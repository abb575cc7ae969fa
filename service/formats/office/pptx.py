"""PowerPoint presentations (.pptx): slides (titles, text boxes, shapes, tables, SmartArt),
speaker notes, comments and the title. Layouts and masters (placeholder prompts a reader never
sees in a slide show) are left as they are."""

from __future__ import annotations

from service.formats.base import FormatOptions
from service.formats.office.drawingml import DRAWING_PARAGRAPHS
from service.formats.office.ooxml import OoxmlFormat, OoxmlKind, plain_texts

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"

PRESENTATION = OoxmlKind(
    "pptx",
    {
        "presentationml.slide+xml": DRAWING_PARAGRAPHS,
        "presentationml.notesSlide+xml": DRAWING_PARAGRAPHS,
        "drawingml.diagramData+xml": DRAWING_PARAGRAPHS,
        "ms-office.drawingml.diagramDrawing+xml": DRAWING_PARAGRAPHS,
        "presentationml.comments+xml": plain_texts(f"{P}text"),
    },
)


def make_format(options: FormatOptions) -> OoxmlFormat:
    return OoxmlFormat(PRESENTATION, options)
