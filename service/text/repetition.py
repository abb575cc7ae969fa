"""The repetition guard applied to every model output.

Decoding is bounded in length (``DecodeOptions.max_new_tokens``); what a looping model emits
inside that bound ("the the the the", "ถึงถึงถึงถึง", "40 40 40 40") is repaired here, the same
way for every backend, so backends stay comparable and the cost per step stays zero.

A loop is a unit of 1–40 characters repeated at least four times in a row (a trailing partial
copy of the unit, if more than a space, belongs to the loop). What happens to it depends on the
unit:

- **letters** (any script): cut back to one occurrence ("the the the the" → "the"); a single
  repeated letter ("aaaa", "ๆๆๆๆ") is emphasis and kept.
- **digits** without letters: removed whole. Every digit of the source reaches the model as a
  placeholder, so a number the model repeats is a number it made up; keeping one copy would put
  a figure that is in no source into the article. A run that can be one number (digits and
  . , : / - only: "0" in "100000000", ",000" in "1,000,000,000,000") is removed only from 24
  characters on, so large numbers the model writes for Thai number words are kept.
- **punctuation, symbols, spaces** only: cut back to one occurrence only when the run is at
  least 80 characters long; shorter runs are content (a dot leader "ลงชื่อ........", a table
  rule "--------", "!!!!", "...").

A loop never starts or ends inside a placeholder ("ZX11111111" is left to the restore step).

The pipeline applies the guard when it assembles each model output
(``service.text.flags.finish_output``), so it knows when the guard changed something (the
``repetition_trimmed`` flag); the engine and its cache keep the model's output as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from service.text.protect import TOLERANT_PLACEHOLDER

_LOOP = regex.compile(r"(.{1,40}?)\1{3,}", regex.DOTALL)
_LETTER = regex.compile(r"\p{L}")
_DIGIT = regex.compile(r"\p{Nd}")
_NUMBER_PIECE = regex.compile(r"[\p{Nd}.,:/\-]+")  # a unit that can be part of one number
_CLOSING = frozenset(".,;:!?)]}…")
MIN_GLUED_NUMBER_CHARS = 24
MIN_SYMBOL_RUN_CHARS = 80


@dataclass(frozen=True)
class _Loop:
    start: int
    end: int  # trailing partial copy of the unit included
    unit: str
    repeats: int


def trim_repetition(text: str) -> str:
    """Repair runaway repeats (see the module rules); text without loops comes back as is."""
    if len(text) < 4:
        return text
    inside = _placeholder_interiors(text)
    pieces: list[str] = []
    position = 0
    search_from = 0
    while match := _LOOP.search(text, search_from):
        loop = _loop(text, match)
        if loop.start in inside or loop.end in inside:
            search_from = match.start() + 1  # never cut a placeholder: look again further on
            continue
        replacement = _repair(loop, text)
        if replacement is None:  # content, not a loop: keep it and go on after it
            search_from = match.end()
            continue
        pieces.append(text[position : loop.start])
        pieces.append(replacement)
        _tidy_space(pieces, text, loop.end)
        position = search_from = loop.end
    pieces.append(text[position:])
    return "".join(pieces)


def _loop(text: str, match: regex.Match[str]) -> _Loop:
    unit = match.group(1)
    end = match.end()
    partial = 0
    while (
        partial < len(unit) - 1
        and end + partial < len(text)
        and (text[end + partial] == unit[partial])
    ):
        partial += 1
    if not unit[:partial].strip():
        partial = 0  # a separator after the loop stays with the text that follows
    return _Loop(match.start(), end + partial, unit, (match.end() - match.start()) // len(unit))


def _repair(loop: _Loop, text: str) -> str | None:
    """What replaces the loop: one unit, a space where it is removed, or None to keep it."""
    if _LETTER.search(loop.unit):
        return loop.unit if len(loop.unit) > 1 else None  # "aaaa", "ๆๆๆๆ": emphasis, kept
    if _DIGIT.search(loop.unit):
        glued = _NUMBER_PIECE.fullmatch(loop.unit) is not None
        if glued and loop.end - loop.start < MIN_GLUED_NUMBER_CHARS:
            return None
        run = text[loop.start : loop.end]
        return " " if run != run.strip() else ""  # the words around it stay apart
    return loop.unit if loop.end - loop.start >= MIN_SYMBOL_RUN_CHARS else None


def _tidy_space(pieces: list[str], text: str, end: int) -> None:
    """No double space and no space before closing punctuation where a loop was repaired."""
    after = text[end : end + 1]
    if not (after in ("", " ", "\n") or after in _CLOSING):
        return
    index = len(pieces) - 1 if pieces[-1] else len(pieces) - 2
    if index >= 0 and pieces[index].endswith(" "):
        pieces[index] = pieces[index][:-1]


def _placeholder_interiors(text: str) -> set[int]:
    """Positions strictly inside a placeholder (a loop may start or end only outside)."""
    return {i for m in TOLERANT_PLACEHOLDER.finditer(text) for i in range(m.start() + 1, m.end())}
