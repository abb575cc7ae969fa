"""Refusals: :class:`ApiError` (a status, a message, headers) and what each status means in the
OpenAPI schema. How a refusal is answered (its body, per API style) is ``styles.py``'s."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

CLIENT_CLOSED = 499  # nginx's code for "client closed the request"; never seen by the client


class ErrorBody(BaseModel):
    error: str = Field(description="What was wrong, in words")


# What each refusal means, for the OpenAPI schema (docs/server.md's "Errors" table says the same).
ERROR_STATUSES: dict[int, str] = {
    400: "Bad parameters, or a body that is not valid JSON, UTF-8 or form data",
    401: "No API key (only when the server has keys)",
    403: "Wrong API key (LibreTranslate routes: also no key)",
    404: "No such resource (a download or document job that expired, never existed, or is "
    "another caller's)",
    408: "The request body did not arrive within THAIMT_BODY_TIMEOUT_S",
    413: "Too many texts or characters (THAIMT_MAX_*_PER_REQUEST), or too many body bytes",
    409: "A document job's result asked for before the job is done (or after it failed)",
    422: "A field has the wrong type or value",
    429: "The API key's character budget is spent (LibreTranslate routes: also a full queue)",
    500: "The model failed on this request (a fault: see the server log)",
    501: "This server lacks an optional package the request needs (the message names it)",
    503: "The queue is full, the model is still loading, or the connection cap is reached",
    504: "The translation did not finish within THAIMT_REQUEST_TIMEOUT_S",
    507: "The document jobs' disk quota (THAIMT_JOBS_MAX_BYTES, _PER_KEY) has no room",
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
