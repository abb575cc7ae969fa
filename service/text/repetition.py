"""The repetition guard applied to every model output.

Decoding is bounded in length (``DecodeOptions.max_new_tokens``); what a looping model emits
inside that bound ("the the the the", "ถึงถึงถึงถึง") is cut back to one occurrence here, the same
way for every backend, so backends stay comparable and the cost per step stays zero. The pipeline
applies it when it assembles each model output (``service.text.flags.finish_output``), so it
knows when the guard changed something (the ``repetition_trimmed`` flag); the engine and its
cache keep the model's output as it was.
"""

from __future__ import annotations

import regex

# A unit of 2–40 characters (containing a letter) repeated at least four times in a row.
_LOOP = regex.compile(r"(.{2,40}?)\1{3,}", regex.DOTALL)
_LETTER = regex.compile(r"\p{L}")


def trim_repetition(text: str) -> str:
    """Collapse runaway repeats of a unit to a single occurrence."""

    def _collapse(match: regex.Match[str]) -> str:
        unit = match.group(1)
        return unit if _LETTER.search(unit) else match.group(0)

    return str(_LOOP.sub(_collapse, text))
