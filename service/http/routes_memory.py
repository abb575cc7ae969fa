"""The caller's team's translation memory (/v1/memory), who the caller is on the desk
(/v1/team), and side-by-side exports of edited sentences (/v1/export).

Memory units are added by the page when an editor saves a sentence (``POST /v1/memory``), or
imported from TMX; every translation of the team then uses them (``origin: memory`` in
``detail``). Reading takes any key of the team; changing, a write key. Another team's unit is
not found (404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.desk.bilingual import DOCX, XLSX, bilingual_docx, bilingual_xlsx
from service.desk.books import Suggestion
from service.desk.glossaries import combined
from service.desk.memory import MemoryUnit
from service.desk.tmx import MEDIA_TYPE as TMX
from service.desk.tmx import pairs_tmx
from service.http.auth import Caller
from service.http.desk_access import desk_call, desk_of, named_glossary, require_write
from service.http.desk_schemas import (
    ExportBody,
    Imported,
    MemoryAdd,
    MemoryAdded,
    MemoryFound,
    MemoryInfo,
    MemoryLookup,
    TeamInfo,
    TermsUsed,
)
from service.http.errors import ApiError, error_responses
from service.http.parsing import form_upload
from service.http.state import ServerState, get_state
from service.http.styles import V1, route_class

router = APIRouter(prefix="/v1", tags=["memory"], route_class=route_class(V1))
CALLER = Depends(V1.caller)
READ = error_responses(401, 403, 404, 500)
ASK = error_responses(400, 401, 403, 404, 413, 422, 500)  # a read that sends a JSON body
WRITE = error_responses(400, 401, 403, 404, 413, 422, 500, 501)
FILE = {200: {"content": {TMX: {}}}, **error_responses(401, 403, 404, 500, 501)}


def _unit(unit: MemoryUnit) -> dict[str, Any]:
    return unit.to_dict()


def _suggestion(found: Suggestion | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {**found.unit.to_dict(), "adapted": None, "score": found.score}


async def _terms(
    state: ServerState, caller: Caller, body: TermsUsed
) -> tuple[Any, tuple[str, ...]]:
    stored = await named_glossary(state, caller, body.glossary_id)
    return combined(stored, body.glossary, body.do_not_translate)


@router.get("/team", response_model=TeamInfo, responses=error_responses(401, 403))
async def team(request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    """The caller's team and role (what the page shows and allows)."""
    access = caller.access
    desk = get_state(request).desk is not None
    return {"team": access.team, "role": access.role, "can_write": access.can_write, "desk": desk}


@router.get("/memory", response_model=MemoryInfo, responses=READ)
async def memory_info(request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    state = get_state(request)
    desk = desk_of(state)
    count = await desk_call(desk.memory.count, caller.access.team)
    threshold = state.settings.memory_fuzzy_threshold
    return {"team": caller.access.team, "unit_count": count, "fuzzy_threshold": threshold}


@router.post("/memory", response_model=MemoryAdded, responses=WRITE)
async def add_units(body: MemoryAdd, request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    """Approved translations of sentences. Send the glossary the translation used
    (``glossary_id``, ``glossary``, ``do_not_translate``): the memory masks each sentence as
    that translation did, so the unit matches it next time."""
    require_write(caller)
    state = get_state(request)
    desk = desk_of(state)
    glossary, keep = await _terms(state, caller, body)
    pairs = [(u.source, u.target) for u in body.units]
    try:
        units = await desk_call(desk.memory.add, caller.access.team, pairs, glossary, keep)
    except ApiError as exc:
        raise ApiError(exc.status, f"{exc.message} (units are saved all or none)") from None
    return {"units": [_unit(u) for u in units]}


@router.post("/memory/lookup", response_model=MemoryFound, responses=ASK)
async def lookup(body: MemoryLookup, request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    """What the memory has for one Thai sentence: the unit with exactly its masked form, and
    the closest other unit at or above THAIMT_MEMORY_FUZZY_THRESHOLD."""
    state = get_state(request)
    desk = desk_of(state)
    glossary, keep = await _terms(state, caller, body)
    masked, exact, near = await desk_call(
        desk.memory.lookup, caller.access.team, body.source, glossary, keep
    )
    return {
        "masked": masked,
        "exact": None if exact is None else _unit(exact),
        "suggestion": _suggestion(near),
    }


@router.delete("/memory/units/{unit_id}", status_code=204, responses=WRITE)
async def delete_unit(unit_id: str, request: Request, caller: Caller = CALLER) -> Response:
    require_write(caller)
    desk = desk_of(get_state(request))
    if not await desk_call(desk.memory.delete, caller.access.team, unit_id):
        raise ApiError(404, f"no memory unit {unit_id!r} in this team")
    return Response(status_code=204)


@router.delete("/memory", responses=WRITE)
async def clear_memory(request: Request, caller: Caller = CALLER) -> dict[str, int]:
    """Remove every unit of the team (export it first: this cannot be undone)."""
    require_write(caller)
    desk = desk_of(get_state(request))
    return {"removed": await desk_call(desk.memory.clear, caller.access.team)}


@router.get("/memory/export", response_class=Response, responses=FILE)
async def export_memory(request: Request, caller: Caller = CALLER) -> Response:
    """Every unit of the team as TMX 1.4 (Thai → English)."""
    desk = desk_of(get_state(request))
    data = await desk_call(desk.memory.export_tmx, caller.access.team)
    headers = {"Content-Disposition": 'attachment; filename="memory.tmx"'}
    return Response(data, media_type=TMX, headers=headers)


@router.post("/memory/import", response_model=Imported, responses=WRITE)
async def import_memory(request: Request, caller: Caller = CALLER) -> dict[str, int]:
    """Multipart: ``file``, a TMX file; its Thai → English units join the team's memory (a
    unit with the same masked source replaces the stored one)."""
    require_write(caller)
    desk = desk_of(get_state(request))
    form = await request.form()
    upload = form_upload(form, "missing file: send the TMX as the multipart field 'file'")
    data = await upload.read()
    done = await desk_call(desk.memory.import_tmx, caller.access.team, data)
    return {"imported": len(done.units), "skipped": done.skipped}


@router.post(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {DOCX: {}, XLSX: {}, TMX: {}}},
        **error_responses(400, 401, 403, 413, 422, 501),
    },
)
async def export_side_by_side(
    body: ExportBody, request: Request, caller: Caller = CALLER
) -> Response:
    """Sentences side by side as a Word table (docx), a spreadsheet (xlsx) or TMX (sentences
    with Thai only). Nothing is stored: the page sends what it shows, edits included."""
    rows = [(r.source, r.target) for r in body.rows]
    maker, media_type = {
        "docx": (bilingual_docx, DOCX),
        "xlsx": (bilingual_xlsx, XLSX),
        "tmx": (pairs_tmx, TMX),
    }[body.format]
    data = await desk_call(maker, rows, body.title)
    name = f"translation.{body.format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=media_type, headers=headers)
