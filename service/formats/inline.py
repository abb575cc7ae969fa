"""One sentence with inline markup, for formats that are not HTML (Office, OpenDocument, XLIFF).

A paragraph is read as a sequence of text, *opaque* items (a tab, an image, a field, a footnote
reference, an inline code: one PUA marker each) and *spans* (a run of bold text, a link: an open
and a close marker around their content). The markers travel through the pipeline as protected
spans, and :meth:`InlineSentence.resolve` turns a translation back into a properly nested list of
pieces with the same items, with the HTML and Markdown formats' own mechanism
(``service.formats.markers.MarkedSentence``): the
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

from service.formats.markers import MarkedSentence, Piece, has_text, marker, marker_index

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
    """A sentence with markers (``sentence``, spaces around it in ``lead``/``trail``); putting a
    translation back is :class:`~service.formats.markers.MarkedSentence`'s, as for HTML and
    Markdown."""

    sentence: str
    lead: str
    trail: str
    items: list[P | None]
    pua: list[str]  # per item: the source PUA character it stands for, or ""
    pairs: dict[int, int]
    marked: MarkedSentence = field(init=False)

    def __post_init__(self) -> None:
        self.marked = MarkedSentence(self.sentence, len(self.items), self.pairs)

    def has_text(self) -> bool:
        return has_text(self.sentence)

    def fallback_texts(self, translation: str) -> list[str]:
        """The source text pieces inside each span that lost its text, in source order."""
        return self.marked.fallback_texts(translation)

    def resolve(self, translation: str, fallbacks: Iterator[str]) -> list[Piece]:
        """The translation as properly nested pieces (``lead``/``trail`` included); a lost span
        is rebuilt from the source with its text pieces taken from ``fallbacks`` (the source
        text where a fallback came back empty). A source PUA character comes back as a text
        piece."""
        pieces = self.marked.pieces(translation, fallbacks)
        lead = [Piece(self.lead, None)] if self.lead else []
        trail = [Piece(self.trail, None)] if self.trail else []
        return [self._pua_as_text(p) for p in [*lead, *pieces, *trail]]

    def _pua_as_text(self, piece: Piece) -> Piece:
        if piece.index is not None and self.pua[piece.index]:
            return Piece(self.pua[piece.index], None)
        return piece

    def item(self, index: int) -> P:
        payload = self.items[index]
        assert payload is not None
        return payload


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
