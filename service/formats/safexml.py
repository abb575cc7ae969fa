"""XML from untrusted files: no entity expansion, no DTD loading, no network, bounded size.

Every XML part a format reads (Office and OpenDocument parts, EPUB chapters and package files,
XLIFF) goes through :func:`parse`, so a "billion laughs" entity bomb or an external entity
(``<!ENTITY x SYSTEM "file:///etc/passwd">``) is never expanded: a document that declares
entities is refused with one line, since no format thaimt reads needs them.
"""

from __future__ import annotations

from lxml import etree

from service.formats.base import FormatError

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    remove_pis=False,
    strip_cdata=False,
)


def parse(data: bytes, what: str) -> etree._Element:
    """The root element of ``data`` (``what`` names the part in messages)."""
    try:
        tree = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"{what} is not well-formed XML ({exc})") from None
    docinfo = tree.getroottree().docinfo
    if docinfo.internalDTD is not None and _declares_entities(docinfo.internalDTD):
        raise FormatError(f"{what} declares XML entities (refused: entity expansion is unsafe)")
    return tree


def parse_text(text: str, what: str) -> etree._Element:
    """:func:`parse` for decoded text (written without an XML declaration: UTF-8)."""
    return parse(text.encode("utf-8", "surrogatepass"), what)


def _declares_entities(dtd: etree.DTD) -> bool:
    return any(True for _ in dtd.iterentities())


def serialise(root: etree._Element, source: bytes) -> bytes:
    """The document of ``root`` as bytes in the source's encoding, with the source's own XML
    declaration and the whitespace after it, byte for byte, when it had one."""
    tree = root.getroottree()
    encoding = tree.docinfo.encoding or "UTF-8"
    body = etree.tostring(tree, encoding=encoding, xml_declaration=False)
    declaration = _declaration(source)
    return declaration + body if declaration else body


def _declaration(data: bytes) -> bytes:
    """The XML declaration and the whitespace after it, or b"" when there is none."""
    start = len(data) - len(data.lstrip())
    if not data[start:].startswith(b"<?xml"):
        return b""
    end = data.find(b"?>", start) + 2
    rest = data[end:]
    return data[start:end] + rest[: len(rest) - len(rest.lstrip())]
