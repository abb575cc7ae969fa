"""Segment flags: facts about one model output that point an editor at a sentence worth a look.

Every flag is computed from what the pipeline has in hand for the segment (its source, its span
map, the model's output before and after the repetition guard, the restored text and restore's
repair report); none is a guess about quality:

- ``placeholder_dropped``: the model lost at least one placeholder; restore re-inserted the span
  next to its neighbour in source order (``RestoreReport.missing``), so its place may be wrong.
- ``placeholder_mangled``: the model repeated a placeholder or wrote one with an unknown or no
  id; restore removed it (``RestoreReport.duplicates`` / ``invalid``).
- ``invented_number``: the model wrote digits itself. Every digit of the source is inside a
  protected span, so the model only ever sees placeholders for them: a digit run outside the
  placeholders that is part of no span of the segment is a number the source does not show in
  digits (a Thai number word turned into digits at best, an invented figure at worst).
- ``repetition_trimmed``: the repetition guard (:mod:`service.text.repetition`) cut a loop out
  of the model output.
- ``thai_left``: the model output (outside the placeholders) still contains Thai script.
- ``length_ratio``: output characters / input characters is outside ``LENGTH_RATIO_RANGE`` for
  a source of at least ``LENGTH_RATIO_MIN_SOURCE`` characters. The input length counts each
  protected span as its output (a glossary term's English, not its Thai), so glossaries do not
  skew it.

``LENGTH_RATIO_RANGE`` comes from data: English/Thai character ratios of the FLORES-200 devtest
references (``eval/data/flores200``, 1012 human translations) have 0.5th and 99.5th percentiles
0.672 and 1.685; the range is those divided and multiplied by 1.5, [0.45, 2.5], which one
reference in 1012 falls outside. Tatoeba references of 20+ Thai characters fall outside it only
where the "translation" is a one-line gloss of a multi-sentence explanation; shorter sources
("ครับ" → "Yes, sir.") swing too widely to judge, hence the minimum length.
``tests/unit/service/text/test_flags.py`` recomputes these numbers from the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from service.text.normalize import has_thai
from service.text.protect import TOLERANT_PLACEHOLDER, SpanMap
from service.text.repetition import trim_repetition
from service.text.restore import RestoreReport, restore_with_report

PLACEHOLDER_DROPPED = "placeholder_dropped"
PLACEHOLDER_MANGLED = "placeholder_mangled"
INVENTED_NUMBER = "invented_number"
REPETITION_TRIMMED = "repetition_trimmed"
THAI_LEFT = "thai_left"
LENGTH_RATIO = "length_ratio"

FLAG_NAMES = (
    PLACEHOLDER_DROPPED,
    PLACEHOLDER_MANGLED,
    INVENTED_NUMBER,
    REPETITION_TRIMMED,
    THAI_LEFT,
    LENGTH_RATIO,
)
# One line per flag for people (the web page and docs/architecture.md show these).
FLAG_REASONS = {
    PLACEHOLDER_DROPPED: "the model dropped a protected term; it was put back near its neighbour",
    PLACEHOLDER_MANGLED: "the model repeated or garbled a placeholder; the extra one was removed",
    INVENTED_NUMBER: "the translation has a number that is not in the source's digits",
    REPETITION_TRIMMED: "the model repeated itself; the loop was cut",
    THAI_LEFT: "Thai text was left untranslated",
    LENGTH_RATIO: "the translation is much shorter or longer than the source",
}

LENGTH_RATIO_RANGE = (0.45, 2.5)  # output / input characters (see the module docstring)
LENGTH_RATIO_MIN_SOURCE = 20  # characters; shorter sources are not judged by length

_DIGITS = regex.compile(r"\d+")  # any decimal digit (Unicode Nd, Thai digits included)


@dataclass(frozen=True)
class FinishedSegment:
    """One model output after the repetition guard and restore, with its flags."""

    text: str  # the restored translation
    flags: tuple[str, ...]


def finish_output(
    source: str, span_map: SpanMap, raw: str, modelled: bool = True
) -> FinishedSegment:
    """The model's ``raw`` output for a segment → repetition guard → restore → flags.

    ``modelled=False``: ``raw`` is the masked segment itself (it had no Thai left, so the model
    never saw it); it is only restored and carries no flag."""
    if not modelled:
        return FinishedSegment(restore_with_report(raw, span_map)[0], ())
    guarded = trim_repetition(raw)
    text, report = restore_with_report(guarded, span_map)
    flags = segment_flags(source, span_map, guarded, text, report, trimmed=guarded != raw)
    return FinishedSegment(text, flags)


def segment_flags(
    source: str,
    span_map: SpanMap,
    output: str,
    restored: str,
    report: RestoreReport,
    trimmed: bool,
) -> tuple[str, ...]:
    """The flags of one segment, in ``FLAG_NAMES`` order.

    ``output`` is the model output that restore received (after the repetition guard),
    ``restored`` what restore made of it, ``trimmed`` whether the guard changed the output.
    """
    model_text = TOLERANT_PLACEHOLDER.sub(" ", output)
    raised = {
        PLACEHOLDER_DROPPED: bool(report.missing),
        PLACEHOLDER_MANGLED: bool(report.duplicates or report.invalid),
        INVENTED_NUMBER: bool(invented_numbers(model_text, span_map)),
        REPETITION_TRIMMED: trimmed,
        THAI_LEFT: has_thai(model_text),
        LENGTH_RATIO: not length_ratio_usual(source, span_map, restored),
    }
    return tuple(name for name in FLAG_NAMES if raised[name])


def invented_numbers(model_text: str, span_map: SpanMap) -> list[str]:
    """Digit runs of the model's own text (placeholders removed) found in no span."""
    known = [text for span in span_map.spans for text in (span.source, span.output)]
    runs = _DIGITS.findall(model_text)
    return [run for run in runs if not any(run in text for text in known)]


def length_ratio_usual(source: str, span_map: SpanMap, restored: str) -> bool:
    """False when the output/input character ratio is outside ``LENGTH_RATIO_RANGE``."""
    spans_delta = sum(len(s.output) - len(s.source) for s in span_map.spans)
    source_chars = len(source.strip())
    if source_chars < LENGTH_RATIO_MIN_SOURCE:
        return True
    ratio = len(restored.strip()) / max(1, source_chars + spans_delta)
    low, high = LENGTH_RATIO_RANGE
    return low <= ratio <= high


@dataclass(frozen=True)
class FlagSummary:
    """Flags over many segments: how many were judged, how many flagged, and per flag."""

    segments: int
    flagged: int
    by_flag: dict[str, int]

    @property
    def share(self) -> float:
        return self.flagged / self.segments if self.segments else 0.0


def summarize_flags(flag_lists: Sequence[Sequence[str]]) -> FlagSummary:
    """Counts over the flags of many segments (every name present in ``by_flag``)."""
    by_flag = dict.fromkeys(FLAG_NAMES, 0)
    for flags in flag_lists:
        for name in flags:
            by_flag[name] += 1
    return FlagSummary(len(flag_lists), sum(1 for f in flag_lists if f), by_flag)
