"""LibreTranslate's ``alternatives`` parameter: what is accepted, and the 400 for the rest."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from service.http.app import create_app
from service.http.errors import ApiError
from service.http.routes_libre import alternatives_param
from service.settings import Settings

LIMIT = 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 0),  # absent (or JSON null): LibreTranslate's default
        (0, 0),
        (3, 3),
        ("2", 2),  # form fields and query strings are strings
        (" 3 ", 3),
        ("+1", 1),
        ("0", 0),
    ],
)
def test_accepted_values(value: object, expected: int) -> None:
    assert alternatives_param(value, LIMIT) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4, "must be <= 3 (this server's THAIMT_MAX_ALTERNATIVES)"),
        ("4", "must be <= 3"),
        ("9" * 5000, "must be <= 3"),  # no int() of thousands of digits
        (-1, "must be >= 0"),
        ("-1", "must be >= 0"),
        ("-" + "9" * 30, "must be >= 0"),
        (2.5, "must be a whole number, not 2.5"),
        (2.0, "must be a whole number"),
        ("2.5", "must be a whole number, not '2.5'"),
        (True, "must be a whole number"),  # JSON true is no count
        ("", "must be a whole number"),
        ("three", "must be a whole number, not 'three'"),
        ("٣", "must be a whole number"),  # a digit to int(), not to this API
        (["1", "2"], "must be a whole number"),  # a form field given twice
        ("x" * 100, "..."),  # the value is quoted, cut short
    ],
)
def test_refused_values_are_400_in_libretranslates_shape(value: object, message: str) -> None:
    with pytest.raises(ApiError) as refused:
        alternatives_param(value, LIMIT)
    assert refused.value.status == 400
    assert refused.value.message.startswith("Invalid request: alternatives parameter ")
    assert message in refused.value.message
    assert len(refused.value.message) < 120


def test_a_bound_of_zero_refuses_any_alternative() -> None:
    assert alternatives_param("0", 0) == 0
    with pytest.raises(ApiError, match="must be <= 0"):
        alternatives_param(1, 0)


def test_the_openapi_schema_describes_alternatives() -> None:
    """/docs shows the parameter on both APIs (the LibreTranslate route reads its parameters
    itself, so they are declared by hand)."""

    async def fetch() -> dict[str, Any]:
        app = create_app(Settings(model="unused", cache=False))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/openapi.json")).json()  # type: ignore[no-any-return]

    spec = asyncio.run(fetch())
    libre = spec["paths"]["/translate"]["post"]["requestBody"]["content"]
    for media in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        name = libre[media]["schema"]["$ref"].rsplit("/", 1)[1]
        body = spec["components"]["schemas"][name]
        assert body["properties"]["alternatives"]["type"] == "integer"
    schemas = spec["components"]["schemas"]
    assert schemas["TranslateRequest"]["properties"]["alternatives"]["minimum"] == 0
    assert "alternatives" in schemas["TranslateResponse"]["properties"]
