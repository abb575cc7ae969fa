"""Document jobs for any front end (``/v1/documents``, DeepL's ``/v2/document``, the page):
open an upload, create a job for a caller, its status, its result, delete it. Nothing here
speaks HTTP: refusals are :mod:`service.jobs.errors`, which each API style answers its way.

**Who may see a job.** The caller who created it (the same identity: its API key, or its
client address on a server without keys), or anyone who shows the job's secret (given once,
when the job is created). Anyone else is told there is no such job, as for an id that never
existed.

**Disk.** Uploads and results count against ``THAIMT_JOBS_MAX_BYTES`` in all and
``THAIMT_JOBS_MAX_BYTES_PER_KEY`` per caller; a new job reserves twice its upload (the upload
and a result about as large; the result's real size replaces the estimate when it is written).
Without room the upload is refused (:class:`StorageFull`, a 507) before anything is written.
Finished jobs are removed ``THAIMT_JOBS_TTL_S`` after they finish (and their space with them),
or when deleted.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.jobs.errors import DocumentTooLarge, JobNotFound, JobNotReady, StorageFull
from service.jobs.index import FileIndex, JobIndex, RedisIndex
from service.jobs.records import (
    DONE,
    ERROR,
    JobRecord,
    JobRequest,
    JobView,
    digest,
    is_job_id,
)
from service.jobs.runner import JobRunner
from service.jobs.storage import RESULT, UPLOAD, JobFiles
from service.jobs.work import media_type, open_document, result_name

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine
    from service.settings import Settings
    from service.state.redis_link import RedisLink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Access:
    """Who asks about a job: the caller's identity, and the job's secret if it gave one."""

    identity: str | None
    secret: str | None = None


@dataclass(frozen=True)
class Upload:
    """A document that was read and can become a job."""

    request: JobRequest
    data: bytes
    characters: int  # to translate, terms included: what the job is charged
    result_name: str
    media_type: str


@dataclass(frozen=True)
class Created:
    id: str
    secret: str  # shown once; only its digest is kept
    view: JobView


@dataclass(frozen=True)
class JobResult:
    filename: str
    media_type: str
    data: bytes


class DocumentJobs:
    def __init__(
        self,
        settings: Settings,
        index: JobIndex,
        files: JobFiles,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.index = index
        self.files = files
        self.clock = clock
        self.runner = JobRunner(settings, index, files, clock)
        self._creating = asyncio.Lock()  # a quota check and its record, one upload at a time

    @classmethod
    def from_settings(cls, settings: Settings, redis: RedisLink | None) -> DocumentJobs:
        """Records in Redis when it is configured (every replica sees every job), else on
        disk next to the files."""
        files = JobFiles(settings.jobs_dir)
        index: JobIndex = RedisIndex(redis) if redis is not None else FileIndex(files)
        return cls(settings, index, files)

    def start(self, engine: Engine, batcher: Batcher) -> None:
        self.settings.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.runner.start(engine, batcher)

    async def stop(self) -> None:
        await self.runner.stop()

    # -- creating ----------------------------------------------------------------------------

    async def open(self, request: JobRequest, data: bytes) -> Upload:
        """Read the upload now, so a file that cannot be translated is refused at once
        (BadDocument, DocumentTooLarge) rather than failing later as a job."""
        limit = self.settings.jobs_max_upload_bytes
        if len(data) > limit:
            raise DocumentTooLarge(
                f"the file has {len(data)} bytes, the limit is {limit} "
                "(THAIMT_JOBS_MAX_UPLOAD_BYTES)"
            )
        limits = self.settings.document_limits
        opened = await asyncio.to_thread(open_document, request, data, limits)
        characters = opened.characters + request.term_chars
        if characters > self.settings.jobs_max_chars:
            raise DocumentTooLarge(
                f"too many characters: the file has {characters} to translate, the limit is "
                f"{self.settings.jobs_max_chars} per document (THAIMT_JOBS_MAX_CHARS)"
            )
        name = result_name(request, opened)
        return Upload(request, data, characters, name, media_type(name))

    async def create(self, identity: str, upload: Upload) -> Created:
        """A job for ``identity`` (StorageFull when the quota has no room); it starts when
        this replica has a free slot."""
        job_id, secret = secrets.token_hex(16), secrets.token_urlsafe(24)
        now = self.clock()
        record = JobRecord(
            id=job_id,
            owner=digest(identity),
            secret=digest(secret),
            request=upload.request,
            created=now,
            expires=now + self.settings.jobs_ttl_s,
            characters=upload.characters,
            upload_bytes=len(upload.data),
            result_bytes=len(upload.data),  # the estimate until the result is written
            result_name=upload.result_name,
            media_type=upload.media_type,
            runner=self.runner.name,
            heartbeat=now,
        )
        async with self._creating:  # the upload is on disk before any runner sees the job
            await asyncio.to_thread(self._check_room, record)
            try:
                await asyncio.to_thread(self.files.write, job_id, UPLOAD, upload.data)
                await asyncio.to_thread(self.index.put, record)
            except BaseException:
                await asyncio.to_thread(self._forget, job_id)
                raise
        self.runner.wake()
        return Created(job_id, secret, JobView.of(record, now))

    def _check_room(self, record: JobRecord) -> None:
        now = self.clock()
        lease = self.settings.jobs_lease_s
        records = [r for r in self.index.all() if not r.expired(now, lease)]
        need = record.disk_bytes
        used = sum(r.disk_bytes for r in records)
        mine = sum(r.disk_bytes for r in records if r.owner == record.owner)
        per_key, total = self.settings.jobs_max_bytes_per_key, self.settings.jobs_max_bytes
        advice = "delete finished jobs (DELETE /v1/documents/{id}) or wait until they expire"
        if mine + need > per_key:
            raise StorageFull(
                f"your document storage is full: {mine} of {per_key} bytes used, this upload "
                f"needs {need} (upload and result); {advice}"
            )
        if used + need > total:
            raise StorageFull(
                f"the server's document storage is full: {used} of {total} bytes used, this "
                f"upload needs {need}; retry later"
            )

    def _forget(self, job_id: str) -> None:
        self.index.delete(job_id)
        self.files.remove(job_id)

    # -- asking about a job --------------------------------------------------------------------

    async def record(self, job_id: str, access: Access) -> JobRecord:
        """The job, if ``access`` may see it (JobNotFound otherwise: never made, expired,
        deleted, or someone else's)."""
        record = await asyncio.to_thread(self.index.get, job_id) if is_job_id(job_id) else None
        lease = self.settings.jobs_lease_s
        if record is None or record.expired(self.clock(), lease) or not _allowed(record, access):
            raise JobNotFound(
                f"no document job {job_id!r} (it never existed, expired, or is not yours)"
            )
        return record

    async def status(self, job_id: str, access: Access) -> JobView:
        return JobView.of(await self.record(job_id, access), self.clock())

    async def result(self, job_id: str, access: Access) -> JobResult:
        record = await self.record(job_id, access)
        if record.status == ERROR:
            raise JobNotReady(f"the job failed: {record.error}")
        if record.status != DONE:
            raise JobNotReady(
                f"the job is {record.status} ({record.segments_done} of "
                f"{record.segments_total} segments done); ask for the result once its status "
                "is done"
            )
        data = await asyncio.to_thread(self.files.read, job_id, RESULT)
        if data is None:
            raise JobNotFound(
                f"the result of job {job_id!r} is not on this replica's disk: THAIMT_JOBS_DIR "
                "must be one folder shared by every replica"
            )
        return JobResult(record.result_name, record.media_type, data)

    async def delete(self, job_id: str, access: Access) -> JobView:
        """Stop the job if it runs here (another replica's run stops at its next progress
        update), forget it and remove its files; its last status."""
        record = await self.record(job_id, access)
        self.runner.cancel(job_id)
        await asyncio.to_thread(self._forget, job_id)
        return JobView.of(record, self.clock())


def _allowed(record: JobRecord, access: Access) -> bool:
    if access.identity is not None and hmac.compare_digest(record.owner, digest(access.identity)):
        return True
    return access.secret is not None and hmac.compare_digest(record.secret, digest(access.secret))
