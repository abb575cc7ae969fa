"""Operations: GET /health (alive), GET /ready (model warmed up), GET /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from service.http.errors import RETRY_AFTER, error_responses
from service.http.schemas import ReadyStatus
from service.http.state import get_state

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
    state = get_state(request)
    if state.load_error is not None:
        return JSONResponse({"status": "failed", "error": state.load_error}, status_code=503)
    if not state.ready:
        return JSONResponse({"status": "loading"}, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready", "model": state.model_id})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **error_responses(at_cap=False)},
)
async def metrics(request: Request) -> Response:
    return Response(get_state(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)
