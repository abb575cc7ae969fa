"""Errors the HTTP layer turns into ``{"error": "..."}`` responses, and their handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.batching import BatcherStopped, Overloaded, TooExpensive

log = logging.getLogger(__name__)

CLIENT_CLOSED = 499  # nginx's code for "client closed the request"; never seen by the client


class ErrorBody(BaseModel):
    error: str = Field(description="What was wrong, in words")


# What each refusal means, for the OpenAPI schema (docs/server.md's "Errors" table says the same).
ERROR_STATUSES: dict[int, str] = {
    400: "Bad parameters, or a body that is not valid JSON, UTF-8 or form data",
    401: "No API key (only when the server has keys)",
    403: "Wrong API key (LibreTranslate routes: also no key)",
    404: "No such resource (a download that expired or never existed)",
    408: "The request body did not arrive within THAIMT_BODY_TIMEOUT_S",
    413: "Too many texts or characters (THAIMT_MAX_*_PER_REQUEST), or too many body bytes",
    422: "A field has the wrong type or value",
    429: "The API key's character budget is spent (LibreTranslate routes: also a full queue)",
    500: "The model failed on this request (a fault: see the server log)",
    503: "The queue is full, the model is still loading, or the connection cap is reached",
    504: "The translation did not finish within THAIMT_REQUEST_TIMEOUT_S",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds after which the request may succeed",
        "schema": {"type": "integer"},
    }
}


def error_responses(*statuses: int, at_cap: bool = True) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these refusals, plus the body deadline's 408 that any route
    can meet, and the connection cap's 503 unless the route is answered at the cap."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 408, *([503] if at_cap else [])}):
        doc: dict[str, Any] = {"model": ErrorBody, "description": ERROR_STATUSES[status]}
        if status in (429, 503):
            doc["headers"] = RETRY_AFTER
        responses[status] = doc
    return responses


class ApiError(Exception):
    """A request we refuse, with the status and message the client gets."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def describe_validation_error(exc: RequestValidationError) -> tuple[int, str]:
    """Invalid JSON is a 400; a well-formed body with wrong fields is a 422."""
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        ctx = errors[0].get("ctx") or {}
        return 400, f"invalid JSON body: {ctx.get('error', 'cannot parse')}"
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return 422, "invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(Overloaded)
    async def _overloaded(_request: Request, exc: Overloaded) -> JSONResponse:
        return error_response(503, str(exc), {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(TooExpensive)
    async def _too_expensive(_request: Request, exc: TooExpensive) -> JSONResponse:
        return error_response(413, str(exc))

    @app.exception_handler(BatcherStopped)
    async def _stopping(_request: Request, exc: BatcherStopped) -> JSONResponse:
        return error_response(503, str(exc), {"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = describe_validation_error(exc)
        return error_response(status, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return error_response(500, "internal error: the server failed; see its log")
