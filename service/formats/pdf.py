"""PDF with a text layer → a translated Word document (.docx).

A PDF has no paragraphs, only positioned characters, so it cannot be translated in place. Each
page's text is read with pdfplumber (pdfminer.six): lines are grouped into paragraphs by their
spacing and font size, lines in a clearly larger font than the page body become headings, and
tables that pdfplumber detects (ruled tables) become Word tables; pages follow each other with a
page break, in reading order top to bottom. What is lost: the layout (columns, positions, page
size), fonts, colours, images, links, headers and footers as such (they become paragraphs),
and side-by-side columns (read as lines across the page). A PDF without a text layer (a scan)
is refused: "scanned PDF: no text layer; OCR it first".
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.formats.base import Extracted, FormatError, FormatOptions

HEADING_RATIO = 1.25  # a line this much larger than the body's font is a heading
GAP_RATIO = 0.8  # a vertical gap larger than this × the line height starts a paragraph


def _libraries() -> tuple[Any, Any]:
    try:
        import docx
        import pdfplumber
    except ImportError as exc:
        raise FormatError(
            "PDF files need pdfplumber and python-docx: pip install 'thaimt[documents]'"
        ) from exc
    return pdfplumber, docx


@dataclass
class Block:
    """A paragraph (``rows`` empty), a heading (``level`` > 0), or a table (``rows``)."""

    top: float
    text: str = ""
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    page_break: bool = False  # a new page starts before this block


def _open(data: bytes) -> Any:
    pdfplumber, _ = _libraries()
    if not data.startswith(b"%PDF"):
        raise FormatError("not a PDF file: it does not start with %PDF")
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer's syntax and password errors share no base class
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise FormatError(
                "password-protected PDF: remove the password and send it again"
            ) from None
        raise FormatError(f"corrupt or truncated PDF ({name})") from None


def read_blocks(data: bytes) -> list[Block]:
    """The PDF's paragraphs, headings and tables in reading order."""
    blocks: list[Block] = []
    with _open(data) as pdf:
        try:
            for number, page in enumerate(pdf.pages):
                found = _page_blocks(page)
                if found and number:
                    found[0].page_break = True
                blocks += found
        except FormatError:
            raise
        except Exception as exc:
            raise FormatError(f"cannot read the PDF ({type(exc).__name__}: {exc})") from None
    if not any(b.text.strip() or b.rows for b in blocks):
        raise FormatError("scanned PDF: no text layer; OCR it first")
    return blocks


def _page_blocks(page: Any) -> list[Block]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    lines = [
        line
        for line in page.extract_text_lines(return_chars=True)
        if line["text"].strip() and not any(_inside(line, box) for box in boxes)
    ]
    blocks = _paragraphs(lines)
    blocks += [Block(t.bbox[1], rows=_cells(t.extract())) for t in tables]
    return sorted(blocks, key=lambda b: b.top)


def _inside(line: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    middle = (line["top"] + line["bottom"]) / 2
    return box[1] <= middle <= box[3] and box[0] - 1 <= line["x0"] <= box[2]


def _cells(rows: list[list[str | None]]) -> list[list[str]]:
    return [[(cell or "").strip() for cell in row] for row in rows]


def _size(line: dict[str, Any]) -> float:
    sizes = [c.get("size", 0.0) for c in line.get("chars", [])]
    return statistics.median(sizes) if sizes else 0.0


def _paragraphs(lines: list[dict[str, Any]]) -> list[Block]:
    if not lines:
        return []
    body = statistics.median(_size(line) for line in lines) or 1.0
    blocks: list[Block] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        size = _size(line)
        level = (
            1 if size >= body * HEADING_RATIO * 1.3 else 2 if size >= body * HEADING_RATIO else 0
        )
        text = line["text"].strip()
        if previous is not None and blocks and _continues(previous, line, blocks[-1].level, level):
            blocks[-1].text += ("" if _thai_join(blocks[-1].text, text) else " ") + text
        else:
            blocks.append(Block(line["top"], text, level))
        previous = line
    return blocks


def _continues(previous: dict[str, Any], line: dict[str, Any], was: int, level: int) -> bool:
    height = previous["bottom"] - previous["top"]
    return was == level and line["top"] - previous["bottom"] < GAP_RATIO * max(height, 1.0)


def _thai_join(left: str, right: str) -> bool:
    """Thai has no spaces between words: a line break inside Thai text joins without one."""
    return bool(left and right) and _is_thai(left[-1]) and _is_thai(right[0])


def _is_thai(char: str) -> bool:
    return "\u0e00" <= char <= "\u0e7f"


def block_texts(blocks: Sequence[Block]) -> list[str]:
    """The texts to translate: each paragraph or heading, each non-empty table cell."""
    return [
        t for b in blocks for t in ([c for r in b.rows for c in r if c] if b.rows else [b.text])
    ]


def write_docx(blocks: Sequence[Block], texts: Sequence[str]) -> bytes:
    """A Word document with the blocks, each text taken in order from ``texts``."""
    _, docx = _libraries()
    document = docx.Document()
    remaining = iter(texts)
    for block in blocks:
        if block.page_break:
            document.add_page_break()
        if block.rows:
            width = max(len(row) for row in block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = next(remaining) if cell else ""
        elif block.level:
            document.add_heading(next(remaining), level=block.level)
        else:
            document.add_paragraph(next(remaining))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class PdfFormat:
    name = "pdf"

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract_bytes(self, data: bytes) -> Extracted[bytes]:
        blocks = read_blocks(data)
        texts = block_texts(blocks)

        def rebuild(translations: Sequence[str]) -> bytes:
            return write_docx(blocks, translations)

        return Extracted(texts, rebuild)


def make_format(options: FormatOptions) -> PdfFormat:
    return PdfFormat(options)
