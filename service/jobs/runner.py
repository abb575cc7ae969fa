"""Running document jobs on one replica, and looking after the store.

**Which replica runs a job.** The one that took the upload (the job is created with its name
as ``runner``), ``THAIMT_JOBS_CONCURRENCY`` jobs at a time in the order they arrived. While it
lives, the replica renews its claim on each of its jobs every ``lease / 3`` seconds (the
heartbeat). A job whose replica has not renewed it for ``THAIMT_JOBS_LEASE_S`` (that replica
died), or that a replica gave back when it stopped (SIGTERM), is taken over by any replica with
a free slot, itself restarted included, and run again from its upload: the translation cache
(when on) makes the segments done before cheap. A job interrupted :data:`MAX_ATTEMPTS` times
fails instead of being tried forever. Taking a job is one atomic update of its record, so two
replicas never run the same job.

**Never half a file.** The result is written whole (to a temporary file, flushed, renamed) and
only then is the job marked done; a job that stops before that has no result at all.

**Looking after the store** (every ``lease / 3`` seconds, on every replica): jobs past their
expiry are removed with their files; job folders with no record are removed once they are
older than the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from service.jobs.errors import JobError, StoreUnavailable
from service.jobs.index import JobIndex
from service.jobs.records import DONE, ERROR, FINISHED, QUEUED, TRANSLATING, JobRecord
from service.jobs.storage import RESULT, UPLOAD, JobFiles
from service.jobs.work import JobOutput, open_document, translate_document
from service.pipeline import TranslateOptions
from service.testhold import hold_for_tests_async
from service.workflow import Chunking, Tally

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine
    from service.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
TEST_HOLD = "THAIMT_TEST_JOB_HOLD"  # tests: hold a job before each chunk (service/testhold.py)
INTERNAL = "internal error: the translation failed; see the server log"

# One run's work, given the engine and the batcher.
JobWork = Callable[["Engine", "Batcher"], Awaitable[JobOutput]]
# How a run's work is executed: directly (the default), or through the server's request
# lifecycle (readiness, a timeout, the character count and refunds: service/http/jobs.py).
Execute = Callable[[JobRecord, JobWork], Awaitable[JobOutput]]


class LostJob(Exception):
    """The job was deleted, or another replica took it over: this run stops."""


class JobRunner:
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
        self.name = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"
        self.execute: Execute = self._direct
        self.running: dict[str, asyncio.Task[None]] = {}
        self._engine: Engine | None = None
        self._batcher: Batcher | None = None
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._warned = False

    @property
    def period_s(self) -> float:
        return max(0.05, self.settings.jobs_lease_s / 3)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, engine: Engine, batcher: Batcher) -> None:
        """Begin running jobs (once the model is ready)."""
        self._engine, self._batcher = engine, batcher
        self._wake = asyncio.Event()
        self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="jobs")

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """Stop every run and give its job back (queued, no runner): a restarted server, or
        another replica, takes it at once."""
        self._stopping = True
        self.wake()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        names = list(self.running)
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        for job_id in names:
            with contextlib.suppress(JobError, OSError):
                await asyncio.to_thread(self.index.update, job_id, self._given_back)

    def _given_back(self, record: JobRecord) -> JobRecord | None:
        if record.runner != self.name or record.status in FINISHED:
            return None
        return dataclasses.replace(record, status=QUEUED, runner=None, heartbeat=0.0)

    def cancel(self, job_id: str) -> None:
        task = self.running.get(job_id)
        if task is not None:
            task.cancel()

    # -- the loop ----------------------------------------------------------------------------

    async def _loop(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            try:
                await self._tick()
                self._warned = False
            except (JobError, OSError) as exc:
                if not self._warned:  # once per outage, not every tick
                    log.warning("document jobs: %s", exc)
                    self._warned = True
            except Exception:
                log.exception("document jobs: the runner's loop failed; trying again")
            if self._stopping:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.period_s):
                    await self._wake.wait()

    async def _tick(self) -> None:
        records = await asyncio.to_thread(self.index.all)
        now = self.clock()
        live = []
        for record in records:
            if record.expired(now, self.settings.jobs_lease_s):
                await self._expire(record)
            else:
                live.append(record)
        await self._renew(live, now)
        for record in self._candidates(live, now):
            if len(self.running) >= self.settings.jobs_concurrency:
                break
            claimed = await asyncio.to_thread(self.index.update, record.id, self._claim)
            if claimed is not None and claimed.status == TRANSLATING:
                self._launch(claimed)
        await asyncio.to_thread(self._remove_strays, {r.id for r in records}, now)

    async def _expire(self, record: JobRecord) -> None:
        self.cancel(record.id)
        await asyncio.to_thread(self.index.delete, record.id)
        await asyncio.to_thread(self.files.remove, record.id)

    async def _renew(self, live: list[JobRecord], now: float) -> None:
        """The heartbeat: this replica still runs (or will run) each of its jobs."""
        for record in live:
            if record.runner == self.name and record.status not in FINISHED:
                await asyncio.to_thread(self.index.update, record.id, self._heartbeat)

    def _heartbeat(self, record: JobRecord) -> JobRecord | None:
        if record.runner != self.name or record.status in FINISHED:
            return None
        now = self.clock()
        expires = max(record.expires, now + self.settings.jobs_ttl_s)
        return dataclasses.replace(record, heartbeat=now, expires=expires)

    def _candidates(self, live: list[JobRecord], now: float) -> list[JobRecord]:
        """Unfinished jobs this replica may start: its own waiting ones first, then those no
        replica holds (given back, or whose replica died), oldest first."""
        mine = [
            r
            for r in live
            if r.runner == self.name and r.status == QUEUED and r.id not in self.running
        ]
        free = [r for r in live if r.runner != self.name and self._claimable(r, now)]
        return sorted(mine, key=lambda r: r.created) + sorted(free, key=lambda r: r.created)

    def _claimable(self, record: JobRecord, now: float) -> bool:
        if record.status in FINISHED or record.id in self.running:
            return False
        return record.runner is None or record.heartbeat < now - self.settings.jobs_lease_s

    def _claim(self, record: JobRecord) -> JobRecord | None:
        """This replica starts ``record`` (a new run from the upload), or fails it for good."""
        now = self.clock()
        mine = record.runner == self.name and record.status == QUEUED
        if not mine and not self._claimable(record, now):
            return None  # taken meanwhile
        if record.attempts >= MAX_ATTEMPTS:
            message = f"the job was interrupted {record.attempts} times; giving up"
            return self._failed(record, message, now)
        return dataclasses.replace(
            record,
            status=TRANSLATING,
            runner=self.name,
            heartbeat=now,
            started=now,
            attempts=record.attempts + 1,
            segments_done=0,
            segments_total=0,
            done_at_start=0,
        )

    def _failed(self, record: JobRecord, message: str, now: float) -> JobRecord:
        return dataclasses.replace(
            record,
            status=ERROR,
            error=message,
            finished=now,
            expires=now + self.settings.jobs_ttl_s,
            runner=None,
            result_bytes=0,
        )

    def _remove_strays(self, known: set[str], now: float) -> None:
        """Folders whose record is gone (deleted or expired while their run wrote a file)."""
        for job_id in self.files.job_ids():
            if job_id in known or job_id in self.running:
                continue
            with contextlib.suppress(OSError):
                age = now - self.files.folder(job_id).stat().st_mtime
                if age > self.settings.jobs_lease_s:
                    self.files.remove(job_id)

    # -- one run -----------------------------------------------------------------------------

    def _launch(self, record: JobRecord) -> None:
        task = asyncio.get_running_loop().create_task(self._run(record), name=f"job {record.id}")
        self.running[record.id] = task
        task.add_done_callback(lambda _task: self._ended(record.id))

    def _ended(self, job_id: str) -> None:
        self.running.pop(job_id, None)
        self.wake()  # a free slot: the next job may start

    async def _run(self, record: JobRecord) -> None:
        try:
            output = await self._translate(record)
            await asyncio.to_thread(self.files.write, record.id, RESULT, output.data)
            done = await asyncio.to_thread(
                self.index.update, record.id, lambda r: self._done(r, output)
            )
            if done is None:
                raise LostJob()
            log.info("document job %s done (%d segments)", record.id, done.segments_total)
        except (LostJob, asyncio.CancelledError):
            return
        except JobError as exc:
            await self._fail(record.id, str(exc))
        except Exception:
            log.exception("document job %s failed", record.id)
            await self._fail(record.id, INTERNAL)

    async def _direct(self, record: JobRecord, work: JobWork) -> JobOutput:
        assert self._engine is not None and self._batcher is not None
        return await work(self._engine, self._batcher)

    async def _translate(self, record: JobRecord) -> JobOutput:
        data = await asyncio.to_thread(self.files.read, record.id, UPLOAD)
        if data is None:
            raise JobError(
                "the upload is missing: THAIMT_JOBS_DIR must be one folder shared by every "
                "replica that shares THAIMT_REDIS_URL"
            )
        limits = self.settings.document_limits
        opened = await asyncio.to_thread(open_document, record.request, data, limits)
        tally = Tally(changed=lambda t: self._progress(record.id, t))
        chunking = Chunking(
            size=self.settings.jobs_chunk_segments,
            before=lambda number: hold_for_tests_async(TEST_HOLD, number),
        )
        options = self.options(record)

        def work(engine: Engine, batcher: Batcher) -> Awaitable[JobOutput]:
            return translate_document(engine, batcher, opened, options, tally, chunking)

        return await self.execute(record, work)

    def options(self, record: JobRecord) -> TranslateOptions:
        request = record.request
        return TranslateOptions(
            glossary=dict(request.glossary),
            do_not_translate=request.do_not_translate,
            decode=self.settings.decode_options(request.beam_size),
        )

    async def _progress(self, job_id: str, tally: Tally) -> None:
        def change(record: JobRecord) -> JobRecord | None:
            if record.runner != self.name or record.status != TRANSLATING:
                return None
            first = record.segments_total == 0  # the cache hits of this run are its start
            return dataclasses.replace(
                record,
                segments_total=tally.total,
                segments_done=tally.done,
                done_at_start=tally.done if first else record.done_at_start,
                heartbeat=self.clock(),
            )

        if await asyncio.to_thread(self.index.update, job_id, change) is None:
            raise LostJob()

    def _done(self, record: JobRecord, output: JobOutput) -> JobRecord | None:
        if record.runner != self.name or record.status != TRANSLATING:
            return None
        now = self.clock()
        return dataclasses.replace(
            record,
            status=DONE,
            finished=now,
            expires=now + self.settings.jobs_ttl_s,
            segments_done=record.segments_total,
            flags=output.flags,
            least_confident=output.least_confident,
            result_bytes=len(output.data),
            runner=None,
        )

    async def _fail(self, job_id: str, message: str) -> None:
        def change(record: JobRecord) -> JobRecord | None:
            if record.runner != self.name or record.status in FINISHED:
                return None
            return self._failed(record, message, self.clock())

        try:
            await asyncio.to_thread(self.index.update, job_id, change)
        except (StoreUnavailable, OSError):
            log.warning("document job %s failed and cannot be marked so now", job_id)
