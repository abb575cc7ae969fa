"""HTML: text and a few attributes are translated; markup, code and scripts are kept.

Parsed with BeautifulSoup (html.parser, which keeps fragments as fragments). Each run of inline
content inside a block (text with ``<b>``, ``<a>``, ``<span>``, ...) is one sentence for the
pipeline: every inline open or close tag, void element (``<br>``, ``<img>``) or untranslatable
element (``<code>``, ``translate="no"``) becomes one PUA marker, and the translated sentence is
rebuilt into the same tags, in the translation's order when that nests properly and in the
source's order otherwise, so the output is always well-formed with the same tags and attributes.
The attributes ``title``, ``alt``, ``aria-label``, ``placeholder`` and ``<meta name=description>``
are translated as texts of their own. Elements named in ``TagOptions.ignore`` (DeepL's
``ignore_tags``) are kept as they are, like ``<code>``.

When the model loses an inline element's markers (or leaves no text between them) while the
source had text there, the element is not left empty: its own text pieces are translated on their
own in a second round (``Extracted.fallback_texts``) and the element is rebuilt from the source's
structure with them; an empty translation keeps the source text (``markers.MarkedSentence``).

Nothing outside the translated text changes: a Private Use character in the text is an item of
its own (it comes back once), a run keeps its leading and trailing whitespace as written, a run
whose translation is the text it was given is left untouched, and whitespace between blocks is
kept as written.

Every walk over the tree is iterative and linear in its size, so any nesting depth works
(BeautifulSoup's own parser and serialiser are iterative too; a test holds both to that).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Doctype, NavigableString, PageElement, Tag
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter

from service.formats.base import Extracted, FormatOptions
from service.formats.markers import MarkedSentence, escape_reserved, has_text, marker

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


class _Tag(Tag):
    """A tag equal only to itself. bs4's ``Tag.__eq__`` compares whole subtrees, recursively,
    and its serialiser compares a child's parent with ``!=``: a deep tree then hits the recursion
    limit (and whether it does depends on the tags' contents, not only on the depth)."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class _Soup(BeautifulSoup):
    """Whitespace-only strings kept as written (bs4 turns them into one space or newline)."""

    ASCII_SPACES = ""


class _Doctype(Doctype):
    SUFFIX = ">"  # bs4 adds a newline after a doctype; the source's own newline follows anyway


_FORMATTER = _SourceOrderFormatter(
    entity_substitution=EntitySubstitution.substitute_xml,
    void_element_close_prefix="",
    empty_attributes_are_booleans=True,
)
# XHTML (an EPUB chapter, an .xhtml page) must stay XML: void elements closed (``<br/>``),
# every attribute with a value.
_XHTML_FORMATTER = _SourceOrderFormatter(
    entity_substitution=EntitySubstitution.substitute_xml,
    void_element_close_prefix="/",
    empty_attributes_are_booleans=False,
)
_XHTML_NAMESPACE = re.compile(r"""xmlns\s*=\s*["']http://www\.w3\.org/1999/xhtml["']""")
_HTML_SPACE = " \t\n\r\f"  # a no-break space is content
_SPACES = re.compile(r"[ \t\n\r\f]+")


def _is_skipped(tag: Tag, ignored: frozenset[str] = frozenset()) -> bool:
    if tag.name in SKIPPED_TAGS or tag.name in ignored:
        return True
    if str(tag.get("translate", "")).lower() == "no":
        return True
    classes: Any = tag.get("class") or []
    return "notranslate" in list(classes)


def _inline_nodes(root: Tag, ignored: frozenset[str]) -> set[int]:
    """``id()`` of every node that can sit inside a sentence: text, an untranslatable element
    (an opaque marker), or an inline tag whose children all can (one post-order pass)."""
    inline: set[int] = set()
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, NavigableString) or (
            isinstance(node, Tag) and _is_skipped(node, ignored)
        ):
            inline.add(id(node))
        elif isinstance(node, Tag) and not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in node.contents)
        elif (
            isinstance(node, Tag)
            and node.name in INLINE_TAGS
            and all(id(child) in inline for child in node.contents)
        ):
            inline.add(id(node))
    return inline


