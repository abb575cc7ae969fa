"""Inline markup as Private-Use-Area markers, and putting a translation back around them.

A format that keeps inline markup (an HTML ``<b>``, a Markdown ``**`` or link) inside a sentence
replaces each piece of markup by one marker: a Private Use character (U+E000 + n, then planes 15
and 16). The pipeline protects each such character as a span and returns it exactly once, so the
translated sentence tells where the markup goes.

The marker alphabet is reserved: a Private Use character in the *source* text is never handed
out as itself. :func:`escape_reserved` makes it an opaque item of its own (a marker that stands
for the character), so it comes back exactly once, where the translation put it, and no source
character can pose as a marker.

:class:`MarkedSentence` resolves a translation against its source sentence, one mechanism for
every format (HTML, Markdown, office documents): the markers come back in the translation's
order when that is valid (properly nested pairs; opaque syntax such as Markdown's in source
order), else in the source's order at the positions the translation chose. Where the source
had text and the translation left none (an element whose markers the model dropped or emptied,
a Markdown slot between two pieces of syntax), that text is translated on its own in a second
round (``fallback_texts``) and put back with the source's structure, so a bold or linked word
is never left empty.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import regex

# Private Use code points, in marker order: the BMP area, then the supplementary planes 15, 16.
_PUA_RANGES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))
MAX_MARKERS = sum(end - start + 1 for start, end in _PUA_RANGES)  # 137,468
RESERVED = regex.compile(r"[\uE000-\uF8FF\U000F0000-\U000FFFFD\U00100000-\U0010FFFD]")


def marker(index: int) -> str:
    if not 0 <= index < MAX_MARKERS:
        raise ValueError(
            f"too many inline markers in one text ({index + 1}; the limit is {MAX_MARKERS:,}: "
            "two per inline element such as <b> or **, one per <br>, code span, comment or "
            "Private Use character, in one block); split the block"
        )
    for start, end in _PUA_RANGES:
        if index <= end - start:
            return chr(start + index)
        index -= end - start + 1
    raise AssertionError("unreachable")


def marker_index(char: str) -> int | None:
    """The marker number of ``char``, or None when it is no marker (any Private Use character
    is one: the whole alphabet is reserved)."""
    code = ord(char)
    offset = 0
    for start, end in _PUA_RANGES:
        if start <= code <= end:
            return offset + code - start
        offset += end - start + 1
    return None


def escape_reserved(text: str, add: Callable[[str], str]) -> str:
    """``text`` with each Private Use character replaced by ``add(char)``: the format records
    the character as an opaque item and returns its marker. The character comes back once."""
    return RESERVED.sub(lambda match: add(match.group()), text)


def has_text(text: str) -> bool:
    """True when ``text`` holds something besides whitespace and markers."""
    return any(not c.isspace() and marker_index(c) is None for c in text)


def with_source_edges(source: str, core: str) -> str:
    """``core`` (a translation, stripped) with the source text's leading and trailing
    whitespace; the source text itself where the translation is empty. Where the source was
    only whitespace (between two pieces of markup), that whitespace goes on both sides: markup
    such as Markdown's ``**`` must keep a space next to it to keep its meaning."""
    core = core.strip()
    if not core:
        return source
    if not source.strip():
        return source + core + source
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()) :]
    return lead + core + trail


@dataclass(frozen=True)
class Piece:
    """A translated text split at its markers: ``text`` is either a string or a marker index."""

    text: str | None
    index: int | None


def split_markers(translation: str, count: int) -> list[Piece]:
    """Split a translation into text pieces and marker indexes (``0 <= index < count``).

    A marker that is missing is appended at the end and a repeated one is dropped, so each of the
    ``count`` markers appears exactly once even if the pipeline's guarantee were broken.
    """
    pieces: list[Piece] = []
    seen: set[int] = set()
    buffer: list[str] = []
    for char in translation:
        index = marker_index(char)
        if index is None or index >= count:
            buffer.append(char)
            continue
        if buffer:
            pieces.append(Piece("".join(buffer), None))
            buffer = []
        if index not in seen:
            seen.add(index)
            pieces.append(Piece(None, index))
    if buffer:
        pieces.append(Piece("".join(buffer), None))
    pieces.extend(Piece(None, i) for i in range(count) if i not in seen)
    return pieces


