"""API styles: the refusal mappers as a table, and a new style (a DeepL-like one, made up here)
added as one record — its key parameter, its mapper, its error body — on a real app."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from starlette.requests import Request as StarletteRequest

from service.batching import BatcherStopped, Overloaded, TooExpensive
from service.http.auth import KeyRefused
from service.http.errors import ApiError
from service.http.lifecycle import BudgetSpent
from service.http.params import read_params
from service.http.state import ServerState
from service.http.styles import DEEPL as DEEPL_STYLE
from service.http.styles import (
    LIBRE,
    V1,
    ApiStyle,
    native_refusal,
    route_class,
    style_for_path,
)
from service.settings import Settings

REQUEST = StarletteRequest({"type": "http", "method": "POST", "path": "/", "headers": []})


@pytest.mark.parametrize(
    ("style", "exc", "status", "message", "retry"),
    [
        (V1, Overloaded("busy", 7), 503, "busy", "7"),
        (V1, BatcherStopped("stopping"), 503, "stopping", "5"),
        (V1, TooExpensive("too long"), 413, "too long", None),
        (V1, KeyRefused(401, "a key is required", missing=True), 401, "a key is required", None),
        (V1, ApiError(504, "late"), 504, "late", None),
        (LIBRE, Overloaded("busy", 7), 429, "Slowdown: busy", "7"),
        (LIBRE, BatcherStopped("stopping"), 429, "Slowdown: stopping", "5"),
        (LIBRE, TooExpensive("too long"), 413, "too long", None),
        (
            LIBRE,
            KeyRefused(401, "an API key is required", missing=True),
            403,
            "Invalid API key",
            None,
        ),
        (LIBRE, ApiError(503, "model is loading"), 503, "model is loading", None),
        (
            DEEPL_STYLE,
            KeyRefused(401, "an API key is required", missing=True),
            403,
            "Authorization failure: send Authorization: DeepL-Auth-Key KEY",
            None,
        ),
        (
            DEEPL_STYLE,
            BudgetSpent(429, "spent", {"Retry-After": "9"}),
            456,
            "Quota exceeded: spent",
            "9",
        ),
        (DEEPL_STYLE, Overloaded("busy", 7), 429, "Too many requests: busy", "7"),
        (DEEPL_STYLE, ApiError(422, "bad field"), 400, "bad field", None),
        (DEEPL_STYLE, BatcherStopped("stopping"), 503, "stopping", "5"),
        (DEEPL_STYLE, TooExpensive("too long"), 413, "too long", None),
    ],
)
def test_each_style_answers_refusals_its_way(
    style: ApiStyle, exc: Exception, status: int, message: str, retry: str | None
) -> None:
    error = style.refusal(exc, REQUEST)
    assert (error.status, error.message) == (status, message)
    assert error.headers.get("Retry-After") == retry


def deepl_refusal(exc: Exception, request: Request) -> ApiError:
    """DeepL's words for a few refusals (the real record comes with the DeepL routes)."""
    if isinstance(exc, KeyRefused):
        return ApiError(403, "Authorization failure, check auth_key")
    if isinstance(exc, Overloaded):
        return ApiError(429, "Too many requests", {"Retry-After": str(exc.retry_after_s)})
    return native_refusal(exc, request)


DEEPL = ApiStyle(
    "deepl", ("auth_key",), deepl_refusal, body=lambda error: {"message": error.message}
)


def deepl_app() -> FastAPI:
    router = APIRouter(route_class=route_class(DEEPL))

    @router.post("/v2/translate")
    async def translate(request: Request) -> dict[str, Any]:
        params = await read_params(request)
        caller = DEEPL.authenticate(request, params)
        if params.get("text") == "busy":
            raise Overloaded("queue full", 3)
        return {"caller": caller.identity}

    app = FastAPI()
    app.state.thaimt = ServerState(Settings(api_keys=["secret-key"]))
    app.include_router(router)
    return app


def call(*requests: dict[str, Any]) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=deepl_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return [await client.post("/v2/translate", **r) for r in requests]

    return asyncio.run(run())


def test_a_new_style_is_one_record() -> None:
    header, legacy, missing, wrong, busy = call(
        {"data": {"text": "x"}, "headers": {"Authorization": "DeepL-Auth-Key secret-key"}},
        {"data": {"text": "x", "auth_key": "secret-key"}},
        {"data": {"text": "x"}},
        {"data": {"text": "x", "auth_key": "guess"}},
        {"data": {"text": "busy", "auth_key": "secret-key"}},
    )
    assert header.json() == legacy.json() == {"caller": "key:secret-key"}
    for refused in (missing, wrong):
        assert (refused.status_code, refused.json()) == (
            403,
            {"message": "Authorization failure, check auth_key"},
        )
    assert (busy.status_code, busy.json()) == (429, {"message": "Too many requests"})
    assert busy.headers["retry-after"] == "3"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/v2/translate", {"message": "m"}), ("/v3/glossaries", {"message": "m"}),
     ("/v1/translate", {"error": "m"}), ("/translate", {"error": "m"})],
)  # fmt: skip
def test_refusals_outside_routes_take_the_style_of_their_path(
    path: str, body: dict[str, str]
) -> None:
    assert style_for_path(path).body(ApiError(400, "m")) == body
