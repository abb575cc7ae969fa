"""File translation: POST /v1/translate/file, and LibreTranslate's POST /translate_file and
GET /download_file/<name>.

``/v1/translate/file`` answers at once with the translated file (and, with ``detail``, every
segment, as ``/v1/translate`` does); the web page uses it. LibreTranslate's pair answers with a
URL and keeps the result in a bounded folder (:mod:`service.http.downloads`) until it is fetched.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from service.batching import BatcherStopped, Overloaded, TooExpensive
from service.formats.registry import media_type_for_path
from service.http.downloads import DownloadStore, StoreFull, is_stored_name
from service.http.errors import ApiError, error_responses
from service.http.limits import charged
from service.http.routes_libre import SOURCES, TARGETS, _authorize, _string, libre_refusal
from service.http.routes_v1 import authorize, translate_options
from service.http.schemas import TranslateRequest
from service.http.state import ServerState, get_state
from service.http.translation import guarded
from service.http.uploads import (
    SUPPORTED_EXTENSIONS,
    LoadedFile,
    TranslatedFile,
    UploadOptions,
    check_file_size,
    choose_format,
    load_file,
    translate_file,
)
from service.pipeline import TranslateOptions
from service.settings import Settings

router = APIRouter(tags=["files"])

FILES_OFF = "Files translation are disabled on this server."  # LibreTranslate's words
_NO_OPTIONS = TranslateRequest.model_validate({"text": ""})


@router.post(
    "/v1/translate/file", responses=error_responses(400, 401, 403, 413, 422, 429, 500, 504)
)
async def translate_uploaded_file(
    request: Request, key: str | None = Depends(authorize)
) -> dict[str, Any]:
    """Multipart: ``file``; optional ``format`` (default by extension: txt, md, html, srt,
    jsonl, csv, tsv, po, docx, pptx, xlsx, odt, odp, ods, epub, xliff, pdf), ``fields`` (JSONL,
    comma-separated; default ``text``), ``columns`` (CSV/TSV, comma-separated header names or
    numbers; default every column with Thai), ``overwrite_targets`` (XLIFF/PO, true/false),
    ``glossary`` (a JSON object), ``do_not_translate`` (a JSON list), ``beam_size``, ``detail``
    (true/false). The answer's ``content`` is the translated file: text, or base64 when
    ``content_encoding`` is ``base64`` (binary formats; ``media_type`` names it)."""
    state = get_state(request)
    if not state.settings.files_translation:
        raise ApiError(403, "file translation is turned off (THAIMT_FILES_TRANSLATION=false)")
    form = await request.form()
    upload = _upload(form)
    body = _v1_options(form)
    format_name = choose_format(upload.filename or "", _text(form, "format"))
    loaded = await asyncio.to_thread(
        load_file,
        upload.filename or "",
        await upload.read(),
        format_name,
        _upload_options(form, state.settings),
    )
    chars = check_file_size(loaded, state.settings.max_chars_per_request, body.term_chars())
    started = time.perf_counter()
    done = await _translate(request, state, loaded, translate_options(body, state), key, chars)
    response: dict[str, Any] = {
        "filename": loaded.output_name,
        "format": format_name,
        "content": done.content,
        "content_encoding": "base64" if loaded.binary else "text",
        "media_type": loaded.media_type,
        "model": state.model_id,
        "usage": {
            "characters": chars,
            "segments": done.segments,
            "milliseconds": round((time.perf_counter() - started) * 1000, 1),
        },
    }
    if _text(form, "detail") in ("true", "1", "yes"):
        response["detail"] = [r.to_dict() for r in done.results]
    return response


@router.post("/translate_file", responses=error_responses(400, 403, 413, 429, 500, 504))
async def libre_translate_file(request: Request) -> dict[str, str]:
    """LibreTranslate: multipart ``file``, ``source`` (th|auto), ``target`` (en), ``api_key``;
    answers ``{"translatedFileUrl": ".../download_file/<id>.<name>_en.<ext>"}``."""
    state = get_state(request)
    if not state.settings.files_translation:
        raise ApiError(403, FILES_OFF)
    form = await request.form()
    params = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    key = _authorize(state, params, request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "Invalid request: missing file parameter")
    source, target = _string(params, "source"), _string(params, "target")
    filename = upload.filename or ""
    if not filename:
        raise ApiError(400, "Invalid request: empty file")
    if not filename.lower().endswith(SUPPORTED_EXTENSIONS):
        raise ApiError(400, "Invalid request: file format not supported")
    for code, accepted in ((source, SOURCES), (target, TARGETS)):
        if code not in accepted:
            raise ApiError(400, f"{code} is not supported")
    loaded = await asyncio.to_thread(
        load_file,
        filename,
        await upload.read(),
        choose_format(filename, None),
        _upload_options(None, state.settings),
    )
    chars = check_file_size(loaded, state.settings.max_chars_per_request)
    options = translate_options(_NO_OPTIONS, state)  # no glossary, the default beam
    try:
        done = await _translate(request, state, loaded, options, key, chars)
    except (Overloaded, BatcherStopped, TooExpensive) as exc:
        raise libre_refusal(exc) from None
    try:
        name = await asyncio.to_thread(_store(request).put, loaded.output_name, done.data)
    except StoreFull as exc:
        raise ApiError(413, str(exc)) from None
    except OSError as exc:  # the disk, not the translation: say so, keep serving
        raise ApiError(503, f"cannot keep the translated file for download: {exc}") from None
    return {"translatedFileUrl": str(request.url_for("download_file", name=name))}


@router.get("/download_file/{name}", name="download_file", responses=error_responses(400, 404))
async def download_file(name: str, request: Request) -> Response:
    """A result of ``/translate_file``, once, until it expires (``THAIMT_DOWNLOAD_TTL_S``)."""
    settings = get_state(request).settings
    if not settings.files_translation:
        raise ApiError(400, FILES_OFF)
    if not is_stored_name(name):
        raise ApiError(400, "Invalid filename")
    stored = await asyncio.to_thread(_store(request).get, name)
    if stored is None:
        raise ApiError(
            404,
            f"no such file: it was never stored or has expired (results are kept "
            f"{settings.download_ttl_s:g} s)",
        )
    media_type = media_type_for_path(stored.download_name)
    return Response(stored.data, media_type=media_type, headers=_attachment(stored.download_name))


async def _translate(
    request: Request,
    state: ServerState,
    loaded: LoadedFile,
    options: TranslateOptions,
    key: str | None,
    chars: int,
) -> TranslatedFile:
    engine, batcher = state.require_ready()
    async with charged(state.char_budget, key, chars):  # refunded if overloaded or timed out
        work = translate_file(engine, batcher, loaded, options)
        done = await guarded(request, work, state.settings.request_timeout_s)
    state.metrics.characters.inc(chars)
    return done


def _store(request: Request) -> DownloadStore:
    """The server's download folder (made on first use)."""
    store: DownloadStore | None = getattr(request.app.state, "thaimt_downloads", None)
    if store is None:
        settings: Settings = get_state(request).settings
        store = DownloadStore(
            settings.download_dir,
            settings.download_ttl_s,
            settings.download_max_bytes,
            settings.download_max_files,
        )
        request.app.state.thaimt_downloads = store
    return store


