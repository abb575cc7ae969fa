"""Markdown: headings, paragraphs, list items, table cells, link text and image alt text are
translated; code, URLs, front matter and raw HTML are left exactly as written.

The file is parsed with markdown-it-py; each inline run (a paragraph, heading or table cell) is
located in the source, its text pieces become one sentence for the pipeline and the syntax between
them (``**``, ``[``, ``](url)``, code spans, escapes, line breaks with their ``>`` prefixes, and any
Private Use character of the source) becomes one marker each. The rebuilt file replaces only the
text pieces; every other byte is the source's. A text piece the translation left empty (a link
text, an emphasis) gets its own text translated on its own, the second round of
:class:`~service.formats.markers.MarkedSentence`, as HTML elements do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.formats.base import Extracted, FormatOptions
from service.formats.markers import RESERVED, MarkedSentence, marker, with_source_edges

_LONE_CR = re.compile(r"\r(?!\n)")
_NOT_NEWLINE = re.compile(r"[^\n]")
_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\n.*?\n(---|\.\.\.|\+\+\+)[ \t]*(\n|\Z)", re.S)


@dataclass
class _Run:
    """One translatable inline run: text pieces at source offsets and the syntax between them."""

    start: int  # source offset of the first text piece
    end: int  # source offset just after the last text piece
    texts: list[str]
    gaps: list[str]  # gaps[i] lies between texts[i] and texts[i + 1]
    inline: MarkedSentence = field(init=False)

    def __post_init__(self) -> None:
        parts: list[str] = [self.texts[0]]
        for i, text in enumerate(self.texts[1:]):
            parts += [marker(i), text]
        self.inline = MarkedSentence("".join(parts), len(self.gaps), None)

    @property
    def sentence(self) -> str:
        return self.inline.sentence

    def rebuild(self, translation: str, fallbacks: Iterator[str]) -> str:
        """The translated run with the source's syntax between its text pieces.

        Markdown syntax only parses with text in the right places (``**x**``, not ``****x``), so
        the markers stay in source order, each text slot keeps the source's edge whitespace, and
        a slot the translation left empty where the source had text gets its own text
        translated on its own (``fallbacks``, the second round).
        """
        slots = [""]
        for piece in self.inline.pieces(translation, fallbacks):
            if piece.index is None:
                slots[-1] += piece.text or ""
            else:
                slots.append("")
        out = []
        for i, (source, slot) in enumerate(zip(self.texts, slots, strict=True)):
            out.append(with_source_edges(source, slot))
            if i < len(self.gaps):
                out.append(self.gaps[i])
        return "".join(out)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.disable("text_join")  # keep escapes and entities as their own tokens (left verbatim)
    return md


def _blank_front_matter(source: str) -> str:
    """Front matter made blank lines (spaces, same length), so the parser skips it and every
    offset and line number stays."""
    match = _FRONT_MATTER.match(source)
    if not match:
        return source
    return _NOT_NEWLINE.sub(" ", match.group(0)) + source[match.end() :]


def _line_starts(source: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, c in enumerate(source) if c == "\n"]
    return starts


def _content_offsets(
    token: Token, source: str, starts: list[int], cursors: dict[int, int]
) -> list[int] | None:
    """Source offset of each content line of an inline token, or None if it cannot be located."""
    if token.map is None:
        return None
    offsets = []
    for i, line in enumerate(token.content.split("\n")):
        line_no = token.map[0] + i
        if line_no >= len(starts):
            return None
        line_end = starts[line_no + 1] - 1 if line_no + 1 < len(starts) else len(source)
        at = source.find(line, cursors.get(line_no, starts[line_no]), line_end)
        if at < 0:
            return None
        cursors[line_no] = at + len(line)
        offsets.append(at)
    return offsets


def _skip_link_tail(content: str, pos: int) -> int:
    """Position after ``](dest "title")``, ``][ref]`` or ``]`` starting at or after ``pos``."""
    close = content.find("]", pos)
    if close < 0:
        return pos
    pos = close + 1
    if content.startswith("(", pos):
        depth = 0
        for i in range(pos, len(content)):
            if content[i] == "\\":
                continue
            depth += {"(": 1, ")": -1}.get(content[i], 0)
            if depth == 0:
                return i + 1
    elif content.startswith("[", pos):
        end = content.find("]", pos)
        return end + 1 if end >= 0 else pos
    return pos


def _text_spans(
    children: list[Token], content: str, pos: int, spans: list[tuple[int, int]]
) -> int | None:
    """Append (start, end) content offsets of translatable text; return the new cursor."""
    i = 0
    while i < len(children):
        child = children[i]
        if child.type == "text":
            at = content.find(child.content, pos)
            if at < 0:
                return None
            if child.content:
                spans.append((at, at + len(child.content)))
            pos = at + len(child.content)
        elif child.type == "link_open" and child.markup == "autolink":
            while i < len(children) and children[i].type != "link_close":
                i += 1  # an autolink is a URL: not translated
            end = content.find(">", pos)
            pos = end + 1 if end >= 0 else pos
        elif child.type == "link_close":
            pos = _skip_link_tail(content, pos)
        elif child.type == "image":
            found = _text_spans(child.children or [], content, pos, spans)
            if found is None:
                return None
            pos = _skip_link_tail(content, found)
        elif child.type in ("code_inline", "html_inline", "text_special"):
            raw = child.content if child.type == "html_inline" else child.markup
            at = content.find(raw, pos)
            if at < 0:
                return None
            pos = at + len(raw)
            if child.type == "code_inline":
                close = content.find(child.markup, pos + len(child.content))
                pos = close + len(child.markup) if close >= 0 else pos
        i += 1
    return pos


def _to_source(content: str, offsets: list[int]) -> list[int]:
    """Map each content offset to a source offset (content lines start at ``offsets``)."""
    mapping: list[int] = []
    for line_offset, line in zip(offsets, content.split("\n"), strict=True):
        mapping += [line_offset + k for k in range(len(line) + 1)]  # +1: the newline / end
    return mapping


def _find_runs(source: str, parsed: str, tokens: list[Token]) -> list[_Run]:
    """The runs of ``source``, located through ``parsed`` (its :func:`_parse_copy`)."""
    starts = _line_starts(parsed)
    cursors: dict[int, int] = {}
    runs: list[_Run] = []
    for token in tokens:
        if token.type != "inline" or not token.content.strip():
            continue
        offsets = _content_offsets(token, parsed, starts, cursors)
        spans: list[tuple[int, int]] = []
        if offsets is None or _text_spans(token.children or [], token.content, 0, spans) is None:
            continue  # could not align this run with the source: leave it as written
        to_source = _to_source(token.content, offsets)
        merged = _merge([(to_source[a], to_source[b - 1] + 1) for a, b in spans])
        merged = _trim(source, _split_reserved(source, merged))
        if any(source[a:b].strip() for a, b in merged):
            texts = [source[a:b] for a, b in merged]
            gaps = [source[merged[k][1] : merged[k + 1][0]] for k in range(len(merged) - 1)]
            runs.append(_Run(merged[0][0], merged[-1][1], texts, gaps))
    return runs


def _split_reserved(source: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans cut at Private Use characters, which stay in the syntax between text pieces
    (copied from the source, so they come back as written and never pose as markers)."""
    cut: list[tuple[int, int]] = []
    for start, end in spans:
        for match in RESERVED.finditer(source, start, end):
            if match.start() > start:
                cut.append((start, match.start()))
            start = match.end()
        if end > start:
            cut.append((start, end))
    return cut


