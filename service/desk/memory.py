"""Translation memory units: an approved English for a Thai segment as the pipeline sees it.

The key is the masked segment (:mod:`service.text.protect`): its names, numbers, URLs and
glossary terms are placeholders, so a unit made from "ราคา 100 บาท" is keyed "ราคา ZX0 บาท"
and serves any price. The English is masked the same way: each span's output found in it,
verbatim and not inside a longer word or number, becomes a slot ``{0}``, and applying the unit
to another segment puts that segment's spans into the slots. A span the English does not show
verbatim ("4" written "four") is *fixed*: the unit applies only where that span is the same.

Slots are written ``{N}`` with literal braces doubled (``{{``, ``}}``), so nothing an editor
types can be mistaken for a slot.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import regex

from service.text.normalize import has_thai, normalize
from service.text.protect import ProtectedSpan, SpanMap, find_spans, mask

_SLOT = regex.compile(r"\{\{|\}\}|\{([0-9]+)\}")
_WORD_CHAR = regex.compile(r"[\p{L}\p{N}]")
MAX_UNIT_CHARS = 2000  # of the source, and of the English


class UnitInvalid(ValueError):
    """A source or English that cannot make a memory unit (the message says why)."""


@dataclass(frozen=True)
class MemoryUnit:
    """One approved translation. ``masked_source`` is the key; ``masked_target`` is the
    English with slots; ``fixed`` maps a placeholder id to the span output it must have."""

    source: str
    target: str
    masked_source: str
    masked_target: str
    fixed: Mapping[int, str] = field(default_factory=dict)
    created: float = 0.0
    changed: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", MappingProxyType(dict(self.fixed)))

    @property
    def key(self) -> str:
        return unit_key(self.masked_source)

    @property
    def unconditional(self) -> bool:
        """Applies to every segment with its key (no fixed spans): the model is not needed."""
        return not self.fixed

    def target_for(self, span_map: SpanMap) -> str | None:
        """The English for a segment with this key and these spans, or None where a fixed span
        differs (the machine translation is used there)."""
        outputs = span_map.outputs()
        if any(outputs.get(i) != output for i, output in self.fixed.items()):
            return None
        return fill_slots(self.masked_target, outputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "source": self.source,
            "target": self.target,
            "created": self.created,
            "changed": self.changed,
        }

    def dumps(self) -> str:
        data = {
            "source": self.source,
            "target": self.target,
            "masked_source": self.masked_source,
            "masked_target": self.masked_target,
            "fixed": {str(k): v for k, v in self.fixed.items()},
            "created": self.created,
            "changed": self.changed,
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> MemoryUnit:
        data = json.loads(text)
        return cls(
            source=data["source"],
            target=data["target"],
            masked_source=data["masked_source"],
            masked_target=data["masked_target"],
            fixed={int(k): v for k, v in data.get("fixed", {}).items()},
            created=float(data.get("created", 0.0)),
            changed=float(data.get("changed", 0.0)),
        )


def unit_key(masked_source: str) -> str:
    """A unit's id: the SHA-256 of its masked source (hex)."""
    return hashlib.sha256(masked_source.encode("utf-8", "surrogatepass")).hexdigest()


def make_unit(
    source: str,
    target: str,
    glossary: Mapping[str, str] | None = None,
    do_not_translate: Sequence[str] = (),
    now: float | None = None,
) -> MemoryUnit:
    """A unit from a Thai sentence and its approved English, masked as the pipeline masks a
    sentence with this glossary (UnitInvalid when there is nothing to remember)."""
    text = _checked(source, "source")
    english = _checked(target, "target")
    if not has_thai(text):
        raise UnitInvalid("the source has no Thai: it is copied through, never translated")
    masked, span_map = mask(text, find_spans(text, glossary, do_not_translate))
    if not has_thai(masked):
        raise UnitInvalid("the source is only names, numbers or terms: nothing to remember")
    masked_target, fixed = mask_target(english, span_map.spans)
    stamp = float(int(time.time())) if now is None else now  # whole seconds, as TMX dates
    return MemoryUnit(text, english, masked, masked_target, fixed, stamp, stamp)


