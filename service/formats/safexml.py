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


def _declares_entities(dtd: etree.DTD) -> bool:
    return any(True for _ in dtd.iterentities())


def serialise(root: etree._Element, source: bytes) -> bytes:
    """The document of ``root`` as bytes, with an XML declaration when the source had one (same
    encoding, same standalone, the same line end after it)."""
    tree = root.getroottree()
    docinfo = tree.docinfo
    declared = source.lstrip().startswith(b"<?xml")
    body = etree.tostring(
        tree,
        encoding=docinfo.encoding or "UTF-8",
        xml_declaration=declared,
        standalone=docinfo.standalone if declared else None,
    )
    if declared:
        after = _after_declaration(source)
        if after is not None and _after_declaration(body) == b"\n":
            end = body.index(b"?>") + 2
            body = body[:end] + after + body[end + 1 :]
    return body


def _after_declaration(data: bytes) -> bytes | None:
    """The whitespace between the XML declaration and what follows it."""
    end = data.find(b"?>")
    if end < 0:
        return None
    rest = data[end + 2 :]
    return rest[: len(rest) - len(rest.lstrip())]
