"""Document jobs on the server: :mod:`service.jobs` joined to the one request lifecycle, for
every front end that takes documents (``/v1/documents``, DeepL's ``/v2/document``, the page).

- :meth:`ServerJobs.accept` — a caller's upload becomes a job: the server is ready (503), the
  file reads as its format (400; 413 over the job limits), the caller's character budget is
  charged (``lifecycle.charge``: 413, 429, 503), the job is created (507 when the disk quota
  has no room, and then the charge is refunded).
- :meth:`ServerJobs.execute` — how the runner runs a job: ``lifecycle.run_job`` with the
  receipt taken at upload (ready, a timeout of ``THAIMT_JOBS_TIMEOUT_S``, the characters
  counted, the charge refunded when the server fails the job). A job that fails for its
  document (it cannot be rebuilt) is refunded too: the caller gets nothing for it.
- :meth:`ServerJobs.delete` — a job deleted before it is done is refunded.

A receipt lives in the process that took the upload: a job run again after a restart (or by
another replica) is not charged again, and cannot be refunded any more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request

from service.http import lifecycle
from service.http.auth import Caller
from service.http.errors import ApiError
from service.http.lifecycle import Receipt, refund, run_job, serving
from service.http.state import get_state
from service.jobs import (
    Access,
    Created,
    DocumentJobs,
    JobError,
    JobRequest,
    JobResult,
    JobView,
)
from service.jobs.records import DONE, JobRecord
from service.jobs.runner import JobWork
from service.jobs.work import JobOutput

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine
    from service.http.state import ServerState

RETRY_S = 5


def job_refusal(exc: JobError) -> ApiError:
    """A job refusal in the native API's terms (its status; 503 with ``Retry-After``)."""
    headers = {"Retry-After": str(RETRY_S)} if exc.status == 503 else None
    return ApiError(exc.status, str(exc), headers)


@dataclass
class ServerJobs:
    state: ServerState
    jobs: DocumentJobs
    receipts: dict[str, Receipt] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.jobs.runner.execute = self.execute

    async def accept(self, caller: Caller, request: JobRequest, data: bytes) -> Created:
        serving(self.state)
        try:
            upload = await self.jobs.open(request, data)
        except JobError as exc:
            raise job_refusal(exc) from None
        receipt = await lifecycle.charge(self.state, caller, upload.characters)  # the one charge
        try:
            created = await self.jobs.create(caller.identity, upload)
        except JobError as exc:
            await refund(receipt)
            raise job_refusal(exc) from None
        except BaseException:
            await refund(receipt)
            raise
        self.receipts[created.id] = receipt
        return created

    async def execute(self, record: JobRecord, work: JobWork) -> JobOutput:
        # Kept until the run ends: a job deleted while it runs is refunded by the delete.
        receipt = self.receipts.get(record.id) or Receipt(None, None, record.characters)

        async def answered(engine: Engine, batcher: Batcher) -> JobOutput | JobError:
            try:
                return await work(engine, batcher)
            except JobError as exc:  # the document's fault, not the server's: said as it is
                return exc

        timeout = self.state.settings.jobs_timeout_s
        try:
            served = await run_job(self.state, receipt, answered, timeout)
        except ApiError as exc:  # the server failed it (refunded): the reason, for the status
            self.receipts.pop(record.id, None)
            raise JobError(exc.message) from None
        self.receipts.pop(record.id, None)
        if isinstance(served.value, JobError):
            await refund(receipt)
            raise served.value
        return served.value

    async def status(self, job_id: str, access: Access) -> JobView:
        try:
            return await self.jobs.status(job_id, access)
        except JobError as exc:
            raise job_refusal(exc) from None

    async def result(self, job_id: str, access: Access) -> JobResult:
        try:
            return await self.jobs.result(job_id, access)
        except JobError as exc:
            raise job_refusal(exc) from None

    async def delete(self, job_id: str, access: Access) -> JobView:
        try:
            view = await self.jobs.delete(job_id, access)
        except JobError as exc:
            raise job_refusal(exc) from None
        receipt = self.receipts.pop(job_id, None)
        if receipt is not None and view.status != DONE:
            await refund(receipt)
        return view


def server_jobs(request: Request) -> ServerJobs:
    """The server's document jobs, for a route of any API style (403 with file translation
    turned off, 503 before the jobs have started)."""
    state = get_state(request)
    if not state.settings.files_translation:
        raise ApiError(403, "file translation is turned off (THAIMT_FILES_TRANSLATION=false)")
    if not isinstance(state.documents, ServerJobs):
        raise ApiError(503, "document jobs are not available on this server yet")
    return state.documents


def access_of(caller: Caller, secret: str | None) -> Access:
    return Access(caller.identity, secret or None)
