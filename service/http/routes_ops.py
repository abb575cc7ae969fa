"""Operations: GET /health (alive), GET /ready (model warmed up; cache and Redis state),
GET /metrics (Prometheus; behind ``THAIMT_METRICS_KEY`` when that is set)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from service.http.auth import check_key, header_key
from service.http.errors import RETRY_AFTER, ApiError, error_responses
from service.http.schemas import ReadyStatus
from service.http.state import ServerState, get_state

router = APIRouter(tags=["operations"])


@router.get("/health")  # answered even at the connection cap (so are /ready and /metrics)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=None,
    responses={
        200: {"model": ReadyStatus},
        503: {
            "model": ReadyStatus,
            "description": "Loading, or the model failed to load",
            "headers": RETRY_AFTER,
        },
    },
)
async def ready(request: Request) -> JSONResponse:
    """200 once translations can be served. A failing cache or an unreachable Redis does not
    stop translation, so they only show in the body (``"cache": "degraded"``,
    ``"redis": "down"``) and the status stays 200."""
    state = get_state(request)
    if state.load_error is not None:
        failed = {"status": "failed", "error": "the model failed to load; see the server log"}
        return JSONResponse(failed, status_code=503)
    if not state.ready:
        return JSONResponse({"status": "loading"}, status_code=503, headers={"Retry-After": "5"})
    body: dict[str, Any] = {"status": "ready", "model": state.model_id}
    if state.redis is None:
        body.update(dependencies(state))
    else:
        body.update(await asyncio.to_thread(dependencies, state))  # pings Redis
    return JSONResponse(body)


def dependencies(state: ServerState) -> dict[str, str]:
    """``cache`` and ``desk`` (glossaries and memory): off, ok or degraded; ``redis``: up or
    down (only when configured). Pings
    Redis, so it runs in a thread."""
    out: dict[str, str] = {}
    if state.redis is not None:
        out["redis"] = "up" if state.redis.check() else "down"
    cache = getattr(state.engine, "cache", None)
    out["cache"] = "off" if cache is None else str(getattr(cache, "status", "ok"))
    out["desk"] = "off" if state.desk is None else state.desk.store.status
    return out


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}},
        **error_responses(401, 403, at_cap=False),
    },
)
async def metrics(request: Request) -> Response:
    state = get_state(request)
    key = state.settings.metrics_key
    if key is not None:
        try:
            check_key(header_key(request), [key])
        except ApiError as exc:
            message = f"/metrics needs the metrics key: {exc.message}"
            raise ApiError(exc.status, message) from None
    body = await asyncio.to_thread(state.metrics.render)  # may ping Redis
    return Response(body, media_type=CONTENT_TYPE_LATEST)
