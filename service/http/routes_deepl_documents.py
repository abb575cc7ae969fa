"""DeepL's document translation on thaimt's document jobs (``/v1/documents``: the same
formats, limits, charge and ownership), so ``translate_document`` of DeepL's clients works:

- ``POST /v2/document`` (multipart: ``file``, ``target_lang``, ...) → ``document_id`` and
  ``document_key`` (the job's id and its secret);
- ``POST|GET /v2/document/{document_id}`` with ``document_key`` → ``status`` queued,
  translating, done or error; ``seconds_remaining`` while translating, ``billed_characters``
  when done, ``error_message`` on error;
- ``POST /v2/document/{document_id}/result`` with ``document_key`` → the file. As DeepL does,
  a document is deleted as its result is sent (a second download is a 404).

The ``document_key`` is required and is what opens a document here (as the job's secret opens
a ``/v1`` job to whoever shows it): a wrong one is a 404, as for a document that never existed.
Refusals in DeepL's terms: a result asked for too early is a 503 (the clients'
``DocumentNotReadyException``), a full document store is a 456 (the key's quota).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.http.deepl_params import document_request, missing, string
from service.http.deepl_schemas import (
    DeepLDocumentHandle,
    DeepLDocumentKey,
    DeepLDocumentStatus,
    DeepLDocumentUpload,
    deepl_body,
    deepl_responses,
)
from service.http.documents import ServerJobs, server_jobs
from service.http.downloads import attachment_headers
from service.http.errors import ApiError
from service.http.glossary_terms import stored_terms
from service.http.params import read_form, read_params
from service.http.parsing import form_upload
from service.http.styles import DEEPL, QUOTA_EXCEEDED, route_class
from service.jobs import Access, JobRequest, JobView
from service.jobs.records import DONE, ERROR, FINISHED, TRANSLATING

router = APIRouter(tags=["deepl documents"], route_class=route_class(DEEPL))

NOT_READY_RETRY_S = 5  # DeepL's clients poll every 5 s
# A job refusal's native status -> DeepL's: not done yet (409) is DeepL's 503 "document not
# ready"; no room in the document store (507) is the key's quota (456).
DEEPL_STATUS = {409: 503, 507: QUOTA_EXCEEDED}
STATUS_DOC: dict[str, Any] = {
    "response_model": None,
    "responses": {200: {"model": DeepLDocumentStatus}, **deepl_responses(400, 403, 404)},
    "openapi_extra": deepl_body(DeepLDocumentKey, required=True),
}


@contextmanager
def in_deepl_terms() -> Iterator[None]:
    """A job refusal (:func:`service.http.documents.job_refusal`) with DeepL's status."""
    try:
        yield
    except ApiError as exc:
        status = DEEPL_STATUS.get(exc.status)
        if status is None:
            raise
        headers = {"Retry-After": str(NOT_READY_RETRY_S)} if status == 503 else exc.headers
        raise ApiError(status, exc.message, headers) from None


@router.post(
    "/v2/document",
    response_model=None,
    responses={
        200: {"model": DeepLDocumentHandle},
        **deepl_responses(400, 403, 404, 413, 429, 456),
    },
    openapi_extra=deepl_body(DeepLDocumentUpload, ("multipart/form-data",), required=True),
)
async def upload_document(request: Request) -> dict[str, str]:
    """A document job: the formats of ``/v1/documents``, its limits (``THAIMT_JOBS_*``: 413),
    its charge (the document's characters, at upload: 456 when the key's budget is spent)."""
    params, form = await read_form(request)
    try:
        caller = DEEPL.authenticate(request, params)
        jobs = server_jobs(request)
        upload = form_upload(form, "Parameter 'file' not specified.")
        asked = document_request(params, upload.filename)
        glossary, keep = await stored_terms(request, caller, asked.glossary_ids)
        job = JobRequest(
            filename=asked.filename,
            format_name=asked.format_name,
            glossary=glossary,
            do_not_translate=keep,
        )
        with in_deepl_terms():
            created = await jobs.accept(caller, job, await upload.read())
    finally:
        await form.close()
    return {"document_id": created.id, "document_key": created.secret}


@router.get("/v2/document/{document_id}", operation_id="deepl_document_get", **STATUS_DOC)
@router.post("/v2/document/{document_id}", operation_id="deepl_document_post", **STATUS_DOC)
async def document_status(document_id: str, request: Request, response: Response) -> dict[str, Any]:
    """While the document is not finished, the connection is closed after the answer: DeepL's
    clients ask again 5 s later, just when the server drops an idle connection
    (``THAIMT_KEEP_ALIVE_S``, 5), and a request sent on a connection being dropped is lost."""
    jobs, access = await _document(request)
    with in_deepl_terms():
        view = await jobs.status(document_id, access)
    if view.status not in FINISHED:
        response.headers["Connection"] = "close"
    return status_body(view)


@router.post(
    "/v2/document/{document_id}/result",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        **deepl_responses(400, 403, 404),
    },
    openapi_extra=deepl_body(DeepLDocumentKey, required=True),
)
async def document_result(document_id: str, request: Request) -> Response:
    """The translated file under its name; 503 until the status is done. The document is
    deleted as it is sent (DeepL's documents are downloaded once): whoever asks next, for its
    status or its result, is told there is no such document."""
    jobs, access = await _document(request)
    with in_deepl_terms():
        result = await jobs.result(document_id, access)
        await jobs.delete(document_id, access)
    return Response(
        result.data, media_type=result.media_type, headers=attachment_headers(result.filename)
    )


async def _document(request: Request) -> tuple[ServerJobs, Access]:
    """The jobs and who asks: the caller's key is checked, the ``document_key`` opens it."""
    params = await read_params(request)
    DEEPL.authenticate(request, params)
    jobs = server_jobs(request)
    key = string(params, "document_key")
    if key is None:
        raise missing("document_key")
    return jobs, Access(identity=None, secret=key)


def status_body(view: JobView) -> dict[str, Any]:
    body: dict[str, Any] = {"document_id": view.id, "status": view.status}
    if view.status == TRANSLATING and view.seconds_remaining is not None:
        body["seconds_remaining"] = max(0, round(view.seconds_remaining))
    if view.status == DONE:
        body["billed_characters"] = view.characters
    if view.status == ERROR:
        body["error_message"] = view.error or "the document could not be translated"
    return body
