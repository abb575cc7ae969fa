"""Glue between the routes and the pipeline: prepare (thread) -> batcher -> assemble.

Nothing here speaks HTTP or does NLP: the pipeline does the text work, the batcher schedules the
model, the routes turn results into responses. Preparing (PyThaiNLP) and assembling run in a
thread so the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request

from service.batcher import CURRENT_TICKET, Batcher, BatcherStopped, Overloaded
from service.formats.base import fallback_asks, split_by
from service.http.errors import CLIENT_CLOSED, ApiError
from service.pipeline import (
    DocumentResult,
    ParagraphResult,
    PreparedDocument,
    TranslateOptions,
    assemble_documents,
    assemble_paragraph,
    prepare_documents,
    unique_requests,
)

if TYPE_CHECKING:
    from service.engine import Engine
    from service.formats.base import Extracted, FileFormat

T = TypeVar("T")

log = logging.getLogger(__name__)


class ClientGone(ApiError):
    def __init__(self) -> None:
        super().__init__(CLIENT_CLOSED, "client closed the request")


async def translate_texts(
    engine: Engine, batcher: Batcher, texts: Sequence[str], options: TranslateOptions
) -> tuple[list[DocumentResult], int]:
    """Translate whole texts through the shared batcher; returns results and segment count.

    Two thread hops per request (everything before the model, everything after): with 32
    requests per batch, each hop is paid 32 times while the model waits for the batch to fill.
    """
    # The batcher may hold a batch briefly for segments still being prepared (see Batcher).
    announced = CURRENT_TICKET.get()
    with contextlib.nullcontext(announced) if announced else batcher.preparing() as ticket:
        staged = await asyncio.to_thread(_stage_in, engine, texts, options)
        outputs = await batcher.translate(
            staged.missing, options.decode, ticket, token_lengths=staged.lengths
        )
    results = await asyncio.to_thread(_stage_out, engine, staged, outputs, options)
    return results, len(staged.requests)


def prepare_warm_up(engine: Engine, text: str) -> None:
    """Prepare one text untimed, so the first request does not pay for loading PyThaiNLP's
    sentence and word models (seconds)."""
    prepare_documents([text], TranslateOptions(), engine)


@dataclass
class _Staged:
    """A request between preparing and the model: its documents, its unique segments, those
    the cache already had, and the others with their token counts."""

    prepared: list[PreparedDocument]
    requests: list[str]
    found: dict[str, str]
    missing: list[str]
    lengths: list[int]


def _stage_in(engine: Engine, texts: Sequence[str], options: TranslateOptions) -> _Staged:
    prepared = prepare_documents(texts, options, engine)
    requests = unique_requests(prepared)
    found = engine.lookup(requests, options.decode)
    missing = [r for r in requests if r not in found]
    return _Staged(prepared, requests, found, missing, engine.token_lengths(missing))


def _stage_out(
    engine: Engine, staged: _Staged, outputs: Sequence[str], options: TranslateOptions
) -> list[DocumentResult]:
    fresh = dict(zip(staged.missing, outputs, strict=True))
    engine.store(fresh, options.decode)
    return assemble_documents(staged.prepared, {**staged.found, **fresh})


@dataclass
class StreamJob:
    """A request whose segments are all queued; paragraphs are read out in order."""

    prepared: list[PreparedDocument]
    futures: dict[str, asyncio.Future[str]]

    def cancel(self) -> None:
        for future in self.futures.values():
            future.cancel()


async def start_stream(
    engine: Engine, batcher: Batcher, texts: Sequence[str], options: TranslateOptions
) -> StreamJob:
    """Queue every segment up front (so they batch together and overload is known before the
    response starts)."""
    prepared = await asyncio.to_thread(prepare_documents, texts, options, engine)
    requests = unique_requests(prepared)
    futures = await batcher.submit_texts(requests, options.decode, CURRENT_TICKET.get())
    return StreamJob(prepared, dict(zip(requests, futures, strict=True)))


async def stream_paragraphs(
    job: StreamJob,
) -> AsyncGenerator[tuple[int, int, ParagraphResult], None]:
    """Yield ``(text index, paragraph index, result)`` in order, each as soon as it is done."""
    try:
        for index, doc in enumerate(job.prepared):
            for number, paragraph in enumerate(doc.paragraphs):
                translations = [await job.futures[r] for r in paragraph.requests]
                yield index, number, assemble_paragraph(paragraph, translations)
    finally:
        job.cancel()  # drops whatever the client no longer waits for


async def guarded(request: Request, work: Awaitable[T], timeout_s: float) -> T:
    """Await ``work`` unless the client disconnects (ClientGone) or time runs out (504).
    Either way the work is cancelled, which drops its queued segments."""
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
        raise ApiError(504, f"translation did not finish within {timeout_s:g} s")
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
    except (ApiError, Overloaded, BatcherStopped):
        raise
    except Exception as exc:
        log.error("translation failed", exc_info=exc)
        raise ApiError(500, "internal error: the translation failed; see the server log") from exc


async def wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def html_format() -> FileFormat:
    from service.formats.base import get_format

    return get_format("html")


def extract_html(fmt: FileFormat, texts: Sequence[str]) -> list[Extracted]:
    """The translatable runs of each HTML text; 400 when a text cannot be represented (more
    inline tags in one block than there are marker characters)."""
    try:
        return [fmt.extract(t) for t in texts]
    except ValueError as exc:
        raise ApiError(400, f"cannot translate this HTML: {exc}") from None


@dataclass
class Translated:
    texts: list[str]
    segments: int  # distinct segments sent to the batcher
    details: list[dict[str, Any]]  # per input text: its documents' segments and spans


async def translate_any(
    engine: Engine,
    batcher: Batcher,
    texts: Sequence[str],
    options: TranslateOptions,
    text_format: str = "text",
) -> Translated:
    """Plain texts, or HTML whose text runs are translated together and put back in the tags."""
    if text_format != "html":
        results, segments = await translate_texts(engine, batcher, texts, options)
        return Translated([r.text for r in results], segments, [r.to_dict() for r in results])
    fmt = html_format()
    extracted = await asyncio.to_thread(extract_html, fmt, texts)
    inner = [t for e in extracted for t in e.texts]
    results, segments = await translate_texts(engine, batcher, inner, options)
    first = split_by([len(e.texts) for e in extracted], results)
    # Second round: the text of inline elements whose markers the model lost (usually none).
    asks = await asyncio.to_thread(fallback_asks, extracted, [[r.text for r in p] for p in first])
    extra = [t for ask in asks for t in ask]
    more: list[DocumentResult] = []
    more_segments = 0
    if extra:
        more, more_segments = await translate_texts(engine, batcher, extra, options)
    second = split_by([len(ask) for ask in asks], more)

    def rebuild() -> Translated:
        outputs, details = [], []
        for e, part, fallback in zip(extracted, first, second, strict=True):
            outputs.append(e.rebuild([r.text for r in part], [r.text for r in fallback]))
            detail: dict[str, Any] = {"texts": [r.to_dict() for r in part]}
            if fallback:  # elements whose markers the model lost, translated on their own
                detail["fallbacks"] = [r.to_dict() for r in fallback]
            details.append(detail)
        return Translated(outputs, segments + more_segments, details)

    return await asyncio.to_thread(rebuild)
