"""DeepL-compatible routes, so DeepL's clients (``deepl`` on PyPI, ``deepl-node``, CAT-tool and
CMS plugins) work unchanged with ``server_url`` pointed here: ``/v2/translate``,
``/v2/languages``, ``/v2/usage`` and ``/v2/glossary-language-pairs``.

Their conventions: parameters as JSON or a form, the key in ``Authorization: DeepL-Auth-Key``
(or the legacy ``auth_key``), refusals as ``{"message": ...}`` with DeepL's statuses (the
``DEEPL`` style: 403, 456, 429, 413, 400, 503). Translation goes through the one request
lifecycle (charge, admission, timeout, metrics) and the one workflow, markup through the format
layer (``tag_handling`` html or xml). What differs from DeepL is in ``docs/deepl.md``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from service.formats.base import FormatOptions
from service.http.deepl_params import DeepLTranslate, translate_request
from service.http.deepl_schemas import (
    DeepLKeyOnly,
    DeepLLanguage,
    DeepLLanguagePairs,
    DeepLLanguagesRequest,
    DeepLTranslateRequest,
    DeepLTranslateResponse,
    DeepLUsage,
    deepl_body,
    deepl_responses,
)
from service.http.desk_access import with_memory
from service.http.errors import ApiError
from service.http.glossary_terms import stored_terms
from service.http.lifecycle import Size, serve, usage
from service.http.params import read_params
from service.http.state import get_state
from service.http.styles import DEEPL, route_class
from service.http.translation import Translated, translate_any
from service.pipeline import TranslateOptions
from service.text.detect import detect_language

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

router = APIRouter(tags=["deepl"], route_class=route_class(DEEPL))

SOURCES = [{"language": "TH", "name": "Thai"}]
TARGETS = [
    {"language": "EN-GB", "name": "English (British)", "supports_formality": False},
    {"language": "EN-US", "name": "English (American)", "supports_formality": False},
]
GLOSSARY_PAIRS = {"supported_languages": [{"source_lang": "th", "target_lang": "en"}]}
MARKUP = re.compile(r"<[^>]*>")
UNLIMITED = 1_000_000_000_000  # what DeepL reports as the limit of an account without one


@router.post(
    "/v2/translate",
    response_model=None,
    responses={
        200: {"model": DeepLTranslateResponse},
        **deepl_responses(400, 403, 404, 413, 429, 456, 500, 504),
    },
    openapi_extra=deepl_body(DeepLTranslateRequest),
)
async def translate(request: Request) -> dict[str, Any]:
    """DeepL's ``/v2/translate``: Thai (``source_lang`` TH, or absent: detected) into English
    (``target_lang`` EN, EN-US, EN-GB), plain text or ``tag_handling`` html / xml."""
    state = get_state(request)
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    asked = translate_request(params)
    glossary, keep = await stored_terms(request, caller, asked.glossary_ids)
    decode = state.settings.decode_options(asked.beam_size)
    options = TranslateOptions(glossary=glossary, do_not_translate=keep, decode=decode)
    options = with_memory(options, state, caller)  # the team's translation memory, as on /v1
    formats = FormatOptions(tags=asked.tags)

    def work(engine: Engine, batcher: Batcher) -> Awaitable[Translated]:
        return translate_any(engine, batcher, asked.texts, options, asked.text_format, formats)

    done = (await serve(request, caller, Size.of_texts(asked.texts), work)).value
    pairs = zip(asked.texts, done.texts, strict=True)
    return {"translations": [_translation(asked, source, text) for source, text in pairs]}


def _translation(asked: DeepLTranslate, source: str, text: str) -> dict[str, Any]:
    if asked.source_given:
        detected = "TH"
    else:  # the words, not the tag names
        words = MARKUP.sub(" ", source) if asked.text_format != "text" else source
        detected = detect_language(words)[0].upper()
    answer: dict[str, Any] = {"detected_source_language": detected, "text": text}
    if asked.show_billed_characters:
        answer["billed_characters"] = len(source)  # what the charge counted for this text
    if asked.model_type is not None:
        answer["model_type_used"] = asked.model_type.removeprefix("prefer_")
    return answer


LANGUAGES_DOC: dict[str, Any] = {
    "response_model": None,
    "responses": {200: {"model": list[DeepLLanguage]}, **deepl_responses(400, 403)},
    "openapi_extra": deepl_body(DeepLLanguagesRequest),
}
USAGE_DOC: dict[str, Any] = {
    "response_model": None,
    "responses": {200: {"model": DeepLUsage}, **deepl_responses(403)},
    "openapi_extra": deepl_body(DeepLKeyOnly),
}


@router.get("/v2/languages", operation_id="deepl_languages_get", **LANGUAGES_DOC)
@router.post("/v2/languages", operation_id="deepl_languages_post", **LANGUAGES_DOC)
async def languages(request: Request) -> list[dict[str, Any]]:
    """``type`` source (default: TH) or target (EN-GB, EN-US)."""
    params = await read_params(request)
    DEEPL.authenticate(request, params)
    kind = params.get("type") or "source"
    if kind not in ("source", "target"):
        raise ApiError(400, "Value for 'type' not supported. This server takes: source, target")
    return SOURCES if kind == "source" else TARGETS


@router.get("/v2/usage", operation_id="deepl_usage_get", **USAGE_DOC)
@router.post("/v2/usage", operation_id="deepl_usage_post", **USAGE_DOC)
async def usage_of_key(request: Request) -> dict[str, Any]:
    """The characters charged to this key (or client address, on a server without keys) in its
    current budget window, and the limit (THAIMT_KEY_CHAR_LIMIT); every replica sharing Redis
    gives the same figure."""
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    spent = await usage(get_state(request), caller)
    if spent is None:
        return {"character_count": 0, "character_limit": UNLIMITED}
    answer: dict[str, Any] = {"character_count": spent.used, "character_limit": spent.limit}
    if spent.started is not None:
        answer["start_time"] = _iso(spent.started)
        answer["end_time"] = _iso(spent.started + spent.window_s)
    return answer


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.get(
    "/v2/glossary-language-pairs",
    response_model=None,
    responses={200: {"model": DeepLLanguagePairs}, **deepl_responses(403)},
)
async def glossary_language_pairs(request: Request) -> dict[str, Any]:
    """Glossaries are Thai → English."""
    DEEPL.authenticate(request, await read_params(request))
    return GLOSSARY_PAIRS