def _trim(source: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Outer whitespace stays in the source, so the pipeline cannot lose it."""
    if not spans:
        return spans
    (first_start, first_end), (last_start, last_end) = spans[0], spans[-1]
    while first_start < first_end and source[first_start].isspace():
        first_start += 1
    spans = [(first_start, first_end), *spans[1:]]
    last_start = max(last_start, first_start) if len(spans) == 1 else last_start
    while last_end > last_start and source[last_end - 1].isspace():
        last_end -= 1
    spans[-1] = (last_start, last_end)
    return [(a, b) for a, b in spans if b > a] if len(spans) == 1 else spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        elif not merged or start > merged[-1][1]:
            merged.append((start, end))
    return merged


def _parse_copy(source: str) -> str:
    """What markdown-it reads: front matter blanked, and the characters it would replace on
    its own (a lone CR is a line break to it, NUL becomes U+FFFD) replaced here by characters of
    the same length, so line numbers and offsets still point into ``source``."""
    return _LONE_CR.sub("\n", _blank_front_matter(source)).replace("\0", "\ufffd")


class MarkdownFormat:
    name = "md"

    def extract(self, content: str) -> Extracted:
        parsed = _parse_copy(content)
        runs = _find_runs(content, parsed, _parser().parse(parsed))

        def fallback_texts(translations: Sequence[str]) -> list[str]:
            pairs = zip(runs, translations, strict=True)
            return [text for run, tr in pairs for text in run.inline.fallback_texts(tr)]

        def rebuild(translations: Sequence[str], fallbacks: Sequence[str]) -> str:
            out: list[str] = []
            pos = 0
            remaining = iter(fallbacks)
            for run, translation in zip(runs, translations, strict=True):
                out += [content[pos : run.start], run.rebuild(translation, remaining)]
                pos = run.end
            out.append(content[pos:])
            return "".join(out)

        return Extracted([run.sentence for run in runs], rebuild, fallback_texts)


def make_format(options: FormatOptions) -> MarkdownFormat:
    return MarkdownFormat()