def order_markers(pieces: list[Piece], pairs: dict[int, int] | None) -> list[Piece]:
    """Make the marker order valid.

    ``pairs`` maps an opening marker to its closing marker (HTML); the translation's order is kept
    when it nests properly. With ``pairs=None`` (opaque markup such as Markdown syntax) the source
    order is required. Otherwise the markers are put back in source order (0, 1, 2, ...) at the
    positions where the translation placed markers.
    """
    order = [index for index in (p.index for p in pieces) if index is not None]
    if _order_is_valid(order, pairs):
        return pieces
    source_order = iter(sorted(order))
    return [Piece(None, next(source_order)) if p.index is not None else p for p in pieces]


def _order_is_valid(order: list[int], pairs: dict[int, int] | None) -> bool:
    if pairs is None:
        return order == sorted(order)
    closers = {close: open_ for open_, close in pairs.items()}
    stack: list[int] = []
    for index in order:
        if index in pairs:
            stack.append(index)
        elif index in closers:
            if not stack or stack[-1] != closers[index]:
                return False
            stack.pop()
    return not stack


def pairs_with_text(pieces: list[Piece], pairs: dict[int, int]) -> set[int]:
    """Opening markers of the pairs that enclose some non-space text (nested text counts).

    ``pieces`` must nest properly (the source, or the output of ``order_markers``).
    """
    closers = {close: open_ for open_, close in pairs.items()}
    stack: list[int] = []
    found: set[int] = set()
    for piece in pieces:
        if piece.index is None:
            if stack and (piece.text or "").strip():
                found.add(stack[-1])
        elif piece.index in pairs:
            stack.append(piece.index)
        elif piece.index in closers and stack:
            closed = stack.pop()
            if closed in found and stack:
                found.add(stack[-1])  # an element with text makes its parent have text
    return found


def lost_pairs(source: list[Piece], pieces: list[Piece], pairs: dict[int, int]) -> list[int]:
    """Outermost pairs that enclose text in the ``source`` but none in the translation
    ``pieces`` (the model dropped their markers, or moved the text out of them)."""
    lost = sorted(pairs_with_text(source, pairs) - pairs_with_text(pieces, pairs))
    outermost: list[int] = []
    for open_ in lost:
        if not outermost or open_ > pairs[outermost[-1]]:  # markers are numbered in source order
            outermost.append(open_)
    return outermost


def detach_lost(pieces: list[Piece], pairs: dict[int, int], lost: list[int]) -> list[Piece]:
    """The pieces with each lost pair made a single place holder for the whole element.

    Its open marker stays where the translation put it (the element, refilled from the source,
    goes there); its close marker and the markers of its descendants (source indices between
    its open and close) are dropped wherever they are, their text stays. Removing matched
    pairs keeps the order properly nested.
    """
    if not lost:
        return pieces
    closes = {pairs[open_] for open_ in lost}
    bounds = sorted((open_, pairs[open_]) for open_ in lost)  # disjoint: outermost pairs only
    starts = [start for start, _ in bounds]

    def inside(index: int) -> bool:
        at = bisect.bisect_right(starts, index) - 1
        return at >= 0 and bounds[at][0] < index < bounds[at][1]

    return [p for p in pieces if p.index is None or (p.index not in closes and not inside(p.index))]


@dataclass(frozen=True)
class Resolved:
    """A translation's pieces in a valid order, and where it lost the source's text: opening
    markers of lost pairs, or (opaque markers) numbers of lost text slots."""

    pieces: list[Piece]
    lost: list[int]


