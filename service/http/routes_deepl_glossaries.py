"""DeepL's glossary routes on the desk's glossary store: ``/v2/glossaries`` (one language pair
per glossary: DeepL's older shape, which the ``deepl`` clients' ``create_glossary`` use) and
``/v3/glossaries`` (a glossary of dictionaries, one per pair; here only th → en).

One store, two shapes: a glossary created through either is listed, read, used
(``glossary_id`` on ``/v2/translate``) and deleted through the other, and through ``/v1``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.http.deepl_params import string
from service.http.deepl_schemas import deepl_responses
from service.http.errors import ApiError
from service.http.glossary_terms import StoredGlossary, on_book, required_book
from service.http.params import read_params
from service.http.styles import DEEPL, route_class

router = APIRouter(tags=["deepl glossaries"], route_class=route_class(DEEPL))

ENTRIES_FORMATS = ("tsv", "csv")
TSV = "text/tab-separated-values"
REFUSALS = deepl_responses(400, 403, 404, 415)


def _iso(stamp: float) -> str:
    moment = datetime.fromtimestamp(stamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def v2_info(glossary: StoredGlossary) -> dict[str, Any]:
    return {
        "glossary_id": glossary.glossary_id,
        "name": glossary.name,
        "ready": True,
        "source_lang": glossary.source_lang,
        "target_lang": glossary.target_lang,
        "creation_time": _iso(glossary.creation_time),
        "entry_count": glossary.entry_count,
    }


def v3_info(glossary: StoredGlossary) -> dict[str, Any]:
    pair = {"source_lang": glossary.source_lang, "target_lang": glossary.target_lang}
    return {
        "glossary_id": glossary.glossary_id,
        "name": glossary.name,
        "dictionaries": [{**pair, "entry_count": glossary.entry_count}],
        "creation_time": _iso(glossary.creation_time),
    }


def check_pair(source: str | None, target: str | None) -> None:
    """Glossaries are Thai → English (``EN-GB``/``EN-US`` name the same English)."""
    if (source or "").lower() != "th" or (target or "").lower().split("-")[0] != "en":
        raise ApiError(400, "Unsupported glossary language pair: this server's is th → en")


def entries_format(value: str | None) -> str:
    fmt = (value or "tsv").lower()
    if fmt not in ENTRIES_FORMATS:
        raise ApiError(400, "Value for 'entries_format' not supported. This server takes: tsv, csv")
    return fmt


async def _found(request: Request, glossary_id: str) -> StoredGlossary:
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    found = await on_book(required_book(request).find, caller, glossary_id)
    if found is None:
        raise ApiError(404, f"Glossary not found: {glossary_id}")
    return found


@router.post("/v2/glossaries", status_code=201, responses=REFUSALS)
async def create_v2(request: Request) -> dict[str, Any]:
    """``name``, ``source_lang`` th, ``target_lang`` en, ``entries``, ``entries_format``."""
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    name, entries = string(params, "name"), string(params, "entries")
    check_pair(string(params, "source_lang"), string(params, "target_lang"))
    if name is None or entries is None:
        raise ApiError(400, "Parameters 'name' and 'entries' are required")
    fmt = entries_format(string(params, "entries_format"))
    book = required_book(request)
    return v2_info(await on_book(book.create, caller, name, entries, fmt))


@router.get("/v2/glossaries", responses=REFUSALS)
async def list_v2(request: Request) -> dict[str, Any]:
    caller = DEEPL.authenticate(request, await read_params(request))
    glossaries = await on_book(required_book(request).list, caller)
    return {"glossaries": [v2_info(g) for g in glossaries]}


@router.get("/v2/glossaries/{glossary_id}", responses=REFUSALS)
async def get_v2(glossary_id: str, request: Request) -> dict[str, Any]:
    return v2_info(await _found(request, glossary_id))


@router.get(
    "/v2/glossaries/{glossary_id}/entries",
    response_class=Response,
    responses={200: {"content": {TSV: {}}}, **REFUSALS},
)
async def entries_v2(glossary_id: str, request: Request) -> Response:
    """The entries as TSV (``Accept: text/tab-separated-values``, or none; others: 415)."""
    accept = request.headers.get("accept", TSV)
    if not any(kind in accept for kind in (TSV, "*/*")):
        raise ApiError(415, f"Unsupported Accept header: entries are sent as {TSV}")
    found = await _found(request, glossary_id)
    text = await on_book(required_book(request).entries_tsv, found)
    return Response(text, media_type=f"{TSV}; charset=utf-8")


@router.delete("/v2/glossaries/{glossary_id}", status_code=204, responses=REFUSALS)
@router.delete("/v3/glossaries/{glossary_id}", status_code=204, responses=REFUSALS)
async def delete(glossary_id: str, request: Request) -> Response:
    caller = DEEPL.authenticate(request, await read_params(request))
    if not await on_book(required_book(request).delete, caller, glossary_id):
        raise ApiError(404, f"Glossary not found: {glossary_id}")
    return Response(status_code=204)


def _dictionary(params: dict[str, Any]) -> tuple[str, str]:
    """The one th → en dictionary of a v3 request: its entries and their format."""
    dictionaries = params.get("dictionaries")
    if not isinstance(dictionaries, list) or len(dictionaries) != 1:
        raise ApiError(400, "Send 'dictionaries' as a list of one th → en dictionary")
    only = dictionaries[0]
    if not isinstance(only, dict) or not isinstance(only.get("entries"), str):
        raise ApiError(400, "A dictionary needs source_lang, target_lang and entries")
    check_pair(only.get("source_lang"), only.get("target_lang"))
    return only["entries"], entries_format(only.get("entries_format"))


@router.post("/v3/glossaries", status_code=201, responses=REFUSALS)
async def create_v3(request: Request) -> dict[str, Any]:
    """JSON ``name`` and ``dictionaries`` (one: th → en)."""
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    name = string(params, "name")
    if name is None:
        raise ApiError(400, "Parameter 'name' not specified.")
    entries, fmt = _dictionary(params)
    book = required_book(request)
    return v3_info(await on_book(book.create, caller, name, entries, fmt))


@router.get("/v3/glossaries", responses=REFUSALS)
async def list_v3(request: Request) -> dict[str, Any]:
    caller = DEEPL.authenticate(request, await read_params(request))
    glossaries = await on_book(required_book(request).list, caller)
    return {"glossaries": [v3_info(g) for g in glossaries]}


@router.get("/v3/glossaries/{glossary_id}", responses=REFUSALS)
async def get_v3(glossary_id: str, request: Request) -> dict[str, Any]:
    return v3_info(await _found(request, glossary_id))


@router.patch("/v3/glossaries/{glossary_id}", responses=REFUSALS)
async def patch_v3(glossary_id: str, request: Request) -> dict[str, Any]:
    """A new ``name`` and/or the th → en dictionary's new entries."""
    params = await read_params(request)
    caller = DEEPL.authenticate(request, params)
    entries, fmt = _dictionary(params) if "dictionaries" in params else (None, "tsv")
    book = required_book(request)
    done = await on_book(book.replace, caller, glossary_id, string(params, "name"), entries, fmt)
    if done is None:
        raise ApiError(404, f"Glossary not found: {glossary_id}")
    return v3_info(done)


@router.get("/v3/glossaries/{glossary_id}/entries", responses=REFUSALS)
async def entries_v3(glossary_id: str, request: Request) -> dict[str, Any]:
    """``source_lang`` th and ``target_lang`` en: the dictionary's entries as TSV in JSON."""
    params = await read_params(request)
    check_pair(string(params, "source_lang"), string(params, "target_lang"))
    found = await _found(request, glossary_id)
    text = await on_book(required_book(request).entries_tsv, found)
    pair = {"source_lang": found.source_lang, "target_lang": found.target_lang}
    return {"dictionaries": [{**pair, "entries": text, "entries_format": "tsv"}]}
