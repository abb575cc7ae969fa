"""EPUB e-books: every XHTML chapter through the HTML format, the book's title (``dc:title`` in
the package document) and the table of contents' labels (NCX ``navLabel``; an EPUB 3 ``nav``
page is a chapter like any other). The package stays valid: the same entries in the same order,
``mimetype`` first and stored, images, fonts and styles untouched.

A chapter keeps its XML declaration and doctype; it is parsed and rebuilt by the HTML format
(html.parser), which keeps tags and attributes as they are written, and written as XHTML (void
elements closed, ``<link .../>``), so the result is still XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from lxml import etree

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.html import HtmlFormat
from service.formats.office.ooxml import element_text
from service.formats.office.package import Package, rewrite
from service.formats.units import Unit, combine, extracted_from_units

CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
OPF = "{http://www.idpf.org/2007/opf}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
XHTML_TYPES = ("application/xhtml+xml", "text/html")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _chapter(name: str, source: bytes) -> Extracted[bytes | None]:
    """An XHTML entry through the HTML format; its rebuild is None when nothing changed."""
    if _ENTITY_DECLARATION.search(source):
        raise FormatError(f"{name} declares XML entities (refused: entity expansion is unsafe)")
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{name} in the epub file is not UTF-8") from None
    html = HtmlFormat(xhtml=True).extract(text)

    def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> bytes | None:
        if list(translations) == html.texts and not fallbacks:
            return None  # left byte for byte as it was
        return html.rebuild(translations, fallbacks).encode("utf-8")

    return Extracted(html.texts, rebuild, html.fallback_texts)


class EpubFormat:
    name = "epub"

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract_bytes(self, data: bytes) -> Extracted[bytes]:
        package = Package(data, "epub", self.options.limits)
        if (
            not package.has("mimetype")
            or package.read("mimetype").strip() != b"application/epub+zip"
        ):
            raise FormatError("not an EPUB file: its mimetype entry is not application/epub+zip")
        opf_name = _package_document(package)
        opf = package.xml(opf_name)
        names = _chapters(opf, opf_name, package)
        chapters = [_chapter(name, package.read(name)) for name in names]
        trees = {opf_name: opf}
        sources = {opf_name: package.read(opf_name)}
        units: list[Unit] = [
            element_text(opf_name, t) for t in opf.iter(DC_TITLE) if (t.text or "").strip()
        ]
        for name in _ncx(opf, opf_name, package):
            trees[name], sources[name] = package.xml(name), package.read(name)
            units += _nav_labels(name, trees[name])
        labels = extracted_from_units(units, lambda changed: changed)

        def finish(rebuilt: list[Any]) -> bytes:
            *pages, changed = rebuilt
            raw = {n: page for n, page in zip(names, pages, strict=True) if page is not None}
            return rewrite(package, {n: trees[n] for n in changed}, sources, raw)

        return combine([*chapters, labels], finish)


def _package_document(package: Package) -> str:
    container = package.xml("META-INF/container.xml")
    rootfile = next(container.iter(f"{CONTAINER}rootfile"), None)
    path = rootfile.get("full-path") if rootfile is not None else None
    if not path or not package.has(path):
        raise FormatError("not a valid EPUB file: META-INF/container.xml names no package document")
    return path


def _resolve(opf_name: str, href: str) -> str:
    base = opf_name.rsplit("/", 1)[0] + "/" if "/" in opf_name else ""
    parts: list[str] = []
    for piece in (base + href.split("#")[0]).split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _manifest(opf: etree._Element, opf_name: str, package: Package) -> Iterator[tuple[str, str]]:
    """(entry name, media type) of each manifest item present in the package."""
    for item in opf.iter(f"{OPF}item"):
        name = _resolve(opf_name, item.get("href", ""))
        if package.has(name):
            yield name, item.get("media-type", "")


def _chapters(opf: etree._Element, opf_name: str, package: Package) -> list[str]:
    return [n for n, t in _manifest(opf, opf_name, package) if t in XHTML_TYPES]


def _ncx(opf: etree._Element, opf_name: str, package: Package) -> list[str]:
    return [n for n, t in _manifest(opf, opf_name, package) if t == "application/x-dtbncx+xml"]


def _nav_labels(part: str, root: etree._Element) -> list[Unit]:
    return [
        element_text(part, text)
        for label in root.iter(f"{NCX}navLabel", f"{NCX}docTitle")
        for text in label.iter(f"{NCX}text")
        if (text.text or "").strip()
    ]


def make_format(options: FormatOptions) -> EpubFormat:
    return EpubFormat(options)
