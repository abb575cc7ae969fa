"""LibreTranslate-compatible routes, so its existing clients work unchanged.

Its conventions: parameters as JSON or form fields, ``api_key`` among them, errors as
``{"error": "..."}`` with 400 (bad parameters), 403 (API key), 429 (slow down). ``alternatives``
follows LibreTranslate's answer: the field only when more than 0 were asked for, a list for a
string ``q`` and a list of lists for a list ``q``, each alternative unlike the translation (so
there may be fewer than asked for), none for ``format=html``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from service.http.desk_access import with_memory
from service.http.errors import ApiError, error_responses
from service.http.lifecycle import Size, check_size, serve
from service.http.params import read_params
from service.http.parsing import SOURCES, TARGETS, string_param
from service.http.schemas import (
    DetectedLanguage,
    LanguageInfo,
    LibreDetectRequest,
    LibreTranslateRequest,
    LibreTranslateResponse,
    find_lone_surrogate,
    libre_body,
)
from service.http.state import get_state
from service.http.styles import LIBRE, route_class
from service.http.translation import Translated, translate_any
from service.http.uploads import SUPPORTED_EXTENSIONS
from service.pipeline import TranslateOptions
from service.text.detect import detect_language

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

router = APIRouter(tags=["libretranslate"], route_class=route_class(LIBRE))

LANGUAGES = [
    {"code": "th", "name": "Thai", "targets": ["en"]},
    {"code": "en", "name": "English", "targets": []},
]


def _texts(params: dict[str, Any]) -> tuple[list[str], bool]:
    """The ``q`` texts and whether ``q`` was a list."""
    q = params.get("q")
    if q is None or q == "" or q == []:
        raise ApiError(400, "Invalid request: missing q parameter")
    texts = q if isinstance(q, list) else [q]
    if not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "Invalid request: q must be a string or a list of strings")
    for text in texts:
        index = find_lone_surrogate(text)
        if index is not None:
            raise ApiError(400, f"Invalid request: q has an unpaired surrogate at {index}")
    return texts, isinstance(q, list)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def alternatives_param(value: object, limit: int) -> int:
    """The ``alternatives`` parameter: a whole number from 0 to ``limit``, as a JSON number or
    a string of digits (form fields and query strings are strings); absent or null is 0.
    LibreTranslate turns a negative number into 0 and cuts 2.5 down to 2; a demanding client
    is better told, so both are 400 here."""
    if value is None:
        return 0
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        digits = value.strip().lstrip("+")
        # Past 9 digits the number is out of range whatever it is (and int() of thousands of
        # digits is refused by Python itself).
        number = int(digits) if len(digits) <= 9 else (-1 if digits[0] == "-" else limit + 1)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ApiError(
            400, f"Invalid request: alternatives parameter must be a whole number, not {shown}"
        )
    if number < 0:
        raise ApiError(400, "Invalid request: alternatives parameter must be >= 0")
    if number > limit:
        raise ApiError(
            400,
            f"Invalid request: alternatives parameter must be <= {limit} "
            "(this server's THAIMT_MAX_ALTERNATIVES)",
        )
    return number


@router.post(
    "/translate",
    response_model=None,
    responses={
        200: {"model": LibreTranslateResponse},
        **error_responses(400, 403, 413, 429, 500, 504),
    },
    openapi_extra=libre_body(LibreTranslateRequest),
)
async def translate(request: Request) -> dict[str, Any]:
    """LibreTranslate ``/translate``: ``q`` (string or list), ``source`` th|auto, ``target`` en,
    ``format`` text|html, ``alternatives`` (n-best, 0 to THAIMT_MAX_ALTERNATIVES)."""
    state = get_state(request)
    params = await read_params(request)
    caller = LIBRE.authenticate(request, params)
    texts, is_list = _texts(params)
    source = string_param(params, "source")
    target = string_param(params, "target")
    text_format = string_param(params, "format", "text")
    if source not in SOURCES:
        raise ApiError(400, f"{source} is not supported: this server translates th (or auto)")
    if target not in TARGETS:
        raise ApiError(400, f"{target} is not supported: this server translates into en")
    if text_format not in ("text", "html"):
        raise ApiError(400, f"Invalid request: format must be text or html, not {text_format}")
    alternatives = alternatives_param(params.get("alternatives"), state.settings.max_alternatives)
    # HTML gets no alternatives, so its beam is not widened for them.
    searched = alternatives if text_format == "text" else 0
    decode = state.settings.decode_options(alternatives=searched)
    options = with_memory(TranslateOptions(decode=decode), state, caller)

    def work(engine: Engine, batcher: Batcher) -> Awaitable[Translated]:
        return translate_any(engine, batcher, texts, options, text_format)

    done = (await serve(request, caller, Size.of_texts(texts), work)).value
    outputs = done.texts
    response: dict[str, Any] = {"translatedText": outputs if is_list else outputs[0]}
    if source == "auto":
        detected = [_detected(t) for t in texts]
        response["detectedLanguage"] = detected if is_list else detected[0]
    if alternatives > 0:
        others = done.alternatives(alternatives, text_format)
        response["alternatives"] = others if is_list else others[0]
    return response


def _detected(text: str) -> dict[str, Any]:
    language, confidence = detect_language(text)
    return {"language": language, "confidence": confidence}


@router.get(
    "/languages",
    response_model=None,
    responses={200: {"model": list[LanguageInfo]}, **error_responses()},
)
async def languages() -> list[dict[str, Any]]:
    return LANGUAGES


@router.post(
    "/detect",
    response_model=None,
    responses={200: {"model": list[DetectedLanguage]}, **error_responses(400, 403, 413)},
    openapi_extra=libre_body(LibreDetectRequest),
)
async def detect(request: Request) -> list[dict[str, Any]]:
    state = get_state(request)
    params = await read_params(request)
    LIBRE.authenticate(request, params)
    texts, _ = _texts(params)
    check_size(Size.of_texts(texts), state.settings)
    return [_detected("\n".join(texts))]


@router.get("/frontend/settings", responses=error_responses())
async def frontend_settings(request: Request) -> dict[str, Any]:
    settings = get_state(request).settings
    return {
        "charLimit": settings.max_chars_per_request,
        "frontendTimeout": int(settings.request_timeout_s * 1000),
        "apiKeys": bool(settings.api_keys),
        "keyRequired": bool(settings.api_keys),
        "suggestions": False,
        "filesTranslation": settings.files_translation,
        "supportedFilesFormat": list(SUPPORTED_EXTENSIONS) if settings.files_translation else [],
        "language": {
            "source": {"code": "th", "name": "Thai"},
            "target": {"code": "en", "name": "English"},
        },
    }
