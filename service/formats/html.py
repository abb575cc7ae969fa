"""HTML: text and a few attributes are translated; markup, code and scripts are kept.

Parsed with BeautifulSoup (html.parser, which keeps fragments as fragments). Each run of inline
content inside a block (text with ``<b>``, ``<a>``, ``<span>``, ...) is one sentence for the
pipeline: every inline open or close tag, void element (``<br>``, ``<img>``) or untranslatable
element (``<code>``, ``translate="no"``) becomes one PUA marker, and the translated sentence is
rebuilt into the same tags, in the translation's order when that nests properly and in the
source's order otherwise, so the output is always well-formed with the same tags and attributes.
The attributes ``title``, ``alt``, ``aria-label``, ``placeholder`` and ``<meta name=description>``
are translated as texts of their own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Doctype, NavigableString, PageElement, Tag
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter

from service.formats.base import Extracted, FormatOptions
from service.formats.markers import marker, order_markers, split_markers, strip_pua

INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "br", "cite", "data", "del", "dfn", "em", "font",
        "i", "img", "ins", "label", "mark", "q", "s", "small", "span", "strike", "strong", "sub",
        "sup", "time", "tt", "u", "wbr",
    }
)  # fmt: skip
SKIPPED_TAGS = frozenset(
    {
        "script", "style", "code", "pre", "kbd", "samp", "var", "textarea", "svg", "math",
        "template", "noscript", "iframe", "object",
    }
)  # fmt: skip
TRANSLATED_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
META_NAMES = frozenset({"description", "og:title", "og:description", "twitter:description"})


class _SourceOrderFormatter(HTMLFormatter):
    """Minimal entity escaping, attributes in their source order (bs4 sorts them by default)."""

    def attributes(self, tag: Tag) -> list[tuple[str, Any]]:
        return list(tag.attrs.items())


class _Doctype(Doctype):
    SUFFIX = ">"  # bs4 adds a newline after a doctype; the source's own newline follows anyway


_FORMATTER = _SourceOrderFormatter(
    entity_substitution=EntitySubstitution.substitute_xml,
    void_element_close_prefix="",
    empty_attributes_are_booleans=True,
)
_SPACES = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace; a no-break space is content


def _is_skipped(tag: Tag) -> bool:
    if tag.name in SKIPPED_TAGS:
        return True
    if str(tag.get("translate", "")).lower() == "no":
        return True
    classes: Any = tag.get("class") or []
    return "notranslate" in list(classes)


def _is_inline(node: PageElement) -> bool:
    if isinstance(node, NavigableString):
        return True
    assert isinstance(node, Tag)
    if _is_skipped(node):
        return True  # an opaque marker inside the sentence
    if node.name not in INLINE_TAGS:
        return False
    return all(_is_inline(child) for child in node.children)


@dataclass
class _InlineRun:
    """Consecutive inline children of one block, translated as one sentence."""

    parent: Tag
    nodes: list[PageElement]
    sentence: str = ""
    items: list[PageElement] = field(default_factory=list)  # marker index -> element
    pairs: dict[int, int] = field(default_factory=dict)  # open marker -> close marker
    lead: str = ""
    trail: str = ""

    def build(self) -> None:
        parts: list[str] = []
        for node in self.nodes:
            self._serialise(node, parts)
        text = "".join(parts)
        core = text.strip(" ")
        self.lead = text[: len(text) - len(text.lstrip(" "))]
        self.trail = text[len(text.rstrip(" ")) :]
        self.sentence = core

    def _add(self, element: PageElement) -> str:
        self.items.append(element)
        return marker(len(self.items) - 1)

    def _serialise(self, node: PageElement, parts: list[str]) -> None:
        if isinstance(node, NavigableString) and type(node) is NavigableString:
            parts.append(_SPACES.sub(" ", strip_pua(str(node))))
        elif (
            isinstance(node, Tag)
            and not _is_skipped(node)
            and node.name in INLINE_TAGS
            and (not node.is_empty_element)
        ):
            open_index = len(self.items)
            parts.append(self._add(node))
            for child in node.children:
                self._serialise(child, parts)
            self.pairs[open_index] = len(self.items)
            parts.append(self._add(node))
        else:  # void element, comment or untranslatable element: kept whole
            parts.append(self._add(node))

    def has_text(self) -> bool:
        return any(c.strip() and not (0xE000 <= ord(c) <= 0xF8FF) for c in self.sentence)

    def rebuild(self, translation: str) -> None:
        pieces = order_markers(split_markers(translation, len(self.items)), self.pairs)
        closers = set(self.pairs.values())
        for index in self.pairs:
            element = self.items[index]
            assert isinstance(element, Tag)
            element.clear()  # its children come back from the translation
        anchor = NavigableString(self.lead)
        self.nodes[0].insert_before(anchor)
        for node in self.nodes:
            node.extract()
        stack: list[Tag] = []
        top_level: list[PageElement] = [anchor]
        for piece in pieces:
            if piece.index in closers:
                stack.pop()
                continue
            new = (
                NavigableString(piece.text or "")
                if piece.index is None
                else self.items[piece.index]
            )
            (stack[-1].append(new) if stack else top_level.append(new))
            if piece.index in self.pairs:
                assert isinstance(new, Tag)
                stack.append(new)
        top_level.append(NavigableString(self.trail))
        for previous, node in itertools.pairwise(top_level):
            previous.insert_after(node)
        for node in top_level:
            if isinstance(node, NavigableString) and not str(node):
                node.extract()


def _collect_runs(tag: Tag, runs: list[_InlineRun]) -> None:
    current: list[PageElement] = []
    for child in list(tag.children):
        if _is_inline(child):
            current.append(child)
            continue
        if current:
            runs.append(_InlineRun(tag, current))
            current = []
        if isinstance(child, Tag) and not _is_skipped(child):
            _collect_runs(child, runs)
    if current:
        runs.append(_InlineRun(tag, current))


@dataclass
class _AttributeText:
    tag: Tag
    name: str


def _collect_attributes(soup: BeautifulSoup) -> list[_AttributeText]:
    found: list[_AttributeText] = []
    for tag in soup.find_all(True):
        if any(_is_skipped(t) for t in (tag, *tag.parents) if isinstance(t, Tag)):
            continue
        for name in TRANSLATED_ATTRIBUTES:
            value = tag.get(name)
            if isinstance(value, str) and value.strip():
                found.append(_AttributeText(tag, name))
        if (
            tag.name == "meta"
            and str(tag.get("name", tag.get("property", ""))).lower() in (META_NAMES)
            and str(tag.get("content", "")).strip()
        ):
            found.append(_AttributeText(tag, "content"))
    return found


def _declare_utf8(soup: BeautifulSoup) -> None:
    """The output is always UTF-8, so a legacy charset declaration must follow."""
    for meta in soup.find_all("meta"):
        if meta.get("charset"):
            meta["charset"] = "utf-8"
        elif str(meta.get("http-equiv", "")).lower() == "content-type":
            meta["content"] = "text/html; charset=utf-8"


class HtmlFormat:
    name = "html"

    def extract(self, content: str) -> Extracted:
        """The texts of ``content``; ``rebuild`` may be called once (it edits the parsed tree)."""
        soup = BeautifulSoup(content, "html.parser")
        runs: list[_InlineRun] = []
        _collect_runs(soup, runs)
        for run in runs:
            run.build()
        runs = [run for run in runs if run.has_text()]
        attributes = _collect_attributes(soup)
        texts = [run.sentence for run in runs] + [str(a.tag[a.name]) for a in attributes]

        def rebuild(translations: Sequence[str]) -> str:
            for run, translation in zip(runs, translations, strict=False):
                run.rebuild(translation)
            for attribute, translation in zip(attributes, translations[len(runs) :], strict=True):
                attribute.tag[attribute.name] = translation
            _declare_utf8(soup)
            for node in list(soup.contents):
                if isinstance(node, Doctype):
                    node.replace_with(_Doctype(str(node)))
            return soup.decode(formatter=_FORMATTER)

        return Extracted(texts, rebuild)


def translate_html(html: str, translate: Callable[[list[str]], list[str]]) -> str:
    """Translate an HTML document or fragment with ``translate`` (a batch of plain texts with PUA
    markers → their translations); the server's ``format: "html"`` uses this."""
    extracted = HtmlFormat().extract(html)
    translations = translate(extracted.texts) if extracted.texts else []
    return extracted.rebuild(translations)


def make_format(options: FormatOptions) -> HtmlFormat:
    return HtmlFormat()
