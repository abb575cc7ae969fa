"""File translation: POST /v1/translate/file, and LibreTranslate's POST /translate_file and
GET /download_file/<name>.

``/v1/translate/file`` answers at once with the translated file (and, with ``detail``, every
segment, as ``/v1/translate`` does); the web page uses it. LibreTranslate's pair answers with a
URL and keeps the result in a bounded folder (:mod:`service.http.downloads`) until it is fetched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from service.formats.registry import media_type_for_path
from service.http.auth import Caller
from service.http.desk_access import desk_options, with_memory
from service.http.downloads import (
    DownloadStore,
    StoreFull,
    attachment_headers,
    is_stored_name,
)
from service.http.errors import ApiError, error_responses
from service.http.lifecycle import Size, Work, serve
from service.http.parsing import (
    SOURCES,
    TARGETS,
    form_flag,
    form_list,
    form_text,
    form_upload,
    string_param,
    translate_options,
    v1_form_options,
)
from service.http.schemas import TranslateRequest
from service.http.state import get_state
from service.http.styles import LIBRE, V1, route_class
from service.http.uploads import (
    SUPPORTED_EXTENSIONS,
    LoadedFile,
    TranslatedFile,
    UploadOptions,
    choose_format,
    load_file,
    translate_file,
)
from service.pipeline import TranslateOptions
from service.settings import Settings

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

log = logging.getLogger(__name__)

router = APIRouter(tags=["files"], route_class=route_class(V1))
libre_router = APIRouter(tags=["files"], route_class=route_class(LIBRE))
V1_CALLER = Depends(V1.caller)  # runs before the body is validated

FILES_OFF = "Files translation are disabled on this server."  # LibreTranslate's words
_NO_OPTIONS = TranslateRequest.model_validate({"text": ""})


@router.post(
    "/v1/translate/file", responses=error_responses(400, 401, 403, 404, 413, 422, 429, 500, 504)
)
async def translate_uploaded_file(request: Request, caller: Caller = V1_CALLER) -> dict[str, Any]:
    """Multipart: ``file``; optional ``format`` (default by extension: txt, md, html, srt,
    jsonl, csv, tsv, po, docx, pptx, xlsx, odt, odp, ods, epub, xliff, pdf), ``fields`` (JSONL,
    comma-separated; default ``text``), ``columns`` (CSV/TSV, comma-separated header names or
    numbers; default every column with Thai), ``overwrite_targets`` (XLIFF/PO, true/false),
    ``glossary`` (a JSON object), ``do_not_translate`` (a JSON list), ``glossary_id`` (a stored
    glossary of the team), ``memory`` (true/false), ``beam_size``, ``detail`` (true/false). The
    answer's ``content`` is the translated file: text, or base64 when
    ``content_encoding`` is ``base64`` (binary formats; ``media_type`` names it)."""
    state = get_state(request)
    if not state.settings.files_translation:
        raise ApiError(403, "file translation is turned off (THAIMT_FILES_TRANSLATION=false)")
    form = await request.form()
    upload = form_upload(form, "missing file: send it as the multipart field 'file'")
    body = v1_form_options(form)
    format_name = choose_format(upload.filename or "", form_text(form, "format"))
    loaded = await asyncio.to_thread(
        load_file,
        upload.filename or "",
        await upload.read(),
        format_name,
        _upload_options(form, state.settings),
    )
    options = await desk_options(body, state, caller)
    size = Size.of_file(loaded.characters + body.term_chars())
    served = await serve(request, caller, size, _translation(loaded, options))
    done = served.value
    response: dict[str, Any] = {
        "filename": loaded.output_name,
        "format": format_name,
        "content": done.content,
        "content_encoding": "base64" if loaded.binary else "text",
        "media_type": loaded.media_type,
        "model": state.model_id,
        "usage": {
            "characters": served.chars,
            "segments": done.segments,
            "milliseconds": served.milliseconds,
        },
    }
    if form_text(form, "detail") in ("true", "1", "yes"):
        response["detail"] = [r.to_dict() for r in done.results]
    return response


@libre_router.post("/translate_file", responses=error_responses(400, 403, 413, 429, 500, 504))
async def libre_translate_file(request: Request) -> dict[str, str]:
    """LibreTranslate: multipart ``file``, ``source`` (th|auto), ``target`` (en), ``api_key``;
    answers ``{"translatedFileUrl": ".../download_file/<id>.<name>_en.<ext>"}`` (the address
    is THAIMT_PUBLIC_URL's, else the one this connection reached: never the Host header's)."""
    state = get_state(request)
    if not state.settings.files_translation:
        raise ApiError(403, FILES_OFF)
    form = await request.form()
    params = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    caller = LIBRE.authenticate(request, params)
    upload = form_upload(form, "Invalid request: missing file parameter")
    source, target = string_param(params, "source"), string_param(params, "target")
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
    # No glossary, the default beam; the team's memory.
    options = with_memory(translate_options(_NO_OPTIONS, state), state, caller)
    translation = _translation(loaded, options)
    store = _store(request)

    async def work(engine: Engine, batcher: Batcher) -> str:
        done = await translation(engine, batcher)
        return await keep_for_download(store, done, caller)  # a fault here is refunded

    served = await serve(request, caller, Size.of_file(loaded.characters), work)
    return {"translatedFileUrl": download_url(request, state.settings, served.value)}


def _translation(loaded: LoadedFile, options: TranslateOptions) -> Work[TranslatedFile]:
    def work(engine: Engine, batcher: Batcher) -> Awaitable[TranslatedFile]:
        return translate_file(engine, batcher, loaded, options)

    return work


async def keep_for_download(store: DownloadStore, done: TranslatedFile, caller: Caller) -> str:
    """The stored name of the translated file (413 if the store cannot hold it; 503 if the
    disk fails, which is the server's fault: no path in the answer, the charge refunded)."""
    try:
        return await asyncio.to_thread(
            store.put, done.source.output_name, done.data, caller.identity
        )
    except StoreFull as exc:
        raise ApiError(413, str(exc)) from None
    except OSError as exc:
        log.error("cannot keep a translated file for download: %s", exc)
        raise ApiError(
            503,
            "cannot keep the translated file for download (a fault on the server: see its log)",
            {"Retry-After": "5"},
        ) from None


def download_url(request: Request, settings: Settings, name: str) -> str:
    """Where ``name`` is downloaded: under THAIMT_PUBLIC_URL, else at the address and port this
    connection reached (the server's own socket; a client's Host header names any host)."""
    path = request.scope.get("root_path", "") + str(
        request.app.url_path_for("download_file", name=name)
    )
    if settings.public_url:
        return settings.public_url.rstrip("/") + path
    server = request.scope.get("server")
    if not server:
        return path
    host, port = server[0], server[1]
    host = f"[{host}]" if ":" in host else host
    scheme = request.scope.get("scheme", "http")
    default_port = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}{'' if port in (None, default_port) else f':{port}'}{path}"


@libre_router.get(
    "/download_file/{name}", name="download_file", responses=error_responses(400, 404)
)
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
    return Response(
        stored.data, media_type=media_type, headers=attachment_headers(stored.download_name)
    )


def _upload_options(form: FormData | None, settings: Settings) -> UploadOptions:
    """The file-reading options of a /v1 form (none for LibreTranslate) and the limits."""
    return UploadOptions(
        form_list(form, "fields"),
        form_list(form, "columns"),
        form_flag(form, "overwrite_targets"),
        settings.document_limits,
    )


def _store(request: Request) -> DownloadStore:
    """The server's download folder (made on first use)."""
    store: DownloadStore | None = getattr(request.app.state, "thaimt_downloads", None)
    if store is None:
        store = DownloadStore.from_settings(get_state(request).settings)
        request.app.state.thaimt_downloads = store
    return store
