"""Thai sentence segmentation mapped back onto the original string.

PyThaiNLP's CRF segmenter (``crfcut``) decides where sentences end; we only use its output to
place boundaries in the *original* paragraph, so the pieces always concatenate to the input
byte for byte, whatever crfcut does to whitespace.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import regex

_NON_SPACE = regex.compile(r"\S")
_SPACE = regex.compile(r"\s")
_GRAPHEME = regex.compile(r"\X", regex.DOTALL)
# crfcut's word segmentation (newmm) costs more per character the longer the text, so a long
# paragraph is cut into windows of about this many characters first (at a space if there is
# one), each segmented on its own: the cost stays linear in the paragraph's length.
WINDOW = 5_000
# "... ประกอบด้วย 1.ด้าน..." : a list number glued to the next word, after whitespace.
_ENUMERATOR_BEFORE = regex.compile(r"(?<=\s)\d{1,3}\.$")


def split_sentences(paragraph: str, keep_together: Sequence[tuple[int, int]] = ()) -> list[str]:
    """Split a paragraph into sentences whose concatenation is exactly ``paragraph``.

    Whitespace between two sentences stays at the end of the first one. No piece is empty
    (``""`` gives ``[]``), and no boundary falls strictly inside a ``(start, end)`` range of
    ``keep_together`` (protected spans: "Ms. Angel Zhao" is never cut after "Ms.").
    """
    if not paragraph:
        return []
    if _NON_SPACE.search(paragraph) is None:
        return [paragraph]
    starts: list[int] = []
    windows = _windows(paragraph, keep_together)
    for start, end in itertools.pairwise(windows):
        window = paragraph[start:end]
        starts += [start + s for s in _sentence_starts(window, _crfcut(window))]
    starts += windows[1:-1]  # a window's end ends a sentence, as the paragraph's end does
    starts = _fix_glued_dots(paragraph, sorted(set(starts)))
    starts = _outside_ranges(starts, keep_together)
    bounds = [0, *starts, len(paragraph)]
    return [paragraph[a:b] for a, b in itertools.pairwise(bounds) if a < b]


def _windows(paragraph: str, keep_together: Sequence[tuple[int, int]]) -> list[int]:
    """Offsets ``0 = w0 < w1 < ... = len(paragraph)`` cutting it into windows of at most about
    :data:`WINDOW` characters: after the last whitespace of a window, else at a grapheme
    boundary; never inside a ``keep_together`` range. One window for any ordinary paragraph."""
    cuts = [0]
    ranges = sorted(keep_together)
    while len(paragraph) - cuts[-1] > WINDOW:
        limit = cuts[-1] + WINDOW
        space = None
        for match in _SPACE.finditer(paragraph, cuts[-1] + WINDOW // 2, limit):
            space = match.end()
        cut = space if space is not None else _grapheme_start(paragraph, limit)
        cut = _outside(cut, ranges)
        if cut <= cuts[-1] or cut >= len(paragraph):
            break  # one range covers the rest: no cut possible
        cuts.append(cut)
    return [*cuts, len(paragraph)]


def _grapheme_start(text: str, position: int) -> int:
    """The start of the grapheme cluster at ``position`` (a cut never splits one)."""
    start = max(0, position - 64)
    for match in _GRAPHEME.finditer(text, start, min(len(text), position + 64)):
        if match.end() > position:
            return match.start() if match.start() > 0 else match.end()
    return position


def _outside(position: int, ranges: Sequence[tuple[int, int]]) -> int:
    """``position`` moved to the end of the (sorted, disjoint) range it falls strictly inside."""
    at = bisect.bisect_left(ranges, (position, position)) - 1
    if at >= 0 and ranges[at][0] < position < ranges[at][1]:
        return ranges[at][1]
    return position


def _crfcut(paragraph: str) -> list[str]:
    from pythainlp.tokenize import sent_tokenize  # heavy: loads the CRF model on first use

    return [str(s) for s in sent_tokenize(paragraph, engine="crfcut")]


def _sentence_starts(paragraph: str, sentences: Sequence[str]) -> list[int]:
    """Offsets in ``paragraph`` where sentences 2..n begin (at their first non-space char).

    Alignment compares non-space characters only, so crfcut may drop, add or change
    whitespace. If its output does not match the paragraph at all, we keep one piece.
    """
    positions = [m.start() for m in _NON_SPACE.finditer(paragraph)]
    starts: list[int] = []
    seen = 0  # non-space characters of the paragraph consumed so far
    for sentence in sentences:
        chars = "".join(sentence.split())
        if not chars:
            continue
        if _paragraph_chars(paragraph, positions, seen, len(chars)) != chars:
            return []
        if seen > 0:
            starts.append(positions[seen])
        seen += len(chars)
    return starts if seen == len(positions) else []


def _fix_glued_dots(paragraph: str, starts: list[int]) -> list[int]:
    """Undo crfcut's forced cut after every token ending in ".".

    Thai ends sentences with a space, so a "." glued to the next word is an abbreviation
    ("รมว.อุตสาหกรรม", "พ.ศ.2567") or a list number ("1.ด้าน"). An abbreviation keeps its
    sentence together; a list number starts the next sentence instead of ending the last one.
    """
    fixed: list[int] = []
    for start in starts:
        if paragraph[start - 1] != ".":
            fixed.append(start)
            continue
        enumerator = _ENUMERATOR_BEFORE.search(paragraph, max(0, start - 5), start)
        if enumerator is not None and enumerator.start() > (fixed[-1] if fixed else 0):
            fixed.append(enumerator.start())
    return fixed


def _paragraph_chars(paragraph: str, positions: Sequence[int], first: int, count: int) -> str:
    """The ``count`` non-space characters of ``paragraph`` starting at non-space index ``first``."""
    return "".join(paragraph[p] for p in positions[first : first + count])


def _outside_ranges(offsets: list[int], ranges: Sequence[tuple[int, int]]) -> list[int]:
    """The offsets that fall strictly inside none of ``ranges`` (sorted sweep, O(n log n))."""
    ordered = sorted((start, end) for start, end in ranges if end - start > 1)
    kept: list[int] = []
    index, reach = 0, -1  # ``reach``: largest end among ranges starting before the offset
    for offset in offsets:  # ascending
        while index < len(ordered) and ordered[index][0] < offset:
            reach = max(reach, ordered[index][1])
            index += 1
        if offset >= reach:
            kept.append(offset)
    return kept