@dataclass
class _InlineRun:
    """Consecutive inline children of one block, translated as one sentence."""

    parent: Tag
    nodes: list[PageElement]
    items: list[PageElement] = field(default_factory=list)  # marker index -> element
    pairs: dict[int, int] = field(default_factory=dict)  # open marker -> close marker
    lead: str = ""  # the run's leading and trailing HTML whitespace, kept as written
    trail: str = ""
    ignored: frozenset[str] = frozenset()  # elements copied as they are (DeepL's ignore_tags)
    inline: MarkedSentence = field(init=False)

    @property
    def sentence(self) -> str:
        return self.inline.sentence

    def build(self) -> None:
        parts: list[str] = []
        for node in self.nodes:
            self._serialise(node, parts)
        text = "".join(parts)
        core = text.strip(_HTML_SPACE)
        self.lead = text[: len(text) - len(text.lstrip(_HTML_SPACE))]
        self.trail = text[len(self.lead) + len(core) :]
        self.inline = MarkedSentence(_SPACES.sub(" ", core), len(self.items), self.pairs)

    def _add(self, element: PageElement) -> str:
        self.items.append(element)
        return marker(len(self.items) - 1)

    def _serialise(self, root: PageElement, parts: list[str]) -> None:
        """Text as it is (a Private Use character in it as an item of its own), an inline
        element as open marker + children + close marker, anything else (void element, comment,
        untranslatable element) as one marker; no recursion."""
        stack: list[tuple[PageElement, int | None]] = [(root, None)]
        while stack:
            node, open_index = stack.pop()
            if open_index is not None:  # all children done: close the element
                self.pairs[open_index] = len(self.items)
                parts.append(self._add(node))
            elif isinstance(node, NavigableString) and type(node) is NavigableString:
                parts.append(escape_reserved(str(node), self._add_character))
            elif (
                isinstance(node, Tag)
                and not _is_skipped(node, self.ignored)
                and node.name in INLINE_TAGS
                and (not node.is_empty_element)
            ):
                stack.append((node, len(self.items)))
                parts.append(self._add(node))
                stack.extend((child, None) for child in reversed(node.contents))
            else:
                parts.append(self._add(node))

    def _add_character(self, char: str) -> str:
        return self._add(NavigableString(char))

    def has_text(self) -> bool:
        return has_text(self.sentence)

    def fallback_texts(self, translation: str) -> list[str]:
        """The source text pieces inside each element that lost its text, in source order."""
        return self.inline.fallback_texts(translation)

    def rebuild(self, translation: str, fallbacks: Iterator[str]) -> None:
        """Put the translation in place of the run's nodes; a run whose translation is the
        sentence it was given stays exactly as it was (whitespace included)."""
        if translation == self.sentence:
            return
        pieces = self.inline.pieces(translation, fallbacks)
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


def _collect_runs(root: Tag, ignored: frozenset[str]) -> list[_InlineRun]:
    """The inline runs of every block in document order (an explicit stack, no recursion)."""
    inline = _inline_nodes(root, ignored)
    runs: list[_InlineRun] = []
    stack: list[tuple[Tag, Iterator[PageElement], list[PageElement]]] = [
        (root, iter(list(root.contents)), [])
    ]
    while stack:
        tag, children, current = stack[-1]
        child = next(children, None)
        if child is None:
            if current:
                runs.append(_InlineRun(tag, current, ignored=ignored))
            stack.pop()
        elif id(child) in inline:
            current.append(child)
        else:
            if current:
                runs.append(_InlineRun(tag, list(current), ignored=ignored))
                current.clear()
            if isinstance(child, Tag) and not _is_skipped(child, ignored):
                stack.append((child, iter(list(child.contents)), []))
    return runs


@dataclass
class _AttributeText:
    tag: Tag
    name: str


def _collect_attributes(soup: BeautifulSoup, ignored: frozenset[str]) -> list[_AttributeText]:
    """Translatable attributes outside untranslatable elements, in document order."""
    found: list[_AttributeText] = []
    stack: list[Tag] = [c for c in reversed(soup.contents) if isinstance(c, Tag)]
    while stack:
        tag = stack.pop()
        if _is_skipped(tag, ignored):
            continue  # nothing inside it is translated, attributes included
        found += _attributes_of(tag)
        stack.extend(c for c in reversed(tag.contents) if isinstance(c, Tag))
    return found


def _attributes_of(tag: Tag) -> list[_AttributeText]:
    found = [
        _AttributeText(tag, name)
        for name in TRANSLATED_ATTRIBUTES
        if isinstance(tag.get(name), str) and str(tag.get(name)).strip()
    ]
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


def is_xhtml(content: str) -> bool:
    """An XML document (declaration first) or a page in the XHTML namespace."""
    return content.lstrip("\ufeff \t\r\n").startswith("<?xml") or bool(
        _XHTML_NAMESPACE.search(content[:4096])
    )


class HtmlFormat:
    """``xhtml`` True writes XML (void elements closed), False HTML, None: as the source is."""

    name = "html"

    def __init__(self, xhtml: bool | None = None, ignored: frozenset[str] = frozenset()) -> None:
        self.xhtml = xhtml
        self.ignored = ignored  # elements copied as they are, beside SKIPPED_TAGS

    def extract(self, content: str) -> Extracted:
        """The texts of ``content``; ``rebuild`` may be called once (it edits the parsed tree)."""
        xhtml = is_xhtml(content) if self.xhtml is None else self.xhtml
        formatter = _XHTML_FORMATTER if xhtml else _FORMATTER
        soup = _Soup(content, "html.parser", element_classes={Tag: _Tag})
        runs = _collect_runs(soup, self.ignored)
        for run in runs:
            run.build()
        runs = [run for run in runs if run.has_text()]
        attributes = _collect_attributes(soup, self.ignored)
        texts = [run.sentence for run in runs] + [str(a.tag[a.name]) for a in attributes]

        def fallback_texts(translations: Sequence[str]) -> list[str]:
            pairs = zip(runs, translations, strict=False)  # attribute texts follow the runs
            return [text for run, tr in pairs for text in run.fallback_texts(tr)]

        def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> str:
            remaining = iter(fallbacks)
            for run, translation in zip(runs, translations, strict=False):
                run.rebuild(translation, remaining)
            for attribute, translation in zip(attributes, translations[len(runs) :], strict=True):
                attribute.tag[attribute.name] = translation
            _declare_utf8(soup)
            for node in list(soup.contents):
                if isinstance(node, Doctype):
                    node.replace_with(_Doctype(str(node)))
            return soup.decode(formatter=formatter)

        return Extracted(texts, rebuild, fallback_texts)


def make_format(options: FormatOptions) -> HtmlFormat:
    return HtmlFormat(ignored=options.tags.ignore)
