"""API styles: how each API family takes its key and answers a refusal.

One record per style (the native ``/v1`` API, LibreTranslate's, DeepL's). A router declares its
style with ``APIRouter(route_class=route_class(STYLE))``; every refusal raised on a route of that
router — a missing key, a body that does not parse, a size limit, a full queue, a timeout — is
answered by the style's ``refusal`` mapper in the style's error body. Adding an API style (DeepL)
is one record: the parameters that carry its key, its mapper, its error body.

Refusals outside any styled route (the body guard's 413/408, unknown paths, the ops routes)
are answered by the application's handlers (:func:`install_error_handlers`) in the style of the
path's API family (:func:`style_for_path`: DeepL's under ``/v2/`` and ``/v3/``, where its clients
read ``message``; the native style elsewhere).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from service.batching import BatcherStopped, Overloaded, TooExpensive
from service.http.auth import Caller, KeyRefused, authenticate
from service.http.errors import ApiError
from service.http.lifecycle import BudgetSpent
from service.http.validation import body_refusal

log = logging.getLogger(__name__)

# What a route may raise to refuse a request (anything else is a fault: 500).
REFUSALS = (ApiError, Overloaded, TooExpensive, BatcherStopped, RequestValidationError)
BUSY_RETRY_S = 5  # Retry-After of a server that is stopping


def error_body(error: ApiError) -> dict[str, Any]:
    return {"error": error.message}


@dataclass(frozen=True)
class ApiStyle:
    name: str
    key_params: tuple[str, ...]  # request parameters that may carry the API key
    refusal: Callable[[Exception, Request], ApiError]  # a refusal as this API answers it
    body: Callable[[ApiError], dict[str, Any]] = error_body  # the error body this API sends

    def authenticate(self, request: Request, params: Mapping[str, Any] | None = None) -> Caller:
        """The caller, from the headers and (given ``params``) this style's key parameters."""
        return authenticate(request, params, self.key_params)

    def caller(self, request: Request) -> Caller:
        """A route dependency: the caller, from the headers. As a dependency it runs before the
        body is validated, so a missing key is refused whatever the body."""
        return self.authenticate(request)

    def answer(self, exc: Exception, request: Request) -> JSONResponse:
        error = self.refusal(exc, request)
        return JSONResponse(self.body(error), status_code=error.status, headers=error.headers)


def native_refusal(exc: Exception, request: Request) -> ApiError:
    """The native API's answers: the batcher's refusals as 413 or 503 + ``Retry-After``."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Overloaded):
        return ApiError(503, str(exc), {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, TooExpensive):
        return ApiError(413, str(exc))
    if isinstance(exc, BatcherStopped):
        return ApiError(503, str(exc), {"Retry-After": str(BUSY_RETRY_S)})
    if isinstance(exc, RequestValidationError):
        return body_refusal(exc, request)
    if isinstance(exc, StarletteHTTPException):
        return ApiError(exc.status_code, _http_detail(exc), dict(exc.headers or {}))
    raise TypeError(f"not a refusal: {exc!r}")


def libre_refusal(exc: Exception, request: Request) -> ApiError:
    """LibreTranslate's answers: 403 "Invalid API key" for a missing or wrong key, 429
    "Slowdown" for a busy server (it has no 503), 413 for a request too large."""
    if isinstance(exc, KeyRefused):
        return ApiError(403, "Invalid API key")
    if isinstance(exc, Overloaded | BatcherStopped):
        retry = exc.retry_after_s if isinstance(exc, Overloaded) else BUSY_RETRY_S
        return ApiError(429, f"Slowdown: {exc}", {"Retry-After": str(retry)})
    return native_refusal(exc, request)


QUOTA_EXCEEDED = 456  # DeepL's status for a spent character quota


def deepl_refusal(exc: Exception, request: Request) -> ApiError:
    """DeepL's answers, which its clients turn into their own exceptions: 403 for a missing or
    wrong key, 456 for a spent character budget, 429 + ``Retry-After`` for a full queue, 400
    for every bad parameter (DeepL has no 422), 413, 503 + ``Retry-After``, 504."""
    if isinstance(exc, KeyRefused):
        words = "send Authorization: DeepL-Auth-Key KEY" if exc.missing else exc.message
        return ApiError(403, f"Authorization failure: {words}")
    if isinstance(exc, BudgetSpent):
        return ApiError(QUOTA_EXCEEDED, f"Quota exceeded: {exc.message}", exc.headers)
    if isinstance(exc, Overloaded):
        message = f"Too many requests: {exc}"
        return ApiError(429, message, {"Retry-After": str(exc.retry_after_s)})
    error = native_refusal(exc, request)
    if error.status == 422:
        return ApiError(400, error.message, error.headers)
    return error


def _http_detail(exc: StarletteHTTPException) -> str:
    """FastAPI's own refusal, with the reason when its JSON parse failed on a bound."""
    cause = exc.__cause__
    if isinstance(cause, RecursionError):  # "[[[[...]]]]"
        return "invalid JSON body: nested too deeply"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        return f"invalid JSON body: a number of more than {sys.get_int_max_str_digits()} digits"
    return str(exc.detail)


def message_body(error: ApiError) -> dict[str, Any]:
    return {"message": error.message}


V1 = ApiStyle("v1", (), native_refusal)
LIBRE = ApiStyle("libretranslate", ("api_key",), libre_refusal)
DEEPL = ApiStyle("deepl", ("auth_key",), deepl_refusal, message_body)

# Path prefixes of an API family whose refusals outside its routes (the body guard's, an
# unknown path, a wrong method) are answered in its style.
PATH_STYLES: tuple[tuple[str, ApiStyle], ...] = (("/v2/", DEEPL), ("/v3/", DEEPL))


def style_for_path(path: str) -> ApiStyle:
    """The style of the API family ``path`` belongs to (the native one by default)."""
    return next((style for prefix, style in PATH_STYLES if path.startswith(prefix)), V1)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


@cache
def route_class(style: ApiStyle) -> type[APIRoute]:
    """An APIRoute whose refusals are answered in ``style``."""

    class StyledRoute(APIRoute):
        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()

            async def answered(request: Request) -> Response:
                try:
                    return await handler(request)
                except REFUSALS as exc:
                    return style.answer(exc, request)
                except StarletteHTTPException as exc:  # FastAPI's own, e.g. a body it can't read
                    return style.answer(exc, request)

            return answered

    StyledRoute.__name__ = f"{style.name.title()}Route"
    return StyledRoute


def install_error_handlers(app: FastAPI) -> None:
    """Refusals outside the styled routes, in the style of the path's API family; anything
    else is a 500."""

    async def refused(request: Request, exc: Exception) -> Response:
        return style_for_path(request.url.path).answer(exc, request)

    for kind in (*REFUSALS, StarletteHTTPException):
        app.add_exception_handler(kind, refused)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        error = ApiError(500, "internal error: the server failed; see its log")
        return JSONResponse(style_for_path(request.url.path).body(error), 500)