def _attachment(filename: str) -> dict[str, str]:
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {
        "Content-Disposition": f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
    }


def _upload(form: FormData) -> UploadFile:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "missing file: send it as the multipart field 'file'")
    return upload


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value != "" else None


def _upload_options(form: FormData | None, settings: Settings) -> UploadOptions:
    """The file-reading options of a /v1 form (none for LibreTranslate) and the limits."""

    def listed(name: str) -> list[str]:
        raw = _text(form, name) if form is not None else None
        return [item.strip() for item in (raw or "").split(",") if item.strip()]

    overwrite = form is not None and _text(form, "overwrite_targets") in ("true", "1", "yes")
    return UploadOptions(listed("fields"), listed("columns"), overwrite, settings.document_limits)


def _v1_options(form: FormData) -> TranslateRequest:
    """The glossary, do-not-translate list and beam size, validated as /v1/translate's are."""
    fields: dict[str, Any] = {"text": ""}
    for name in ("glossary", "do_not_translate"):
        raw = _text(form, name)
        if raw is not None:
            try:
                fields[name] = json.loads(raw)
            except ValueError as exc:
                raise ApiError(400, f"{name} is not valid JSON: {exc}") from None
    beam = _text(form, "beam_size")
    if beam is not None:
        fields["beam_size"] = beam
    try:
        return TranslateRequest.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'form'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise ApiError(422, f"invalid request: {problems}") from None
