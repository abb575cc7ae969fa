"""XML (DeepL's ``tag_handling=xml``, and ``.xml`` files): text is translated, markup is kept.

The text may be a whole document or a fragment (several elements, text around them: what a
DeepL client sends); it is parsed with lxml inside a wrapper element, without entities or
network access (:mod:`service.formats.safexml`), and an XML declaration or a DOCTYPE before it
is kept as written. Attributes, comments and processing instructions are never translated.

Each element is a *block* (its text is a sentence of its own) or *inline* (its text joins the
sentence around it, its tags carried as markers, as the HTML format carries ``<b>``):

- an element named in ``ignore`` is copied as it is, content included (one opaque marker);
- one named in ``splitting`` is a block, one named in ``non_splitting`` is inline;
- any other is inline when it sits in mixed content (its parent has text of its own beside it)
  and a block otherwise; with ``outline_detection`` off every such element is inline, so only
  ``splitting`` elements end a sentence (DeepL's meaning of the four options);
- an inline element that holds a block is a block too; an empty element, a comment and a
  processing instruction inside a sentence are opaque markers.

Inline tags come back on the right words in the translation's order when that nests, otherwise
in the source's (:class:`service.formats.inline.InlineSentence`), and an element whose markers
the model lost is refilled from its own text pieces translated on their own (the second round).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from service.formats.base import Extracted, FormatError, FormatOptions, TagOptions
from service.formats.inline import InlineBuilder, InlineSentence, walk
from service.formats.safexml import parse_text

WRAPPER = "thaimt-fragment"
# An XML declaration and a DOCTYPE without an internal subset, kept verbatim before the content.
PROLOG = re.compile(r"\A\s*(?:<\?xml\b[^>]*\?>)?\s*(?:<!DOCTYPE\b[^>\[]*>)?\s*")

Item = Any  # a block's content in order: text (str) and child elements (lxml's)


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``""`` for a comment or processing instruction)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _is_markup(element: etree._Element) -> bool:
    """A comment or processing instruction (lxml gives them a function as their tag)."""
    return not isinstance(element.tag, str)


@dataclass(frozen=True)
class _Outline:
    """Which elements are inline, opaque or blocks under the tag options."""

    tags: TagOptions

    def is_opaque(self, element: etree._Element) -> bool:
        if _is_markup(element) or local_name(element) in self.tags.ignore:
            return True
        return len(element) == 0 and not (element.text or "")  # an empty element: <br/>

    def is_inline(self, element: etree._Element) -> bool:
        """Whether ``element`` (not opaque) joins the sentence around it, its content too."""
        name = local_name(element)
        if name in self.tags.splitting:
            return False
        if name not in self.tags.non_splitting and self.tags.outline_detection:
            parent = element.getparent()
            if parent is None or not _has_own_text(parent):
                return False
        return all(self.is_opaque(child) or self.is_inline(child) for child in element)

    def joins(self, element: etree._Element) -> bool:
        return self.is_opaque(element) or self.is_inline(element)


def _has_own_text(element: etree._Element) -> bool:
    """Text directly in ``element`` (not only inside its children), beyond whitespace."""
    if (element.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in element)


def _content(block: etree._Element) -> list[Item]:
    items: list[Item] = [block.text] if block.text else []
    for child in block:
        items.append(child)
        if child.tail:
            items.append(child.tail)
    return items


@dataclass
class _Run:
    """Consecutive inline content of one block: one sentence for the pipeline."""

    items: list[Item]
    inline: InlineSentence[etree._Element]

    @classmethod
    def build(cls, items: list[Item], outline: _Outline) -> _Run:
        builder: InlineBuilder[etree._Element] = InlineBuilder()
        for item in items:
            _add(builder, item, outline)
        return cls(items, builder.finish())

    def rebuild(self, translation: str, fallbacks: Iterator[str]) -> list[Item]:
        """The run's new content: text and its elements, rebuilt around the translation."""
        pieces = self.inline.resolve(translation, fallbacks)
        top: list[Item] = []
        open_elements: list[etree._Element] = []
        for event, value in walk(pieces, self.inline.pairs):
            if event == "close":
                open_elements.pop()
                continue
            node: Item
            if event == "text":
                node = str(value)
            else:
                assert isinstance(value, int)
                node = self.inline.item(value)
                node.tail = None
                if event == "open":
                    _empty(node)
            _append(open_elements[-1] if open_elements else top, node)
            if event == "open":
                assert isinstance(node, etree._Element)
                open_elements.append(node)
        return top


