"""Plain text: the whole file is one article for the pipeline (one line = one paragraph)."""

from __future__ import annotations

from collections.abc import Sequence

from service.formats.base import Extracted, FormatOptions


class TextFormat:
    name = "txt"

    def extract(self, content: str) -> Extracted:
        def rebuild(translations: Sequence[str]) -> str:
            return translations[0]

        return Extracted([content], rebuild)


def make_format(options: FormatOptions) -> TextFormat:
    return TextFormat()
