"""Gettext catalogues (.po, .pot): each message's ``msgid`` is translated into its ``msgstr``.

Read and written with translate-toolkit. Placeholders (printf, Python, ICU) are protected.
Plurals: ``msgstr[0]`` gets the translation of ``msgid`` and ``msgstr[1]`` that of
``msgid_plural`` (English has two forms; the header's ``Plural-Forms`` and ``Language`` say so).
A message that already has a translation is left alone unless ``overwrite_targets``; a
translation the pipeline flagged is marked ``fuzzy`` (gettext's "needs review"). The header, the
comments, the context and obsolete messages come back as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.inline import InlineBuilder, InlineSentence
from service.formats.placeholders import add_text

ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"
_CHARSET = re.compile(r"(charset=)[A-Za-z0-9_.:-]+")


def _toolkit() -> Any:
    try:
        from translate.storage import pypo
    except ImportError as exc:
        raise FormatError(
            "PO files need translate-toolkit: pip install 'thaimt[documents]'"
        ) from exc
    return pypo


@dataclass
class _Text:
    """One msgid (or msgid_plural) of a message."""

    unit: Any
    form: int  # 0: msgid, 1: msgid_plural
    inline: InlineSentence[str]


def _sentence(text: str) -> InlineSentence[str]:
    builder: InlineBuilder[str] = InlineBuilder()
    add_text(builder, text)
    return builder.finish()


def _restored(inline: InlineSentence[str], translation: str) -> str:
    out = []
    for piece in inline.resolve(translation, iter(())):
        out.append(piece.text if piece.index is None else inline.item(piece.index))
    return "".join(p or "" for p in out)


class PoFormat:
    name = "po"

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def extract(self, content: str) -> Extracted[str]:
        pypo = _toolkit()
        utf8 = _CHARSET.sub(r"\1UTF-8", content, count=1)
        try:
            store = pypo.pofile.parsestring(utf8.encode("utf-8"))
        except Exception as exc:  # translate-toolkit raises plain ValueErrors and others
            raise FormatError(f"not a valid PO file: {exc}") from None
        texts = [t for unit in store.units for t in self._texts(unit)]
        flagged: list[bool] = [False] * len(texts)

        def note_flags(flags: Sequence[Sequence[str]]) -> None:
            flagged[:] = [bool(f) for f in flags]

        def rebuild(translations: Sequence[str]) -> str:
            targets: dict[int, list[str]] = {}
            review: set[int] = set()
            for text, translation, flag in zip(texts, translations, flagged, strict=True):
                targets.setdefault(id(text.unit), []).append(_restored(text.inline, translation))
                if flag:
                    review.add(id(text.unit))
            for unit in store.units:
                if id(unit) in targets:
                    _fill(unit, targets[id(unit)], id(unit) in review)
            if targets and any(t.unit.hasplural() for t in texts):
                store.updateheaderplural(2, "(n != 1)")
            if targets:
                store.updateheader(add=True, Language="en")
            return bytes(store).decode("utf-8")

        return Extracted([t.inline.sentence for t in texts], rebuild, None, note_flags)

    def _texts(self, unit: Any) -> list[_Text]:
        if unit.isheader() or unit.isobsolete() or not unit.source:
            return []
        if unit.istranslated() and not self.options.overwrite_targets:
            return []
        sources = unit.source.strings if unit.hasplural() else [unit.source]
        return [_Text(unit, form, _sentence(str(s))) for form, s in enumerate(sources[:2])]


def _fill(unit: Any, targets: list[str], review: bool) -> None:
    from translate.misc.multistring import multistring

    unit.target = multistring(targets) if unit.hasplural() else targets[0]
    unit.markfuzzy(review)


def make_format(options: FormatOptions) -> PoFormat:
    return PoFormat(options)
