"""DeepL's document status body and its refusals in DeepL's terms (the routes run against a
real server with the official client in tests/integration/server/test_deepl_clients.py)."""

from __future__ import annotations

import dataclasses

import pytest

from service.http.documents import job_refusal
from service.http.errors import ApiError
from service.http.routes_deepl_documents import in_deepl_terms, status_body
from service.jobs.errors import DocumentTooLarge, JobError, JobNotFound, JobNotReady, StorageFull
from service.jobs.records import JobView

VIEW = JobView(
    id="0" * 32,
    status="queued",
    filename="a.docx",
    result_filename="a_en.docx",
    format="docx",
    segments_done=0,
    segments_total=4,
    seconds_remaining=None,
    flags={},
    characters=120,
    created=0.0,
    finished=None,
    expires=60.0,
    error=None,
    least_confident=[],
)


@pytest.mark.parametrize(
    ("change", "body"),
    [
        ({}, {"status": "queued"}),
        ({"status": "translating", "seconds_remaining": 2.6}, {"status": "translating",
                                                               "seconds_remaining": 3}),
        ({"status": "translating"}, {"status": "translating"}),  # no estimate yet
        ({"status": "done"}, {"status": "done", "billed_characters": 120}),
        ({"status": "error", "error": "cannot rebuild"}, {"status": "error",
                                                         "error_message": "cannot rebuild"}),
    ],
)  # fmt: skip
def test_the_status_has_deepls_fields_for_each_state(change: dict, body: dict) -> None:
    view = dataclasses.replace(VIEW, **change)
    assert status_body(view) == {"document_id": VIEW.id, **body}


@pytest.mark.parametrize(
    ("refusal", "status", "retry"),
    [
        (JobNotReady("the job is translating"), 503, "5"),  # the clients' DocumentNotReady
        (StorageFull("your document storage is full"), 456, None),  # the key's quota
        (JobNotFound("no document job"), 404, None),
        (DocumentTooLarge("too many characters"), 413, None),
    ],
)
def test_job_refusals_in_deepls_terms(refusal: JobError, status: int, retry: str | None) -> None:
    with pytest.raises(ApiError) as answered, in_deepl_terms():
        raise job_refusal(refusal)
    assert answered.value.status == status and answered.value.message == str(refusal)
    assert (answered.value.headers or {}).get("Retry-After") == retry
