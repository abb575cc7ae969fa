"""The HTTP side of a translation: the workflow under a timeout, watching for the client to
leave, with every failure turned into an answer.

The text work and the model are in :mod:`service.workflow`; this module only knows about
requests, disconnects, timeouts and the JSON the routes return.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request

from service.batching import Batcher, BatcherStopped, Overloaded, TooExpensive
from service.http.errors import CLIENT_CLOSED, ApiError
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_documents_async, translate_formatted

if TYPE_CHECKING:
    from service.engine import Engine

T = TypeVar("T")

log = logging.getLogger(__name__)


class ClientGone(ApiError):
    def __init__(self) -> None:
        super().__init__(CLIENT_CLOSED, "client closed the request")


@dataclass
class Translated:
    texts: list[str]
    segments: int  # distinct segments of the request (cache hits included)
    results: list[list[DocumentResult]]  # per input text: its documents' pipeline results
    fallbacks: list[list[DocumentResult]]  # HTML: per input text, its second-round results

    def details(self, text_format: str) -> list[dict[str, Any]]:
        """Per input text: its segments and spans (HTML: per extracted text, and under
        ``fallbacks`` the inline elements whose markers the model lost, when there are any)."""
        if text_format != "html":
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
) -> Translated:
    """Plain texts, or HTML whose text runs are translated together and put back in the tags;
    an HTML text that cannot be represented is a 400."""
    from service.formats.base import FormatError
    from service.formats.registry import get_format

    async def run(inner: list[str]) -> tuple[list[DocumentResult], int]:
        return await translate_documents_async(engine, batcher, inner, options)

    fmt = get_format("html") if text_format == "html" else None
    try:
        done = await translate_formatted(texts, fmt, run)
    except FormatError as exc:
        raise ApiError(400, f"cannot translate this HTML: {exc}") from None
    return Translated(done.texts, done.segments, done.results, done.fallbacks)


async def guarded(
    request: Request, work: Awaitable[T], timeout_s: float, limit_s: float | None = None
) -> T:
    """Await ``work`` unless the client disconnects (ClientGone) or ``timeout_s`` runs out
    (504 naming ``limit_s``, the request's whole timeout, of which ``timeout_s`` may be what is
    left). Either way the work is cancelled, which drops its queued segments."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(wait_for_disconnect(request))
    try:
        done, _ = await asyncio.wait(
            {task, watcher}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            return outcome(task)
        if watcher in done:
            raise ClientGone()
        limit = timeout_s if limit_s is None else limit_s
        raise ApiError(504, f"translation did not finish within {limit:g} s")
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # let it unwind (drop its segments) before we go on


def outcome(task: asyncio.Future[T]) -> T:
    """The work's result. A model failure becomes a 500 answered like any refusal (an error
    that escaped to the server would also cost the client its keep-alive connection)."""
    try:
        return task.result()
    except (ApiError, Overloaded, BatcherStopped, TooExpensive):
        raise
    except Exception as exc:
        log.error("translation failed", exc_info=exc)
        raise ApiError(500, "internal error: the translation failed; see the server log") from exc


async def wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