def _checked(value: str, what: str) -> str:
    text = normalize(value).strip()
    if not text:
        raise UnitInvalid(f"the {what} is empty")
    if "\n" in text:
        raise UnitInvalid(f"the {what} must be one sentence (one line)")
    if len(text) > MAX_UNIT_CHARS:
        raise UnitInvalid(f"the {what} has {len(text)} characters; the limit is {MAX_UNIT_CHARS}")
    return text


def mask_target(english: str, spans: Sequence[ProtectedSpan]) -> tuple[str, dict[int, str]]:
    """Slots for the spans whose output the English shows verbatim (each occurrence used once,
    longer outputs first so "EEC 2" is not taken apart by "2"); the others are fixed."""
    taken: list[tuple[int, int, int]] = []  # (start, end, placeholder id)
    order = sorted(range(len(spans)), key=lambda i: (-len(spans[i].output), i))
    for i in order:
        at = _free_occurrence(english, spans[i].output, taken)
        if at is not None:
            taken.append((at, at + len(spans[i].output), i))
    taken.sort()
    pieces, position = [], 0
    for start, end, i in taken:
        pieces.append(_escaped(english[position:start]))
        pieces.append(f"{{{i}}}")
        position = end
    pieces.append(_escaped(english[position:]))
    found = {i for _, _, i in taken}
    fixed = {i: s.output for i, s in enumerate(spans) if i not in found}
    return "".join(pieces), fixed


def _free_occurrence(text: str, output: str, taken: list[tuple[int, int, int]]) -> int | None:
    """The first place ``output`` stands on its own in ``text`` outside the ``taken`` ranges."""
    if not output:
        return None
    start = text.find(output)
    while start >= 0:
        end = start + len(output)
        free = all(end <= s or start >= e for s, e, _ in taken)
        if free and _stands_alone(text, start, end):
            return start
        start = text.find(output, start + 1)
    return None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not glued to a letter or digit where the output itself begins or ends with one
    ("4" is not the 4 of "2024", "EEC" not the EEC of "EECs")."""
    before = start > 0 and _word(text[start]) and _word(text[start - 1])
    after = end < len(text) and _word(text[end - 1]) and _word(text[end])
    return not before and not after


def _word(char: str) -> bool:
    return _WORD_CHAR.match(char) is not None


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def fill_slots(masked_target: str, outputs: Mapping[int, str]) -> str:
    """The English with each slot replaced by its span's output (a slot without a span, which
    a hand-made unit may have, is dropped)."""

    def one(match: regex.Match[str]) -> str:
        if match.group(1) is None:
            return match.group()[0]
        return outputs.get(int(match.group(1)), "")

    return _SLOT.sub(one, masked_target)


def unit_from_parts(
    source: str,
    target: str,
    masked_source: str,
    masked_target: str,
    fixed: Mapping[int, str],
    created: float,
    changed: float,
) -> MemoryUnit:
    """A unit as stored elsewhere (a TMX file of ours), checked: its masked source must have
    Thai and its slots must be placeholders of the masked source."""
    if not has_thai(masked_source):
        raise UnitInvalid("a masked source without Thai")
    ids = {int(m) for m in regex.findall(r"ZX([0-9]+)", masked_source)}
    slots = {int(m.group(1)) for m in _SLOT.finditer(masked_target) if m.group(1) is not None}
    if not slots <= ids or not set(fixed) <= ids:
        raise UnitInvalid("slots that are not placeholders of the masked source")
    return MemoryUnit(
        _checked(source, "source"), _checked(target, "target"), masked_source, masked_target,
        fixed, created, changed,
    )  # fmt: skip
