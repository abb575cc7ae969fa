"""OpenDocument (.odt, .odp, .ods): paragraphs and headings of the body, tables, frames, text
boxes, notes, comments, slide notes, headers and footers (master pages in styles.xml), string
cells, and the title (meta.xml). Which of the three a file is comes from its ``mimetype`` entry.

ODF inline markup nests (``text:span``, ``text:a``, ``text:meta``), so spans are containers
whose open and close markers travel with the words they hold, as in the HTML format. Tabs, line
breaks, fields (page numbers, dates, titles), notes, frames, comments and bookmarks are opaque
markers; the paragraphs inside a note, frame or comment are units of their own. Cells whose value
is a number, date, time, percentage, currency or boolean, and cells with a formula, keep their
text (the displayed value) as it is.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

from lxml import etree

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.inline import InlineBuilder, InlineSentence, walk
from service.formats.office.ooxml import element_text
from service.formats.office.package import Package, rewrite
from service.formats.office.scripts import has_complex_script, missing_twins
from service.formats.units import Unit, extracted_from_units

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
T, TB, OF = f"{{{TEXT}}}", f"{{{TABLE}}}", f"{{{OFFICE}}}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
ST = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
# Complex-script text properties → their Latin twins (:mod:`service.formats.office.scripts`).
SCRIPT_TWINS = {
    f"{ST}font-weight-complex": f"{FO}font-weight",
    f"{ST}font-style-complex": f"{FO}font-style",
    f"{ST}font-size-complex": f"{FO}font-size",
}

PARAGRAPHS = (f"{T}p", f"{T}h")
CONTAINERS = frozenset({f"{T}span", f"{T}a", f"{T}meta"})
DROPPED = frozenset({f"{T}soft-page-break"})  # layout hints the application recomputes
MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_SPACES = re.compile(r"[ \t\r\n]+")
_RUN_OF_SPACES = re.compile(r"( {2,})")


class OdfParagraph:
    """A ``text:p`` or ``text:h`` as a unit."""

    def __init__(self, part: str, paragraph: etree._Element) -> None:
        self.part = part
        self.paragraph = paragraph
        self.inline: InlineSentence[etree._Element] = _sentence(paragraph)
        self.sentence = self.inline.sentence
        self.thai_spans = [
            span
            for span in paragraph.iter(f"{T}span")
            if has_complex_script("".join(span.itertext()))
        ]

    def fallback_texts(self, translation: str) -> list[str]:
        return self.inline.fallback_texts(translation)

    def apply(self, translation: str, fallbacks: Iterator[str]) -> bool:
        if translation == self.sentence:
            return False
        pieces = self.inline.resolve(translation, fallbacks)
        for child in list(self.paragraph):
            self.paragraph.remove(child)
        self.paragraph.text = None
        parents = [self.paragraph]
        for event, value in walk(pieces, self.inline.pairs):
            if event == "text":
                _append_text(parents[-1], str(value), self.paragraph)
            elif event == "close":
                parents.pop()
            else:
                assert isinstance(value, int)
                element = self.inline.item(value)
                element.tail = None
                if event == "open":
                    _clear(element)
                    if element in self.thai_spans:
                        _latin_style(element)
                parents[-1].append(element)
                if event == "open":
                    parents.append(element)
        return True


def _sentence(paragraph: etree._Element) -> InlineSentence[etree._Element]:
    """Mixed content in reading order (an explicit stack: any nesting depth)."""
    builder: InlineBuilder[etree._Element] = InlineBuilder()
    builder.text(_collapse(paragraph.text))
    stack = [iter(paragraph)]
    parents = [paragraph]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            closed = parents.pop()
            if stack:
                builder.close(closed)
                builder.text(_collapse(closed.tail))
            continue
        if child.tag in CONTAINERS:
            builder.open(child)
            builder.text(_collapse(child.text))
            stack.append(iter(child))
            parents.append(child)
            continue
        if child.tag == f"{T}s":
            builder.text(" " * _count(child))
        elif child.tag not in DROPPED:
            builder.opaque(child)
        builder.text(_collapse(child.tail))
    return builder.finish()


def _collapse(text: str | None) -> str:
    return _SPACES.sub(" ", text) if text else ""


def _count(space: etree._Element) -> int:
    try:
        return max(1, min(1000, int(space.get(f"{T}c", "1"))))
    except ValueError:
        return 1


def _latin_style(span: etree._Element) -> None:
    """Point a span cut from Thai text at a copy of its automatic style with the missing Latin
    twins of its complex-script properties (``<span>_latin``, made once per part); the source
    style, which other text may use, stays as it was."""
    name = span.get(f"{T}style-name")
    automatic = span.getroottree().getroot().find(f"{OF}automatic-styles")
    if name is None or automatic is None:
        return
    styles = {s.get(f"{ST}name"): s for s in automatic.iter(f"{ST}style")}
    style = styles.get(name)
    props = style.find(f"{ST}text-properties") if style is not None else None
    if style is None or props is None:
        return  # a common style (styles.xml): left alone
    twins = missing_twins(dict(props.attrib), SCRIPT_TWINS)
    if not twins:
        return
    latin = f"{name}_latin"
    if latin not in styles:
        copied = copy.deepcopy(style)
        copied.set(f"{ST}name", latin)
        copied_props = copied.find(f"{ST}text-properties")
        assert copied_props is not None
        for attribute, value in twins.items():
            copied_props.set(attribute, value)
        style.addnext(copied)
    span.set(f"{T}style-name", latin)


def _clear(element: etree._Element) -> None:
    for child in list(element):
        element.remove(child)
    element.text = None


def _append_text(parent: etree._Element, text: str, paragraph: etree._Element) -> None:
    """Text with ODF's spaces: a run of spaces (or one at the paragraph's start) keeps all but
    its first as ``text:s``."""
    for part in _RUN_OF_SPACES.split(text):
        if not part:
            continue
        at_start = parent is paragraph and len(parent) == 0 and not parent.text
        if part.startswith(" ") and not part.strip() and (len(part) > 1 or at_start):
            first = " " if not at_start else ""
            _add_string(parent, first)
            space = etree.SubElement(parent, f"{T}s")
            if len(part) - len(first) > 1:
                space.set(f"{T}c", str(len(part) - len(first)))
        else:
            if at_start and part.startswith(" "):
                etree.SubElement(parent, f"{T}s")
                part = part[1:]
            _add_string(parent, part)


def _add_string(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _in_value_cell(paragraph: etree._Element) -> bool:
    """Inside a table cell whose value is not a string, or that has a formula."""
    for ancestor in paragraph.iterancestors(f"{TB}table-cell", f"{TB}covered-table-cell"):
        if ancestor.get(f"{TB}formula") is not None:
            return True
        value_type = ancestor.get(f"{OF}value-type")
        return value_type is not None and value_type != "string"
    return False


def _paragraph_units(part: str, root: etree._Element) -> Iterator[Unit]:
    for element in root.iter(*PARAGRAPHS):
        if _in_value_cell(element):
            continue
        unit = OdfParagraph(part, element)
        if unit.inline.has_text():
            yield unit


def _title_units(part: str, root: etree._Element) -> Iterator[Unit]:
    for title in root.iter(DC_TITLE):
        if (title.text or "").strip():
            yield element_text(part, title)


class OdfFormat:
    name = "odf"

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract_bytes(self, data: bytes) -> Extracted[bytes]:
        package = Package(data, "OpenDocument", self.options.limits)
        _check(package)
        roots: dict[str, etree._Element] = {}
        sources: dict[str, bytes] = {}
        units: list[Unit] = []
        for name, finder in (
            ("content.xml", _paragraph_units),
            ("styles.xml", _paragraph_units),
            ("meta.xml", _title_units),
        ):
            if package.has(name):
                sources[name] = package.read(name)
                roots[name] = package.xml(name)
                units += finder(name, roots[name])

        def finish(changed: set[str]) -> bytes:
            return rewrite(package, {n: roots[n] for n in changed}, sources)

        return extracted_from_units(units, finish)


def _check(package: Package) -> None:
    mimetype = package.read("mimetype").decode("ascii", "replace").strip()
    if not any(mimetype.startswith(m) for m in MIMETYPES.values()):
        raise FormatError(f"not an OpenDocument text, presentation or spreadsheet ({mimetype})")
    if package.has("META-INF/manifest.xml"):
        manifest = package.xml("META-INF/manifest.xml")
        if next(manifest.iter(f"{MANIFEST}encryption-data"), None) is not None:
            raise FormatError(
                "password-protected OpenDocument file: remove the password and send it again"
            )
    if not package.has("content.xml"):
        raise FormatError("not a valid OpenDocument file: it has no content.xml")


def make_format(options: FormatOptions) -> OdfFormat:
    return OdfFormat(options)
