"""Document jobs over the native API, for documents too long to wait for:

- ``POST /v1/documents`` (multipart, the fields of ``/v1/translate/file``) → 202 with the job
  and its secret; ``Location`` names its status;
- ``GET /v1/documents/{id}`` → status, segments done / total, seconds remaining, flags;
- ``GET /v1/documents/{id}/result`` → the translated file under its name (409 until done);
- ``DELETE /v1/documents/{id}`` → 204 (a job not done yet is stopped and refunded).

Only the uploader (the same API key, or client address on a server without keys) or whoever
shows the job's secret (header ``X-Document-Secret`` or parameter ``secret``) may see a job;
anyone else gets 404, as for a job that never existed. The work is :mod:`service.jobs` joined
to the request lifecycle by :mod:`service.http.documents`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from service.http.auth import Caller
from service.http.documents import access_of, server_jobs
from service.http.downloads import attachment_headers
from service.http.errors import error_responses
from service.http.parsing import form_flag, form_list, form_text, form_upload, v1_form_options
from service.http.schemas import CreatedDocumentJob, DocumentJob, ReviewSegment, SegmentProgress
from service.http.styles import V1, route_class
from service.http.uploads import choose_format
from service.jobs import JobRequest, JobView

router = APIRouter(tags=["documents"], route_class=route_class(V1))
V1_CALLER = Depends(V1.caller)  # runs before the body is read
SECRET_HEADER = "X-Document-Secret"


@router.post(
    "/v1/documents",
    status_code=202,
    response_model=CreatedDocumentJob,
    responses=error_responses(400, 401, 403, 413, 422, 429, 503, 507),
)
async def create_document(
    request: Request, response: Response, caller: Caller = V1_CALLER
) -> CreatedDocumentJob:
    """Multipart: ``file``; optional ``format``, ``fields``, ``columns``,
    ``overwrite_targets``, ``glossary`` (a JSON object), ``do_not_translate`` (a JSON list),
    ``beam_size``, as for ``/v1/translate/file``. Limits: ``THAIMT_JOBS_MAX_UPLOAD_BYTES`` and
    ``THAIMT_JOBS_MAX_CHARS`` (413); disk quota per key and in all (507)."""
    jobs = server_jobs(request)
    form = await request.form()
    created = await jobs.accept(caller, job_request(form), await _file_bytes(form))
    status_url = _path(request, "document_status", created.id)
    response.headers["Location"] = status_url
    return CreatedDocumentJob(
        **_status_fields(created.view),
        secret=created.secret,
        status_url=status_url,
        result_url=_path(request, "document_result", created.id),
    )


@router.get(
    "/v1/documents/{job_id}",
    name="document_status",
    response_model=DocumentJob,
    responses=error_responses(401, 403, 404, 503),
)
async def document_status(job_id: str, request: Request, caller: Caller = V1_CALLER) -> DocumentJob:
    view = await server_jobs(request).status(job_id, access_of(caller, _secret(request)))
    return DocumentJob(**_status_fields(view))


@router.get(
    "/v1/documents/{job_id}/result",
    name="document_result",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        **error_responses(401, 403, 404, 409, 503),
    },
)
async def document_result(job_id: str, request: Request, caller: Caller = V1_CALLER) -> Response:
    """The translated file, with its name (``Content-Disposition``, UTF-8 as RFC 5987 says);
    409 while the job is not done (or when it failed, with the reason)."""
    result = await server_jobs(request).result(job_id, access_of(caller, _secret(request)))
    headers = attachment_headers(result.filename)
    return Response(result.data, media_type=result.media_type, headers=headers)


@router.delete(
    "/v1/documents/{job_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 403, 404, 503),
)
async def delete_document(job_id: str, request: Request, caller: Caller = V1_CALLER) -> Response:
    await server_jobs(request).delete(job_id, access_of(caller, _secret(request)))
    return Response(status_code=204)


def job_request(form: FormData) -> JobRequest:
    """The upload's name, format and options, validated as ``/v1/translate/file``'s are."""
    upload = form_upload(form, "missing file: send it as the multipart field 'file'")
    body = v1_form_options(form)
    filename = upload.filename or ""
    return JobRequest(
        filename=filename,
        format_name=choose_format(filename, form_text(form, "format")),
        fields=tuple(form_list(form, "fields")),
        columns=tuple(form_list(form, "columns")),
        overwrite_targets=form_flag(form, "overwrite_targets"),
        glossary=dict(body.glossary),
        do_not_translate=tuple(body.do_not_translate),
        beam_size=body.beam_size,
    )


async def _file_bytes(form: FormData) -> bytes:
    upload = form_upload(form, "missing file: send it as the multipart field 'file'")
    return await upload.read()


def _path(request: Request, route: str, job_id: str) -> str:
    """A path on this server (never a host: a client's Host header may name any)."""
    root = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(route, job_id=job_id))


def _secret(request: Request) -> str | None:
    return request.headers.get(SECRET_HEADER) or request.query_params.get("secret")


def _status_fields(view: JobView) -> dict[str, Any]:
    total = view.segments_total
    return {
        "id": view.id,
        "status": view.status,
        "filename": view.filename,
        "result_filename": view.result_filename,
        "format": view.format,
        "segments": SegmentProgress(done=view.segments_done, total=total),
        "progress": round(view.segments_done / total, 4) if total else 0.0,
        "seconds_remaining": view.seconds_remaining,
        "flags": view.flags,
        "least_confident": [ReviewSegment(**item) for item in view.least_confident],
        "characters": view.characters,
        "created": _iso(view.created),
        "finished": _iso(view.finished) if view.finished is not None else None,
        "expires": _iso(view.expires),
        "error": view.error,
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
