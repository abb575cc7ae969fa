"""Office Open XML packages (.docx, .pptx, .xlsx): which parts hold text, and how.

A format is a record: for each content type (from ``[Content_Types].xml``) the elements that
are units of text in it, read as run paragraphs (:mod:`service.formats.office.runs`) or as plain
texts. The document title (``dc:title`` in the core properties) is a unit of every format. Parts
are visited in the package's own order, units in document order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lxml import etree

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.office.package import Package, rewrite
from service.formats.office.runs import Dialect, RunParagraph
from service.formats.units import PlainUnit, Unit, extracted_from_units

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
CORE = "application/vnd.openxmlformats-package.core-properties+xml"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"

# (content type, part) -> its units
UnitFinder = Callable[[str, etree._Element], Iterator[Unit]]


@dataclass(frozen=True)
class OoxmlKind:
    """One Office Open XML format: the units of each content type it translates."""

    name: str
    finders: dict[str, UnitFinder] = field(default_factory=dict)  # content type suffix -> units


def paragraphs(tag: str, dialect: Dialect) -> UnitFinder:
    """Every ``tag`` element with text, as a run paragraph."""

    def find(part: str, root: etree._Element) -> Iterator[Unit]:
        for element in root.iter(tag):
            unit = RunParagraph(part, element, dialect)
            if unit.has_text():
                yield unit

    return find


def plain_texts(tag: str) -> UnitFinder:
    """The text of every ``tag`` element (no markup inside)."""

    def find(part: str, root: etree._Element) -> Iterator[Unit]:
        for element in root.iter(tag):
            if (element.text or "").strip():
                yield element_text(part, element)

    return find


def element_text(part: str, element: etree._Element, preserve_space: bool = False) -> PlainUnit:
    """The element's text as a unit; with ``preserve_space``, xml:space="preserve" is set when
    the new text has outer spaces (SpreadsheetML drops them otherwise)."""

    def put(text: str) -> None:
        element.text = text
        if preserve_space and text != text.strip():
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    return PlainUnit(part, lambda: element.text or "", put)


def combined(*finders: UnitFinder) -> UnitFinder:
    def find(part: str, root: etree._Element) -> Iterator[Unit]:
        for finder in finders:
            yield from finder(part, root)

    return find


class OoxmlFormat:
    """A binary format over :class:`OoxmlKind`."""

    def __init__(self, kind: OoxmlKind, options: FormatOptions) -> None:
        self.kind = kind
        self.name = kind.name
        self.options = options

    def extract_bytes(self, data: bytes) -> Extracted[bytes]:
        package = Package(data, self.name, self.options.limits)
        types = _content_types(package)
        if not any(_finder(self.kind, t) for t in types.values() if t != CORE):
            raise FormatError(f"not a {self.name} file: it has none of a {self.name}'s parts")
        roots: dict[str, etree._Element] = {}
        sources: dict[str, bytes] = {}
        units: list[Unit] = []
        for name in package.names:
            content_type = types.get(name, "")
            finder = _title_finder if content_type == CORE else _finder(self.kind, content_type)
            if finder is None:
                continue
            sources[name] = package.read(name)
            roots[name] = package.xml(name)
            units += finder(name, roots[name])

        def finish(changed: set[str]) -> bytes:
            return rewrite(package, {n: roots[n] for n in changed}, sources)

        return extracted_from_units(units, finish)


def _title_finder(part: str, root: etree._Element) -> Iterator[Unit]:
    return plain_texts(DC_TITLE)(part, root)


def _finder(kind: OoxmlKind, content_type: str) -> UnitFinder | None:
    base = content_type.split(";")[0].strip()
    return next((f for suffix, f in kind.finders.items() if base.endswith(suffix)), None)


def _content_types(package: Package) -> dict[str, str]:
    """Part name (as in the zip) → content type: overrides, else the extension's default."""
    root = package.xml("[Content_Types].xml")
    defaults = {
        d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{CT}Default")
    }
    overrides = {
        o.get("PartName", "").lstrip("/"): o.get("ContentType", "")
        for o in root.iter(f"{CT}Override")
    }
    found: dict[str, str] = {}
    for name in package.names:
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        found[name] = overrides.get(name, defaults.get(extension, ""))
    return found
