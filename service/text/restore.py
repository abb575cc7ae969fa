"""Put span outputs back into a model translation, whatever the model did to the placeholders.

Guarantee: every span's output appears exactly once, verbatim, in the result. Rules, applied
in one left-to-right pass over the placeholder matches (replaced text is never re-scanned, so
a span whose own text looks like "ZX1" cannot trigger a second replacement):

1. A placeholder is recognised tolerantly: any case ("zx0", "Zx0"), a space inside ("ZX 0",
   "Z X0"), glued to a word ("theZX0") or to punctuation ("(ZX0).").
2. The first occurrence of a known id is replaced by the span output (a space is added when
   the model glued it to a preceding Latin letter: "theZX0" → "the Facebook").
3. Later occurrences of a used id (duplicates), unknown ids ("ZX17" with 3 spans) and a bare
   "ZX" without id are removed, with one neighbouring space so no double space is left.
4. Spans the model dropped are inserted right after the restored span that precedes them in
   source order, else right before the first restored span, else (nothing restored) at the
   end of the text, before its final sentence punctuation. A dropped span that touched the
   next restored span in the source (an opening bracket before a term) goes right before that
   one instead. Spans that touched in the source are put back glued, others with a space.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import regex

from service.text.protect import TOLERANT_PLACEHOLDER, SpanMap

_FINAL_PUNCTUATION = regex.compile(r"(?:[.!?…。]+[\"”’')\]]*)?\s*$")
_LATIN_LETTER = regex.compile(r"\p{Latin}")
_WORD_START = regex.compile(r"[\p{L}\p{N}]")
_CLOSING = frozenset(".,;:!?)]}…")
_MAX_ID_DIGITS = 9


@dataclass(frozen=True)
class RestoreReport:
    """What had to be repaired in one model output (all zero/empty when it was clean)."""

    missing: tuple[int, ...] = ()  # ids the model dropped; their outputs were inserted
    duplicates: int = 0  # extra copies of a used id, removed
    invalid: int = 0  # unknown ids and id-less "ZX", removed

    @property
    def clean(self) -> bool:
        return not self.missing and not self.duplicates and not self.invalid


def restore(translated: str, span_map: SpanMap) -> str:
    """Replace the placeholders in ``translated`` by the span outputs (see module rules)."""
    return restore_with_report(translated, span_map)[0]


def restore_with_report(translated: str, span_map: SpanMap) -> tuple[str, RestoreReport]:
    """``restore`` plus a report of the repairs that were needed."""
    outputs = span_map.outputs()
    pieces: list[str] = []
    placed: dict[int, int] = {}  # id → index of its output in ``pieces``
    duplicates = invalid = 0
    position = 0
    for match in TOLERANT_PLACEHOLDER.finditer(translated):
        pieces.append(translated[position : match.start()])
        position = match.end()
        span_id = _placeholder_id(match)
        if span_id in outputs and span_id not in placed:
            if _LATIN_LETTER.match(pieces[-1][-1:]) and _WORD_START.match(outputs[span_id]):
                pieces[-1] += " "  # glued to the model's own word ("theZX0"), not to a span
            placed[span_id] = len(pieces)
            pieces.append(outputs[span_id])
            continue
        if span_id in placed:
            duplicates += 1
        else:
            invalid += 1
        position = _tidy_after_removal(pieces, translated, position, set(placed.values()))
    pieces.append(translated[position:])
    missing = tuple(i for i in sorted(outputs) if i not in placed)
    text = _insert_missing(pieces, placed, missing, span_map)
    return text, RestoreReport(missing=missing, duplicates=duplicates, invalid=invalid)


def _placeholder_id(match: regex.Match[str]) -> int:
    digits = match.group(1)
    if digits is None or len(digits) > _MAX_ID_DIGITS:
        return -1
    return int(digits)


def _last_char(pieces: list[str]) -> str:
    for piece in reversed(pieces):
        if piece:
            return piece[-1]
    return ""


def _tidy_after_removal(pieces: list[str], text: str, position: int, outputs: set[int]) -> int:
    """Drop one space next to a removed placeholder; return where copying resumes."""
    before = _last_char(pieces)
    after = text[position] if position < len(text) else ""
    if after == " " and before in ("", " ", "\n"):
        return position + 1  # "a ZX9 b" → "a b", "ZX9 b" → "b"
    if before == " " and (after in ("", "\n") or after in _CLOSING):
        index = max(i for i, piece in enumerate(pieces) if piece)
        if index not in outputs:  # never touch a span output
            pieces[index] = pieces[index][:-1]  # "a ZX9." → "a."
    return position


def _insert_missing(
    pieces: list[str], placed: dict[int, int], missing: tuple[int, ...], span_map: SpanMap
) -> str:
    """Rule 4, for each run of dropped spans between two restored ones."""
    if not missing:
        return "".join(pieces)
    outputs = span_map.outputs()
    spans = dict(zip(span_map.ids, span_map.spans, strict=True))

    def glued(first: int, second: int) -> bool:
        return spans[first].end == spans[second].start

    def chain(ids: list[int]) -> str:
        text = outputs[ids[0]]
        for first, second in itertools.pairwise(ids):
            text += ("" if glued(first, second) else " ") + outputs[second]
        return text

    if not placed:
        return _append_before_final_punctuation("".join(pieces), chain(list(missing)))
    placed_ids = sorted(placed)
    for before, run, after in _runs(missing, placed_ids):
        split = len(run)  # the tail glued (in the source) to the next restored span goes there
        while before is not None and after is not None and split > 0:
            if not glued(run[split - 1], run[split] if split < len(run) else after):
                break
            split -= 1
        if before is None:
            split = 0
        if split and before is not None:
            text = chain([before, *run[:split]])
            pieces[placed[before]] += text[len(outputs[before]) :]
        if split < len(run) and after is not None:
            text = chain([*run[split:], after])
            head = text[: len(text) - len(outputs[after])]
            pieces[placed[after]] = head + pieces[placed[after]]
    return "".join(pieces)


def _runs(
    missing: tuple[int, ...], placed_ids: list[int]
) -> list[tuple[int | None, list[int], int | None]]:
    """(restored id before, dropped ids, restored id after) for each run of dropped ids."""
    runs: dict[int, tuple[int | None, list[int], int | None]] = {}
    for span_id in missing:
        index = bisect.bisect_left(placed_ids, span_id)
        before = placed_ids[index - 1] if index > 0 else None
        after = placed_ids[index] if index < len(placed_ids) else None
        runs.setdefault(index, (before, [], after))[1].append(span_id)
    return list(runs.values())


def _append_before_final_punctuation(text: str, extra: str) -> str:
    match = _FINAL_PUNCTUATION.search(text)
    body, tail = (text[: match.start()], match.group()) if match else (text, "")
    gap = " " if body and not body[-1].isspace() else ""
    return f"{body}{gap}{extra}{tail}"
