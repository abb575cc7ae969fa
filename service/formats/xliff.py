"""XLIFF 1.2 and 2.0 (.xlf, .xliff): each ``source`` is translated into its ``target``.

Inline codes are markers: paired codes (1.2 ``<g>``, ``<mrk>``; 2.0 ``<pc>``, ``<mrk>``) hold
the words they wrap, and every other code (``<x/>``, ``<bx/>``, ``<ex/>``, ``<ph>``, ``<bpt>``,
``<ept>``, ``<it>``; ``<ph/>``, ``<sc/>``, ``<ec/>``, ``<sm/>``, ``<em/>``, ``<cp/>``) and every
printf/Python/ICU placeholder in the text is one opaque item; all come back exactly once, with
their attributes. A unit with ``translate="no"`` is skipped; one that already has a target is
left alone unless ``overwrite_targets``. The target gets ``state="translated"``; a translation
the pipeline flagged is marked for review: 1.2 ``state="needs-review-translation"``, 2.0
``state="translated"`` plus a ``<note category="thaimt">`` in the unit naming the flags. The
file's target language is set to ``en`` where none is given. Parsed without entities or network.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.inline import InlineBuilder, InlineSentence, walk
from service.formats.placeholders import add_text
from service.formats.safexml import parse, serialise
from service.formats.units import extracted_from_units

V12 = "urn:oasis:names:tc:xliff:document:1.2"
V20 = "urn:oasis:names:tc:xliff:document:2.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class _Version:
    ns: str
    unit: str  # the element holding one source and its target
    containers: frozenset[str]  # paired codes
    language: tuple[str, str]  # (element, attribute) of the target language


VERSIONS = {
    V12: _Version(V12, "trans-unit", frozenset({"g", "mrk"}), ("file", "target-language")),
    V20: _Version(V20, "segment", frozenset({"pc", "mrk"}), ("xliff", "trgLang")),
}

Item = Any  # an inline code (an lxml element), or a placeholder of the text (a str)


class XliffUnit:
    """One source → target."""

    def __init__(self, holder: etree._Element, source: etree._Element, version: _Version):
        self.part = "xliff"
        self.holder = holder
        self.source = source
        self.version = version
        self.inline: InlineSentence[Item] = _sentence(source, version)
        self.sentence = self.inline.sentence
        self.flags: Sequence[str] = ()

    def fallback_texts(self, translation: str) -> list[str]:
        return self.inline.fallback_texts(translation)

    def apply(self, translation: str, fallbacks: Iterator[str]) -> bool:
        pieces = self.inline.resolve(translation, fallbacks)
        target = self._target()
        parents = [target]
        for event, value in walk(pieces, self.inline.pairs):
            if event == "text":
                _add_string(parents[-1], str(value))
            elif event == "close":
                parents.pop()
            else:
                assert isinstance(value, int)
                item = self.inline.item(value)
                if isinstance(item, str):
                    _add_string(parents[-1], item)
                    continue
                code = copy.deepcopy(item)
                code.tail = None
                if event == "open":
                    _clear(code)
                parents[-1].append(code)
                if event == "open":
                    parents.append(code)
        self._mark(target)
        return True

    def _target(self) -> etree._Element:
        """An empty target right after the source (an existing one is emptied in place)."""
        tag = f"{{{self.version.ns}}}target"
        target = self.source.getparent().find(tag)
        if target is None:
            target = etree.Element(tag)
            target.tail = self.source.tail
            indent = self.source.getparent().text
            if indent is not None and not indent.strip():
                self.source.tail = indent  # the target is indented like the source
            self.source.addnext(target)
        _clear(target)
        if self.version.ns == V12 and self.source.get(XML_LANG):
            target.set(XML_LANG, "en")
        return target

    def _mark(self, target: etree._Element) -> None:
        if self.version.ns == V12:
            target.set("state", "needs-review-translation" if self.flags else "translated")
            return
        self.holder.set("state", "translated")
        if self.flags:
            _add_note(self.holder.getparent(), self.flags)


def _sentence(source: etree._Element, version: _Version) -> InlineSentence[Item]:
    builder: InlineBuilder[Item] = InlineBuilder()
    add_text(builder, source.text or "")
    stack = [iter(source)]
    parents = [source]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            closed = parents.pop()
            if stack:
                builder.close(closed)
                add_text(builder, closed.tail or "")
            continue
        if etree.QName(child).localname in version.containers and isinstance(child.tag, str):
            builder.open(child)
            add_text(builder, child.text or "")
            stack.append(iter(child))
            parents.append(child)
            continue
        builder.opaque(child)
        add_text(builder, child.tail or "")
    return builder.finish()


def _clear(element: etree._Element) -> None:
    for child in list(element):
        element.remove(child)
    element.text = None


def _add_string(parent: etree._Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _add_note(unit: etree._Element, flags: Sequence[str]) -> None:
    notes = unit.find(f"{{{V20}}}notes")
    if notes is None:
        notes = etree.Element(f"{{{V20}}}notes")
        notes.tail = unit.text
        unit.insert(0, notes)  # notes come before the segments
    note = etree.SubElement(notes, f"{{{V20}}}note", category="thaimt")
    note.text = "machine translation to review: " + ", ".join(sorted(set(flags)))


def _units(root: etree._Element, version: _Version, overwrite: bool) -> Iterator[XliffUnit]:
    ns = f"{{{version.ns}}}"
    for holder in root.iter(f"{ns}{version.unit}"):
        owner = holder if version.ns == V12 else holder.getparent()
        if owner is not None and owner.get("translate") == "no":
            continue
        source = holder.find(f"{ns}source")
        target = holder.find(f"{ns}target")
        if source is None or (target is not None and _has_text(target) and not overwrite):
            continue
        unit = XliffUnit(holder, source, version)
        if unit.inline.has_text():
            yield unit


def _has_text(element: etree._Element) -> bool:
    return bool("".join(element.itertext()).strip()) or len(element) > 0


class XliffFormat:
    name = "xliff"

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract_bytes(self, data: bytes) -> Extracted[bytes]:
        if not data.strip():
            raise FormatError("empty file: an XLIFF file has content")
        root = parse(data, "the XLIFF file")
        version = VERSIONS.get(etree.QName(root).namespace or "")
        if etree.QName(root).localname != "xliff" or version is None:
            raise FormatError("not an XLIFF 1.2 or 2.0 file (root <xliff> in its namespace)")
        units = list(_units(root, version, self.options.overwrite_targets))

        def note_flags(flags: Sequence[Sequence[str]]) -> None:
            for unit, mine in zip(units, flags, strict=True):
                unit.flags = tuple(mine)

        def finish(changed: set[str]) -> bytes:
            if not changed:
                return data
            _set_language(root, version)
            return serialise(root, data)

        return extracted_from_units(units, finish, note_flags)


def _set_language(root: etree._Element, version: _Version) -> None:
    element, attribute = version.language
    for holder in [root] if element == "xliff" else root.iter(f"{{{version.ns}}}{element}"):
        if not holder.get(attribute):
            holder.set(attribute, "en")


def make_format(options: FormatOptions) -> XliffFormat:
    return XliffFormat(options)
