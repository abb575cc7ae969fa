"""What to check first: the least confident segments of translated documents.

For summaries at the end of a job (``thaimt batch``, document jobs): every segment the model
translated has a confidence (:mod:`service.text.confidence`); :func:`least_confident` lists the
``n`` lowest across a set of documents, and :class:`LeastConfident` keeps them while a long job
goes on (bounded memory). Each :class:`ReviewItem` says where the segment is (document,
paragraph = input line, segment within it) so a front end can point at it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.pipeline import DocumentResult

REVIEW_COUNT = 10  # segments listed by default


@dataclass(frozen=True)
class ReviewItem:
    confidence: float
    source: str
    target: str
    flags: tuple[str, ...]
    document: int  # index of the document in what was translated together
    paragraph: int  # line of the document (0-based)
    segment: int  # sentence within the line (0-based)
    where: str = ""  # set by the front end: a file name, a job id ...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def review_items(result: DocumentResult, document: int = 0, where: str = "") -> list[ReviewItem]:
    """Every segment of a document that has a confidence, in reading order."""
    return [
        ReviewItem(
            segment.confidence,
            segment.source,
            segment.target,
            tuple(segment.flags),
            document,
            p,
            s,
            where,
        )
        for p, paragraph in enumerate(result.paragraphs)
        for s, segment in enumerate(paragraph.segments)
        if segment.confidence is not None
    ]


def review_items_from_detail(detail: dict[str, Any], document: int = 0) -> list[ReviewItem]:
    """:func:`review_items` of a document's JSON form (``/v1`` ``detail``: a DocumentResult as
    a dict), for clients of a server; malformed parts are skipped."""
    items = []
    for p, paragraph in enumerate(detail.get("paragraphs") or []):
        for s, segment in enumerate(paragraph.get("segments") or []):
            confidence = segment.get("confidence")
            if isinstance(confidence, int | float) and not isinstance(confidence, bool):
                flags = tuple(str(f) for f in segment.get("flags") or ())
                source, target = str(segment.get("source", "")), str(segment.get("target", ""))
                items.append(ReviewItem(float(confidence), source, target, flags, document, p, s))
    return items


def lowest(items: Iterable[ReviewItem], n: int = REVIEW_COUNT) -> list[ReviewItem]:
    """The ``n`` least confident of ``items``, least first (ties in their order)."""
    collector = LeastConfident(n)
    collector.add(items)
    return collector.items()


def least_confident(
    results: Sequence[DocumentResult], n: int = REVIEW_COUNT, where: str = ""
) -> list[ReviewItem]:
    """The ``n`` least confident segments of ``results``, least confident first (ties in reading
    order): the summary of a document job."""
    return lowest(
        (item for number, r in enumerate(results) for item in review_items(r, number, where)), n
    )


class LeastConfident:
    """The ``n`` least confident items seen so far (for jobs too long to keep every segment)."""

    def __init__(self, n: int = REVIEW_COUNT) -> None:
        self.n = n
        self._heap: list[tuple[float, int, ReviewItem]] = []  # max-heap on confidence
        self._order = itertools.count()  # earlier items win ties

    def add(self, items: Iterable[ReviewItem]) -> None:
        for item in items:
            entry = (-item.confidence, -next(self._order), item)
            if len(self._heap) < self.n:
                heapq.heappush(self._heap, entry)
            elif self.n and entry > self._heap[0]:
                heapq.heapreplace(self._heap, entry)

    def items(self) -> list[ReviewItem]:
        return [item for *_, item in sorted(self._heap, reverse=True)]


def relabel(items: Iterable[ReviewItem], where: str, document: int) -> list[ReviewItem]:
    """Items of one document moved to its place in a bigger job."""
    return [replace(item, where=where, document=document) for item in items]


def format_review(items: Sequence[ReviewItem], width: int = 60) -> list[str]:
    """One line per item for a terminal summary: confidence, place, source → target, flags."""
    lines = []
    for item in items:
        place = f"{item.where} " if item.where else ""
        flags = f" [{', '.join(item.flags)}]" if item.flags else ""
        lines.append(
            f"  {item.confidence:.2f} {place}line {item.paragraph + 1}: "
            f"{_cut(item.source, width)} → {_cut(item.target, width)}{flags}"
        )
    return lines


def _cut(text: str, width: int) -> str:
    """One line of at most ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
