"""The HTTP side of translating texts: plain or HTML texts through the workflow, and what the
routes answer from the result (segments, alternatives, details).

The text work and the model are in :mod:`service.workflow`; the timeout, the disconnect watch
and the charge are the request lifecycle's (:mod:`service.http.lifecycle`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.batching import Batcher
from service.formats.base import FormatError, FormatOptions
from service.http.errors import ApiError
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_documents_async, translate_formatted

if TYPE_CHECKING:
    from service.engine import Engine


@dataclass
class Translated:
    texts: list[str]
    segments: int  # distinct segments of the request (cache hits included)
    results: list[list[DocumentResult]]  # per input text: its documents' pipeline results
    fallbacks: list[list[DocumentResult]]  # HTML: per input text, its second-round results

    def details(self, text_format: str) -> list[dict[str, Any]]:
        """Per input text: its segments and spans (HTML: per extracted text, and under
        ``fallbacks`` the inline elements whose markers the model lost, when there are any)."""
        if text_format == "text":
            return [part[0].to_dict() for part in self.results]
        details = []
        for index, part in enumerate(self.results):
            detail: dict[str, Any] = {"texts": [r.to_dict() for r in part]}
            fallback = self.fallbacks[index] if index < len(self.fallbacks) else []
            if fallback:
                detail["fallbacks"] = [r.to_dict() for r in fallback]
            details.append(detail)
        return details

    def alternatives(self, count: int, text_format: str = "text") -> list[list[str]]:
        """Per input text, at most ``count`` alternative translations, each unlike its
        translation. Plain texts only: an HTML text has none (LibreTranslate gives none either;
        its tags would have to be rebuilt around every alternative)."""
        if text_format != "text":
            return [[] for _ in self.results]
        return [part[0].alternatives(count) for part in self.results]


async def translate_any(
    engine: Engine,
    batcher: Batcher,
    texts: Sequence[str],
    options: TranslateOptions,
    text_format: str = "text",
    format_options: FormatOptions | None = None,
) -> Translated:
    """Plain texts, or texts in a markup format (``html``, ``xml``) whose text runs are
    translated together and put back in the tags; a text that cannot be represented is a
    400."""
    from service.formats.registry import get_format

    async def run(inner: list[str]) -> tuple[list[DocumentResult], int]:
        return await translate_documents_async(engine, batcher, inner, options)

    fmt = get_format(text_format, format_options) if text_format != "text" else None
    try:
        done = await translate_formatted(texts, fmt, run)
    except FormatError as exc:
        raise ApiError(400, f"cannot translate this {text_format.upper()}: {exc}") from None
    return Translated(done.texts, done.segments, done.results, done.fallbacks)