@dataclass
class MarkedSentence:
    """A sentence with ``count`` markers as a format built it, and how to put a translation
    back. ``pairs`` maps opening to closing markers (elements; other markers are opaque and go
    anywhere); ``pairs=None`` means every marker is opaque syntax that must stay in source order
    with text wherever the source had text (Markdown: ``**x**`` only parses with the x)."""

    sentence: str
    count: int
    pairs: dict[int, int] | None
    source: list[Piece] = field(init=False)
    _positions: dict[int, int] = field(init=False, repr=False)
    _source_slots: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.source = split_markers(self.sentence, self.count)
        self._positions = {p.index: i for i, p in enumerate(self.source) if p.index is not None}
        self._source_slots = _slots(self.source)

    def resolve(self, translation: str) -> Resolved:
        pieces = order_markers(split_markers(translation, self.count), self.pairs)
        if self.pairs is None:
            translated = _slots(pieces)
            lost = [
                k
                for k, s in enumerate(self._source_slots)
                if s.strip() and not translated[k].strip()
            ]
            return Resolved(pieces, lost)
        lost = lost_pairs(self.source, pieces, self.pairs)
        return Resolved(detach_lost(pieces, self.pairs, lost), lost)

    def fallback_texts(self, translation: str) -> list[str]:
        """The source text pieces of every lost element or slot, stripped, in source order."""
        lost = self.resolve(translation).lost
        return [text.strip() for k in lost for text in self._lost_texts(k)]

    def pieces(self, translation: str, fallbacks: Iterator[str]) -> list[Piece]:
        """The final pieces, properly ordered: each lost element rebuilt from the source's
        structure and each lost slot refilled, their text pieces taken from ``fallbacks`` (as
        many, in the order of :meth:`fallback_texts`; the source text where one came back
        empty)."""
        resolved = self.resolve(translation)
        given = {k: [next(fallbacks, "") for _ in self._lost_texts(k)] for k in resolved.lost}
        if self.pairs is None:
            return self._refill_slots(resolved, given)
        out: list[Piece] = []
        for piece in resolved.pieces:
            out.append(piece)
            if piece.index is not None and piece.index in given:
                texts = iter(given[piece.index])
                out += [_refilled(p, texts) for p in self._inside(piece.index)]
                out.append(Piece(None, self.pairs[piece.index]))
        return out

    def _lost_texts(self, lost: int) -> list[str]:
        """The source texts of one lost slot (opaque markers) or element (pairs)."""
        if self.pairs is None:
            return [self._source_slots[lost]]
        return [p.text or "" for p in self._inside(lost) if _holds_text(p)]

    def _inside(self, open_: int) -> list[Piece]:
        assert self.pairs is not None
        start, end = self._positions[open_], self._positions[self.pairs[open_]]
        return self.source[start + 1 : end]

    def _refill_slots(self, resolved: Resolved, given: dict[int, list[str]]) -> list[Piece]:
        slots = _slots(resolved.pieces)
        for k, (text,) in given.items():
            slots[k] = with_source_edges(self._source_slots[k], text)
        out: list[Piece] = []
        for k, slot in enumerate(slots):
            if k:
                out.append(Piece(None, k - 1))
            if slot:
                out.append(Piece(slot, None))
        return out


def _slots(pieces: list[Piece]) -> list[str]:
    """Text between consecutive markers (one more slot than markers), in the pieces' order."""
    slots = [""]
    for piece in pieces:
        if piece.index is None:
            slots[-1] += piece.text or ""
        else:
            slots.append("")
    return slots


def _holds_text(piece: Piece) -> bool:
    return piece.index is None and bool((piece.text or "").strip())


def _refilled(piece: Piece, fallbacks: Iterator[str]) -> Piece:
    if not _holds_text(piece):
        return piece
    return Piece(with_source_edges(piece.text or "", next(fallbacks, "")), None)
