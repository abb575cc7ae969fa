"""The native API: POST /v1/translate and POST /v1/translate/stream (NDJSON)."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from service.http.errors import ApiError, error_responses
from service.http.limits import (
    budget_identity,
    charged,
    check_api_key,
    check_sizes,
    request_api_key,
)
from service.http.schemas import TranslateRequest, TranslateResponse, Usage
from service.http.state import ServerState, get_state
from service.http.translation import guarded, translate_any
from service.pipeline import TranslateOptions
from service.workflow import StreamJob, start_stream, stream_paragraphs

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["translate"])


def authorize(request: Request) -> str:
    """Dependency: runs before the body is validated, so a missing key is 401 whatever the body.
    Returns whom the character budget charges (the key, or the client's address)."""
    settings = get_state(request).settings
    key = request_api_key(request)
    check_api_key(key, settings.api_keys)
    return budget_identity(request, key, settings)


def request_chars(state: ServerState, body: TranslateRequest) -> int:
    """Size limits (413): texts plus glossary and do-not-translate terms; the character count."""
    settings = state.settings
    return check_sizes(
        body.all_texts(),
        settings.max_texts_per_request,
        settings.max_chars_per_request,
        extra_chars=body.term_chars(),
    )


def translate_options(body: TranslateRequest, state: ServerState) -> TranslateOptions:
    return TranslateOptions(
        glossary=dict(body.glossary),
        do_not_translate=tuple(body.do_not_translate),
        decode=state.settings.decode_options(body.beam_size, body.alternatives),
    )


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


V1_REFUSALS = error_responses(400, 401, 403, 413, 422, 429, 500, 504)


@router.post(
    "/translate",
    response_model=TranslateResponse,
    response_model_exclude_none=True,
    responses=V1_REFUSALS,
)
async def translate(
    body: TranslateRequest, request: Request, key: str | None = Depends(authorize)
) -> TranslateResponse:
    """Translate ``text`` or ``texts``; ``detail`` adds segments and protected spans."""
    state = get_state(request)
    chars = request_chars(state, body)
    check_alternatives(body, state)
    engine, batcher = state.require_ready()
    started = time.perf_counter()
    options = translate_options(body, state)
    async with charged(state.char_budget, key, chars):  # refunded if overloaded or timed out
        work = translate_any(engine, batcher, body.all_texts(), options, body.format)
        done = await guarded(request, work, state.settings.request_timeout_s)
    state.metrics.characters.inc(chars)
    usage = Usage(
        characters=chars,
        segments=done.segments,
        milliseconds=round((time.perf_counter() - started) * 1000, 1),
    )
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
    body: TranslateRequest, request: Request, key: str | None = Depends(authorize)
) -> StreamingResponse:
    """NDJSON: one line per paragraph, in order, each as soon as it is translated (with its
    ``confidence``, and its ``alternatives`` when asked for); then a ``{"done": true, ...}``
    line (or an ``{"error": ...}`` line if the request failed)."""
    state = get_state(request)
    chars = request_chars(state, body)
    if body.format == "html":
        raise ApiError(400, "format html is not streamed; use POST /v1/translate")
    check_alternatives(body, state)
    engine, batcher = state.require_ready()
    started = time.perf_counter()
    timeout_s = state.settings.request_timeout_s
    options = translate_options(body, state)
    async with charged(state.char_budget, key, chars):  # refunded if the segments are not queued
        work = start_stream(engine, batcher, body.all_texts(), options)
        job = await guarded(request, work, timeout_s)
    state.metrics.characters.inc(chars)
    lines = ndjson_lines(request, job, body, state, chars, started)
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
