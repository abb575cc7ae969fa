"""The OpenAPI schema: what FastAPI makes from the routes, plus what it cannot see there.

- The LibreTranslate and DeepL bodies (the routes read their parameters by hand;
  ``schemas.libre_body`` and ``deepl_schemas.deepl_body`` point at these components).
- This server's own limits (settings): texts per request, characters per text, alternatives.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.http.deepl_schemas import DEEPL_MODELS
from service.http.schemas import LIBRE_MODELS
from service.settings import Settings

REF_TEMPLATE = "#/components/schemas/{model}"


def install_openapi(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            add_libre_components(schema)
            state_limits(schema, settings)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_libre_components(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (*LIBRE_MODELS, *DEEPL_MODELS):
        model_schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        components.update(model_schema.pop("$defs", {}))
        components[model.__name__] = model_schema


def state_limits(schema: dict[str, Any], settings: Settings) -> None:
    """Texts per request and characters per text, on /v1 and the LibreTranslate routes. (The
    character limit is on the whole request, glossary included: a 413 can still come.)"""
    chars, texts = settings.max_chars_per_request, settings.max_texts_per_request
    components = schema["components"]["schemas"]
    v1 = components["TranslateRequest"]["properties"]
    _string_of(v1["text"])["maxLength"] = chars
    _array_of(v1["texts"]).update(
        {"maxItems": texts, "items": {"type": "string", "maxLength": chars}}
    )
    v1["alternatives"]["maximum"] = settings.max_alternatives
    libre = components["LibreTranslateRequest"]["properties"]
    libre["alternatives"]["maximum"] = settings.max_alternatives
    for name in ("LibreTranslateRequest", "LibreDetectRequest"):
        q = components[name]["properties"]["q"]
        _string_of(q)["maxLength"] = chars
        _array_of(q).update({"maxItems": texts, "items": {"type": "string", "maxLength": chars}})
    text = components["DeepLTranslateRequest"]["properties"]["text"]
    _string_of(text)["maxLength"] = chars
    _array_of(text).update({"maxItems": texts, "items": {"type": "string", "maxLength": chars}})


def _string_of(prop: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in prop["anyOf"] if s.get("type") == "string")


def _array_of(prop: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in prop["anyOf"] if s.get("type") == "array")
