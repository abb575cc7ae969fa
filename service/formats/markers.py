"""Inline markup as Private-Use-Area markers.

A format that keeps inline markup (an HTML ``<b>``, a Markdown ``**`` or link) inside a sentence
replaces each piece of markup by one PUA character (U+E000 + n). The pipeline protects each such
character as a span and returns it exactly once, so the translated sentence tells where the markup
goes. Markers of a pair (open/close) can come back in an impossible order; ``order_markers`` then
falls back to the source order at the positions the translation chose, which is always valid.
"""

from __future__ import annotations

from dataclasses import dataclass

PUA_START = 0xE000
PUA_END = 0xF8FF
MAX_MARKERS = PUA_END - PUA_START + 1


def marker(index: int) -> str:
    if not 0 <= index < MAX_MARKERS:
        raise ValueError(
            f"too many inline markers in one text ({index + 1}; the limit is {MAX_MARKERS}: "
            "two per inline tag such as <b>, one per <br>, <code> or comment, in one block)"
        )
    return chr(PUA_START + index)


def marker_index(char: str) -> int | None:
    code = ord(char)
    return code - PUA_START if PUA_START <= code <= PUA_END else None


def strip_pua(text: str) -> str:
    """Remove PUA characters the source itself contained, so they cannot pose as markers."""
    return "".join(c for c in text if marker_index(c) is None)


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
    closes = {pairs[open_] for open_ in lost}
    inside = [range(open_ + 1, pairs[open_]) for open_ in lost]
    return [
        p
        for p in pieces
        if p.index is None or (p.index not in closes and not any(p.index in r for r in inside))
    ]
