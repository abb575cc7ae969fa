"""The native API: POST /v1/translate and POST /v1/translate/stream (NDJSON)."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from service.http.auth import Caller
from service.http.desk_access import desk_options
from service.http.errors import ApiError, error_responses
from service.http.lifecycle import Size, guarded, serve
from service.http.schemas import TranslateRequest, TranslateResponse, Usage
from service.http.state import ServerState, get_state
from service.http.styles import V1, route_class
from service.http.translation import Translated, translate_any
from service.workflow import StreamJob, start_stream, stream_paragraphs

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["translate"], route_class=route_class(V1))
V1_CALLER = Depends(V1.caller)  # runs before the body is validated


def check_alternatives(body: TranslateRequest, state: ServerState) -> None:
    """The server's bound (a setting, so not in the schema) and plain text only: HTML gets no
    alternatives (nor does it from LibreTranslate), and a /v1 client is told rather than
    answered with empty lists."""
    limit = state.settings.max_alternatives
    if body.alternatives > limit:
        raise ApiError(
            422,
            f"invalid request: alternatives: at most {limit} on this server "
            "(THAIMT_MAX_ALTERNATIVES)",
        )
    if body.alternatives and body.format == "html":
        raise ApiError(400, "alternatives are given for format text only, not html")


V1_REFUSALS = error_responses(400, 401, 403, 404, 413, 422, 429, 500, 504)


@router.post(
    "/translate",
    response_model=TranslateResponse,
    response_model_exclude_none=True,
    responses=V1_REFUSALS,
)
async def translate(
    body: TranslateRequest, request: Request, caller: Caller = V1_CALLER
) -> TranslateResponse:
    """Translate ``text`` or ``texts``; ``detail`` adds segments and protected spans."""
    state = get_state(request)
    check_alternatives(body, state)
    options = await desk_options(body, state, caller)

    def work(engine: Engine, batcher: Batcher) -> Awaitable[Translated]:
        return translate_any(engine, batcher, body.all_texts(), options, body.format)

    served = await serve(request, caller, Size.of_texts(body.all_texts(), body.term_chars()), work)
    done = served.value
    usage = Usage(characters=served.chars, segments=done.segments, milliseconds=served.milliseconds)
    single = body.text is not None
    others = done.alternatives(body.alternatives) if body.alternatives else None
    return TranslateResponse(
        translation=done.texts[0] if single else None,
        translations=done.texts if not single else None,
        model=state.model_id,
        usage=usage,
        alternatives=others[0] if single and others else others,
        detail=done.details(body.format) if body.detail else None,
    )


@router.post(
    "/translate/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}, **V1_REFUSALS},
)
async def translate_stream(
    body: TranslateRequest, request: Request, caller: Caller = V1_CALLER
) -> StreamingResponse:
    """NDJSON: one line per paragraph, in order, each as soon as it is translated (with its
    ``confidence``, and its ``alternatives`` when asked for); then a ``{"done": true, ...}``
    line (or an ``{"error": ...}`` line if the request failed)."""
    state = get_state(request)
    if body.format == "html":
        raise ApiError(400, "format html is not streamed; use POST /v1/translate")
    check_alternatives(body, state)
    options = await desk_options(body, state, caller)

    def work(engine: Engine, batcher: Batcher) -> Awaitable[StreamJob]:
        return start_stream(engine, batcher, body.all_texts(), options)

    # Charged before the first line: refunded if the segments are not queued.
    served = await serve(request, caller, Size.of_texts(body.all_texts(), body.term_chars()), work)
    lines = ndjson_lines(request, served.value, body, state, served.chars, served.started)
    return StreamingResponse(lines, media_type="application/x-ndjson")


async def ndjson_lines(
    request: Request,
    job: StreamJob,
    body: TranslateRequest,
    state: ServerState,
    chars: int,
    started: float,
) -> AsyncIterator[bytes]:
    deadline = started + state.settings.request_timeout_s
    paragraphs = stream_paragraphs(job)
    try:
        while True:
            remaining = max(0.0, deadline - time.perf_counter())
            item = await guarded(
                request, anext(paragraphs, None), remaining, state.settings.request_timeout_s
            )
            if item is None:
                break
            index, number, result = item
            line: dict[str, Any] = {
                "index": index,
                "paragraph": number,
                "source": result.source,
                "translation": result.text,
                "confidence": result.confidence,  # None: nothing in it was translated
            }
            if body.alternatives:
                line["alternatives"] = result.alternatives(body.alternatives)
            if body.detail:
                line["segments"] = [dataclasses.asdict(s) for s in result.segments]
            yield _line(line)
    except ApiError as exc:
        yield _line({"error": exc.message})
        return
    except Exception:  # the 200 status is already sent: the error can only be the last line
        log.exception("streamed translation failed")
        yield _line({"error": "internal error: the translation failed; see the server log"})
        return
    finally:
        job.cancel()
        await paragraphs.aclose()
    usage = {
        "characters": chars,
        "segments": len(job.staged.segments),
        "milliseconds": round((time.perf_counter() - started) * 1000, 1),
    }
    yield _line({"done": True, "model": state.model_id, "usage": usage})


def _line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"
