"""A team's translation memory as the workflow asks it (the pipeline's ``MemoryLookup``).

``exact``: one store read for every distinct segment of a request, keyed by the hash of the
masked segment (an index lookup in SQLite, one ``HMGET`` in Redis). ``suggest``: the close
matches of the segments the memory did not answer, when the request asked for them (the page
does; a plain API call with ``detail`` may). Neither ever fails a translation: a store that
cannot answer means no memory for this request (the fault is counted by the store).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from service.desk.books import MemoryBook, Suggestion
from service.desk.memory import MemoryUnit, fill_slots
from service.desk.store import DeskUnavailable
from service.pipeline import Remembered, SegmentResult
from service.text.normalize import has_thai
from service.text.protect import PLACEHOLDER

log = logging.getLogger(__name__)


class TeamMemory:
    def __init__(self, book: MemoryBook, team: str, suggestions: bool = False) -> None:
        self.book = book
        self.team = team
        self.suggestions = suggestions

    def exact(self, segments: Sequence[str]) -> Mapping[str, Remembered]:
        try:
            found: dict[str, MemoryUnit] = self.book.exact(self.team, segments)
        except DeskUnavailable:
            return {}
        return found

    def suggest(self, segments: Sequence[SegmentResult]) -> None:
        if not self.suggestions:
            return
        open_ = [s for s in segments if s.origin != "memory" and has_thai(s.masked)]
        try:
            matches = self.book.close_matches(self.team, [s.masked for s in open_])
        except DeskUnavailable:
            return
        for segment in open_:
            match = matches.get(segment.masked)
            if match is not None:
                segment.suggestion = suggestion(match, segment)


def suggestion(match: Suggestion, segment: SegmentResult) -> dict[str, Any]:
    """What the page shows beside a segment: the unit's Thai and English, the score, and the
    English with this segment's spans put in where both have the same placeholders."""
    unit = match.unit
    ours = sorted(int(m) for m in PLACEHOLDER.findall(segment.masked))
    theirs = sorted(int(m) for m in PLACEHOLDER.findall(unit.masked_source))
    adapted = None
    if ours == theirs and not unit.fixed:
        outputs = {i: span.output for i, span in zip(ours, segment.spans, strict=False)}
        adapted = fill_slots(unit.masked_target, outputs)
    return {
        "id": unit.key,
        "source": unit.source,
        "target": unit.target,
        "adapted": adapted,
        "score": match.score,
    }
