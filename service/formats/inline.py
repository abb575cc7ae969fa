"""One sentence with inline markup, for formats that are not HTML (Office, OpenDocument, XLIFF).

A paragraph is read as a sequence of text, *opaque* items (a tab, an image, a field, a footnote
reference, an inline code: one PUA marker each) and *spans* (a run of bold text, a link: an open
and a close marker around their content). The markers travel through the pipeline as protected
spans, and :meth:`InlineSentence.resolve` turns a translation back into a properly nested list of
pieces with the same items, exactly as the HTML format does (``service.formats.markers``): the
translation's order when it nests, the source's order otherwise, and a span that lost its text
(its markers dropped or emptied by the model) refilled from the source's structure with its own
text pieces translated on their own (the second round, :meth:`fallback_texts`). So a bold or
linked word is never left empty.

A Private-Use character in the source text is itself an opaque item (it comes back as it was),
so no source character can pose as a marker.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from service.formats.markers import (
    Piece,
    detach_lost,
    lost_pairs,
    marker,
    marker_index,
    order_markers,
    split_markers,
)

P = TypeVar("P")  # what a format keeps for each marker (its XML nodes, its run properties, ...)


@dataclass
class InlineBuilder(Generic[P]):
    """Collects a sentence in reading order: ``text``, ``opaque``, ``open`` ... ``close``."""

    parts: list[str] = field(default_factory=list)
    items: list[P | None] = field(default_factory=list)
    pairs: dict[int, int] = field(default_factory=dict)
    pua: list[str] = field(default_factory=list)  # per item: the source PUA character, or ""
    _open: list[int] = field(default_factory=list)

    def text(self, text: str) -> None:
        for char in text:
            if marker_index(char) is not None:
                self._add(None, char)  # a source PUA character: kept as an item of its own
            else:
                self.parts.append(char)

    def opaque(self, payload: P) -> None:
        self._add(payload)

    def open(self, payload: P) -> None:
        self._open.append(len(self.items))
        self._add(payload)

    def close(self, payload: P) -> None:
        self.pairs[self._open.pop()] = len(self.items)
        self._add(payload)

    def _add(self, payload: P | None, char: str = "") -> None:
        self.items.append(payload)
        self.pua.append(char)
        self.parts.append(marker(len(self.items) - 1))

    def finish(self) -> InlineSentence[P]:
        while self._open:  # an unclosed span (malformed input): close it at the end
            self.close(self.items[self._open[-1]])  # type: ignore[arg-type]
        text = "".join(self.parts)
        core = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :] if core else ""
        return InlineSentence(core, lead, trail, self.items, self.pua, self.pairs)


@dataclass
class InlineSentence(Generic[P]):
    """A sentence with markers (``sentence``, spaces around it in ``lead``/``trail``)."""

    sentence: str
    lead: str
    trail: str
    items: list[P | None]
    pua: list[str]  # per item: the source PUA character it stands for, or ""
    pairs: dict[int, int]
    source: list[Piece] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.source = split_markers(self.sentence, len(self.items))

    def has_text(self) -> bool:
        return any(not c.isspace() and marker_index(c) is None for c in self.sentence)

    def _pieces(self, translation: str) -> tuple[list[Piece], list[int]]:
        pieces = order_markers(split_markers(translation, len(self.items)), self.pairs)
        lost = lost_pairs(self.source, pieces, self.pairs)
        return detach_lost(pieces, self.pairs, lost), lost

    def fallback_texts(self, translation: str) -> list[str]:
        """The source text pieces inside each span that lost its text, in source order."""
        lost = self._pieces(translation)[1]
        return [(p.text or "").strip() for open_ in lost for p in self._inside(open_) if _has(p)]

    def _inside(self, open_: int) -> list[Piece]:
        start, end = self._position(open_), self._position(self.pairs[open_])
        return self.source[start + 1 : end]

    def _position(self, index: int) -> int:
        return next(i for i, p in enumerate(self.source) if p.index == index)

    def resolve(self, translation: str, fallbacks: Iterator[str]) -> list[Piece]:
        """The translation as properly nested pieces (``lead``/``trail`` included); a lost span
        is rebuilt from the source with its text pieces taken from ``fallbacks`` in order (the
        source text where a fallback came back empty). A source PUA character comes back as a
        text piece."""
        pieces, lost = self._pieces(translation)
        out: list[Piece] = [Piece(self.lead, None)] if self.lead else []
        for piece in pieces:
            if piece.index in lost:
                out.append(piece)
                out += [self._refilled(p, fallbacks) for p in self._inside(piece.index)]
                out.append(Piece(None, self.pairs[piece.index]))
            else:
                out.append(piece)
        if self.trail:
            out.append(Piece(self.trail, None))
        return [self._pua_as_text(p) for p in out]

    def _refilled(self, piece: Piece, fallbacks: Iterator[str]) -> Piece:
        if not _has(piece):
            return piece
        text = piece.text or ""
        core = next(fallbacks, "").strip() or text.strip()
        return Piece(
            text[: len(text) - len(text.lstrip())] + core + text[len(text.rstrip()) :], None
        )

    def _pua_as_text(self, piece: Piece) -> Piece:
        if piece.index is not None and self.pua[piece.index]:
            return Piece(self.pua[piece.index], None)
        return piece

    def item(self, index: int) -> P:
        payload = self.items[index]
        assert payload is not None
        return payload


def _has(piece: Piece) -> bool:
    return piece.index is None and bool((piece.text or "").strip())


def walk(pieces: list[Piece], pairs: dict[int, int]) -> Iterator[tuple[str, int | str]]:
    """``("text", str)``, ``("opaque", index)``, ``("open", index)``, ``("close", open index)``
    events for properly nested pieces (what a format turns back into markup)."""
    closers = {close: open_ for open_, close in pairs.items()}
    for piece in pieces:
        if piece.index is None:
            if piece.text:
                yield "text", piece.text
        elif piece.index in pairs:
            yield "open", piece.index
        elif piece.index in closers:
            yield "close", closers[piece.index]
        else:
            yield "opaque", piece.index