def _add(builder: InlineBuilder[etree._Element], item: Item, outline: _Outline) -> None:
    if isinstance(item, str):
        builder.text(item)
    elif outline.is_opaque(item):
        builder.opaque(item)
    else:
        builder.open(item)
        for inner in _content(item):
            _add(builder, inner, outline)
        builder.close(item)


def _empty(element: etree._Element) -> None:
    """Drop an element's text and children, keeping its tag and attributes."""
    element.text = None
    for child in list(element):
        element.remove(child)


def _append(container: list[Item] | etree._Element, node: Item) -> None:
    if isinstance(container, list):
        container.append(node)
    elif isinstance(node, str):
        last = container[-1] if len(container) else None
        if last is None:
            container.text = (container.text or "") + node
        else:
            last.tail = (last.tail or "") + node
    else:
        container.append(node)


@dataclass
class _Block:
    """A block element and its content: kept items (text, block children) and runs."""

    element: etree._Element
    parts: list[Item | _Run]

    def rebuild(self, translated: dict[int, tuple[str, Iterator[str]]]) -> None:
        content: list[Item] = []
        for part in self.parts:
            if isinstance(part, _Run) and id(part) in translated:
                translation, fallbacks = translated[id(part)]
                content += part.rebuild(translation, fallbacks)
            elif isinstance(part, _Run):
                content += part.items
            else:
                content.append(part)
        for item in content:
            if isinstance(item, etree._Element):
                item.tail = None
        _empty(self.element)
        for item in content:
            _append(self.element, item)


def _blocks(root: etree._Element, outline: _Outline) -> list[_Block]:
    """Every block element in document order, its content split into runs."""
    blocks: list[_Block] = []
    stack = [root]
    while stack:
        element = stack.pop()
        parts: list[Item | _Run] = []
        run: list[Item] = []
        for item in _content(element):
            if isinstance(item, str) or outline.joins(item):
                run.append(item)
                continue
            if run:
                parts.append(_Run.build(run, outline))
                run = []
            parts.append(item)
        if run:
            parts.append(_Run.build(run, outline))
        blocks.append(_Block(element, parts))
        stack.extend(reversed([p for p in parts if isinstance(p, etree._Element)]))
    return blocks


def _reading_order(blocks: list[_Block]) -> list[_Run]:
    """Every run in document order (a block's runs around its child blocks' runs)."""
    by_element = {id(block.element): block for block in blocks}
    runs: list[_Run] = []
    stack: list[Item | _Run] = [blocks[0].element]
    while stack:
        part = stack.pop()
        if isinstance(part, _Run):
            runs.append(part)
        else:
            stack.extend(reversed(by_element[id(part)].parts))
    return runs


def _parse(content: str) -> tuple[str, etree._Element]:
    """The prolog kept verbatim, and the wrapper element holding the rest."""
    prolog = PROLOG.match(content)
    head = prolog.group() if prolog else ""
    body = content[len(head) :]
    if "<!DOCTYPE" in body[:200]:
        raise FormatError("a DOCTYPE with an internal subset is not supported")
    return head, parse_text(f"<{WRAPPER}>{body}</{WRAPPER}>", "the XML")


def _serialise(prolog: str, root: etree._Element) -> str:
    whole = etree.tostring(root, encoding="unicode")
    start, end = f"<{WRAPPER}>", f"</{WRAPPER}>"
    if not whole.startswith(start):  # <thaimt-fragment/>: nothing inside
        return prolog
    return prolog + whole[len(start) : len(whole) - len(end)]


class XmlFormat:
    name = "xml"

    def __init__(self, tags: TagOptions) -> None:
        self.outline = _Outline(tags)

    def extract(self, content: str) -> Extracted[str]:
        """The sentences of ``content``; ``rebuild`` may be called once (it edits the tree)."""
        prolog, root = _parse(content)
        blocks = _blocks(root, self.outline)
        runs = [run for run in _reading_order(blocks) if run.inline.has_text()]

        def fallback_texts(translations: Sequence[str]) -> list[str]:
            pairs = zip(runs, translations, strict=True)
            return [text for run, tr in pairs for text in run.inline.fallback_texts(tr)]

        def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> str:
            translated: dict[int, tuple[str, Iterator[str]]] = {}
            remaining = iter(fallbacks)
            for run, translation in zip(runs, translations, strict=True):
                own = [next(remaining) for _ in run.inline.fallback_texts(translation)]
                translated[id(run)] = (translation, iter(own))
            for block in blocks:
                block.rebuild(translated)
            return _serialise(prolog, root)

        return Extracted([r.inline.sentence for r in runs], rebuild, fallback_texts)


def make_format(options: FormatOptions) -> XmlFormat:
    return XmlFormat(options.tags)
