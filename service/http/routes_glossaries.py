"""Stored glossaries of the caller's team: /v1/glossaries.

``POST`` creates (JSON, or ``/v1/glossaries/import`` with a TSV, CSV or TBX file), ``GET``
lists, ``GET /{id}`` reads, ``PUT /{id}`` replaces, ``DELETE /{id}`` deletes, and
``GET /{id}/entries?format=tsv|csv|tbx`` exports. A glossary is used by id: ``glossary_id`` in
``/v1/translate``, the stream, the file route and the page. Reading takes any key of the team;
changing, a write key. Another team's glossary is not found (404).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from service.desk.glossaries import GlossaryInvalid, GlossaryRecord
from service.desk.glossary_files import MEDIA_TYPES, format_for, read_terms
from service.http.auth import Caller
from service.http.desk_access import desk_call, desk_of, require_write
from service.http.desk_schemas import Glossary, GlossaryBody, GlossaryList, GlossaryReplace
from service.http.errors import ApiError, error_responses
from service.http.parsing import form_text, form_upload
from service.http.state import get_state
from service.http.styles import V1, route_class

router = APIRouter(prefix="/v1/glossaries", tags=["glossaries"], route_class=route_class(V1))
CALLER = Depends(V1.caller)
READ = error_responses(401, 403, 404, 500)
WRITE = error_responses(400, 401, 403, 404, 413, 422, 500, 501)
LIST = error_responses(401, 403, 404, 500)  # 404: the desk is off


def _contents(body: GlossaryBody) -> tuple[dict[str, str], list[str]]:
    """The entries and terms of a body: ``entries`` plus those of ``entries_text``."""
    entries, keep = dict(body.entries), list(body.do_not_translate)
    if body.entries_text:
        try:
            terms = read_terms(body.entries_text, body.entries_format)
        except GlossaryInvalid as exc:
            raise ApiError(400, str(exc)) from None
        entries.update(terms.entries)
        keep.extend(terms.do_not_translate)
    return entries, keep


def _full(record: GlossaryRecord) -> dict[str, Any]:
    return record.to_dict()


@router.post("", status_code=201, response_model=Glossary, responses=WRITE)
async def create_glossary(
    body: GlossaryBody, request: Request, caller: Caller = CALLER
) -> dict[str, Any]:
    """A new glossary of the caller's team (``glossary_id`` in the answer)."""
    require_write(caller)
    desk = desk_of(get_state(request))
    entries, keep = _contents(body)
    record = await desk_call(
        desk.glossaries.create,
        caller.access.team, body.name, entries, keep, body.source_lang, body.target_lang,
    )  # fmt: skip
    return _full(record)


@router.post("/import", status_code=201, response_model=Glossary, responses=WRITE)
async def import_glossary(request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    """Multipart: ``file`` (.tsv, .csv or .tbx), optional ``name`` (default: the file's name)
    and ``format`` (default: by extension)."""
    require_write(caller)
    desk = desk_of(get_state(request))
    form = await request.form()
    upload = form_upload(form, "missing file: send the glossary as the multipart field 'file'")
    filename = upload.filename or ""
    try:
        fmt = format_for(filename, form_text(form, "format"))
    except GlossaryInvalid as exc:
        raise ApiError(400, str(exc)) from None
    name = form_text(form, "name") or filename.rsplit(".", 1)[0] or "glossary"
    data = await upload.read()
    record = await desk_call(desk.glossaries.create_from_file, caller.access.team, name, data, fmt)
    return _full(record)


@router.get("", response_model=GlossaryList, responses=READ)
async def list_glossaries(request: Request, caller: Caller = CALLER) -> dict[str, Any]:
    """The caller's team's glossaries (without their entries), oldest first."""
    desk = desk_of(get_state(request))
    records = await desk_call(desk.glossaries.list, caller.access.team)
    return {"glossaries": [r.info() for r in records]}


@router.get("/{glossary_id}", response_model=Glossary, responses=READ)
async def get_glossary(
    glossary_id: str, request: Request, caller: Caller = CALLER
) -> dict[str, Any]:
    desk = desk_of(get_state(request))
    return _full(await desk_call(desk.glossaries.get, caller.access.team, glossary_id))


@router.put("/{glossary_id}", response_model=Glossary, responses=WRITE)
async def replace_glossary(
    glossary_id: str, body: GlossaryReplace, request: Request, caller: Caller = CALLER
) -> dict[str, Any]:
    """New entries and terms (and name, when given) for a glossary; its id stays."""
    require_write(caller)
    desk = desk_of(get_state(request))
    entries, keep = _contents(body)
    record = await desk_call(
        desk.glossaries.replace, caller.access.team, glossary_id, entries, keep, body.name
    )
    return _full(record)


@router.delete("/{glossary_id}", status_code=204, responses=WRITE)
async def delete_glossary(glossary_id: str, request: Request, caller: Caller = CALLER) -> Response:
    require_write(caller)
    desk = desk_of(get_state(request))
    await desk_call(desk.glossaries.delete, caller.access.team, glossary_id)
    return Response(status_code=204)


@router.get(
    "/{glossary_id}/entries",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}},
        **error_responses(401, 403, 404, 422, 500, 501),
    },
)
async def glossary_entries(
    glossary_id: str,
    request: Request,
    format: Literal["tsv", "csv", "tbx"] = Query("tsv"),
    caller: Caller = CALLER,
) -> Response:
    """The entries as a file: TSV (``Thai<TAB>English``; a do-not-translate term alone on its
    line), CSV, or TBX."""
    desk = desk_of(get_state(request))
    record = await desk_call(desk.glossaries.get, caller.access.team, glossary_id)
    data = await desk_call(desk.glossaries.entries_file, record, format)
    name = f"glossary-{glossary_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=MEDIA_TYPES[format], headers=headers)
