"""SubRip subtitles: cue numbers and timing lines are kept byte for byte, cue text is translated.

Parsed by hand rather than with the ``srt`` package because ``srt.compose`` re-formats timestamps
and numbering, and the contract here is that those lines come back byte-identical. A cue's text
(possibly several lines) is one document; the pipeline keeps its line count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.formats.base import Extracted, FormatError, FormatOptions

_TIMING = re.compile(r"^\s*\d+:\d+:\d+[,.]\d+\s*-->\s*\d+:\d+:\d+[,.]\d+")
_NUMBER = re.compile(r"^\s*\d+\s*$")
_EXAMPLE = "00:00:01,000 --> 00:00:04,000"


@dataclass(frozen=True)
class _Cue:
    first_text_line: int  # index into the file's lines
    line_count: int


def _find_cues(lines: list[str]) -> list[_Cue]:
    """The cues; a block (lines between blank lines) that is not ``[number] timing text...`` is
    a FormatError naming its line, rather than text silently left untranslated."""
    cues: list[_Cue] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        timing = _timing_line(lines, i)
        end = start = timing + 1
        while end < len(lines) and lines[end].strip():
            end += 1
        if end > start:
            cues.append(_Cue(start, end - start))
        i = end
    return cues


def _timing_line(lines: list[str], first: int) -> int:
    """The timing line of the block starting at ``first`` (after its number, if any)."""
    if _TIMING.match(lines[first]):
        return first
    if not _NUMBER.match(lines[first]):
        raise FormatError(
            f"line {first + 1}: expected a subtitle number or a timing line like "
            f"'{_EXAMPLE}', got {lines[first].strip()[:60]!r} (is this a SubRip file?)"
        )
    following = lines[first + 1] if first + 1 < len(lines) else ""
    if not _TIMING.match(following):
        raise FormatError(
            f"line {first + 2}: expected a timing line like '{_EXAMPLE}' after subtitle "
            f"number {lines[first].strip()}, got {following.strip()[:60]!r}"
        )
    return first + 1


class SrtFormat:
    name = "srt"

    def extract(self, content: str) -> Extracted:
        lines = content.removeprefix("\ufeff").split("\n")
        bom = "\ufeff" if content.startswith("\ufeff") else ""
        cues = _find_cues(lines)
        texts = [
            "\n".join(
                _without_cr(line)
                for line in lines[c.first_text_line : c.first_text_line + c.line_count]
            )
            for c in cues
        ]

        def rebuild(translations: Sequence[str]) -> str:
            out = list(lines)
            # Replace from the end so earlier line indexes stay valid if a count ever changed.
            for cue, translation in reversed(list(zip(cues, translations, strict=True))):
                start = cue.first_text_line
                ends = [
                    line[len(_without_cr(line)) :] for line in lines[start : start + cue.line_count]
                ]
                fitted = _fit_lines(translation, cue.line_count)
                out[start : start + cue.line_count] = [
                    text + ends[k] for k, text in enumerate(fitted)
                ]
            return bom + "\n".join(out)

        return Extracted(texts, rebuild)


def _without_cr(line: str) -> str:
    """The line without its CR (a CRLF file's line end is not text to translate)."""
    return line.removesuffix("\r")


def _fit_lines(translation: str, count: int) -> list[str]:
    """The translation as ``count`` non-empty lines (the pipeline keeps counts; this is a guard,
    because a blank line inside a cue would end the cue)."""
    lines = [line for line in translation.split("\n") if line.strip()] or [""]
    if len(lines) > count:
        lines = [*lines[: count - 1], " ".join(lines[count - 1 :])]
    return lines


def make_format(options: FormatOptions) -> SrtFormat:
    return SrtFormat()
