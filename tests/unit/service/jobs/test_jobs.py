"""Document jobs through their Python API (no HTTP): the real engine (tiny model) and batcher,
the job store on disk in a temporary folder. Waiting is on conditions (a job's status), never
on a duration; expiry uses a clock the test moves."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import docx
import pytest

from service.batching import Batcher, BatcherConfig
from service.engine import Engine
from service.jobs import (
    Access,
    BadDocument,
    DocumentJobs,
    DocumentTooLarge,
    JobNotFound,
    JobNotReady,
    JobRequest,
    StorageFull,
)
from service.jobs.index import FileIndex
from service.jobs.records import DONE, ERROR, TRANSLATING, JobRecord, digest
from service.jobs.storage import RESULT, UPLOAD, JobFiles
from service.settings import Settings

PARAGRAPHS = [
    "อาลีบาบา เปิด Startup Digital Hub CLMVT ที่กรุงเทพ",
    "นาง Ms. Angel Zhao กล่าวว่าโครงการนี้ช่วยธุรกิจไทย",
    "ราคา 1250 บาท ใน EEC",
    "ผู้ประกอบการไทยจะได้รับการสนับสนุน",
]


def make_docx(paragraphs: list[str] = PARAGRAPHS) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset


def settings(root: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "jobs_dir": root,
        "jobs_lease_s": 0.3,
        "jobs_chunk_segments": 2,
        "forced_output_tokens": 4,
        **overrides,
    }
    return Settings(**values)


Scenario = Callable[[DocumentJobs], Awaitable[None]]


def run_with_jobs(
    engine: Engine, config: Settings, scenario: Scenario, clock: Clock | None = None
) -> DocumentJobs:
    """A batcher and the jobs' runner around ``scenario``, stopped after it."""
    files = JobFiles(config.jobs_dir)
    jobs = DocumentJobs(config, FileIndex(files), files, clock or Clock())

    async def main() -> None:
        batcher = Batcher(engine, BatcherConfig(max_batch_size=4, max_wait_ms=0))
        batcher.start()
        jobs.start(engine, batcher)
        try:
            await scenario(jobs)
        finally:
            await jobs.stop()
            await batcher.stop()

    asyncio.run(main())
    return jobs


async def finished(jobs: DocumentJobs, job_id: str, access: Access) -> str:
    for _ in range(6000):  # a bound on a hang only; the condition decides
        status = (await jobs.status(job_id, access)).status
        if status in (DONE, ERROR):
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("the job never finished")


def request(name: str = "report.docx", **fields: Any) -> JobRequest:
    return JobRequest(filename=name, format_name=name.rsplit(".", 1)[1], **fields)


OWNER = Access("key:owner")


def test_a_job_runs_to_a_whole_translated_file(tiny_engine: Engine, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    async def scenario(jobs: DocumentJobs) -> None:
        created = await jobs.create("key:owner", await jobs.open(request(), make_docx()))
        assert created.view.status == "queued" and created.view.result_filename == "report_en.docx"
        while (view := await jobs.status(created.id, OWNER)).status not in (DONE, ERROR):
            if view.status == TRANSLATING and view.segments_total:
                seen.append((view.segments_done, view.segments_total))
            await asyncio.sleep(0.005)
        assert view.status == DONE and view.segments_done == view.segments_total > 0
        assert view.seconds_remaining == 0.0
        review = [item["confidence"] for item in view.least_confident]  # what to check first
        assert 0 < len(review) <= 10 and review == sorted(review)
        assert all(0 <= c <= 1 for c in review)
        assert all(i["source"] and i["target"] for i in view.least_confident)
        result = await jobs.result(created.id, OWNER)
        assert result.filename == "report_en.docx"
        texts = [p.text for p in docx.Document(io.BytesIO(result.data)).paragraphs]
        assert len(texts) == len(PARAGRAPHS) and texts != PARAGRAPHS
        for term in ("Startup Digital Hub CLMVT", "Ms. Angel Zhao", "EEC"):
            assert any(term in t for t in texts)

    run_with_jobs(tiny_engine, settings(tmp_path), scenario)
    assert seen == sorted(seen)  # progress only rises


def test_only_the_owner_or_the_secret_reads_a_job(tiny_engine: Engine, tmp_path: Path) -> None:
    async def scenario(jobs: DocumentJobs) -> None:
        created = await jobs.create("key:owner", await jobs.open(request(), make_docx()))
        assert await finished(jobs, created.id, OWNER) == DONE
        stranger = Access("key:stranger")
        for call in (jobs.status, jobs.result, jobs.delete):
            with pytest.raises(JobNotFound):
                await call(created.id, stranger)
            with pytest.raises(JobNotFound):
                await call(created.id, Access("key:stranger", "a guessed secret"))
        with pytest.raises(JobNotFound):
            await jobs.status("../../etc/passwd", OWNER)
        with_secret = Access("key:stranger", created.secret)
        assert (await jobs.result(created.id, with_secret)).data
        await jobs.delete(created.id, with_secret)
        with pytest.raises(JobNotFound):
            await jobs.status(created.id, OWNER)
        assert not (tmp_path / created.id).exists()

    run_with_jobs(tiny_engine, settings(tmp_path), scenario)


def test_bad_and_too_large_uploads_are_refused_before_a_job_exists(
    tiny_engine: Engine, tmp_path: Path
) -> None:
    async def scenario(jobs: DocumentJobs) -> None:
        with pytest.raises(BadDocument, match=r"cannot read report\.docx as docx"):
            await jobs.open(request(), b"<html>not a docx</html>")
        with pytest.raises(DocumentTooLarge, match="THAIMT_JOBS_MAX_UPLOAD_BYTES"):
            await jobs.open(request("a.txt"), b"x" * 2001)
        with pytest.raises(DocumentTooLarge, match="THAIMT_JOBS_MAX_CHARS"):
            await jobs.open(request("a.txt"), "ไทย".encode() * 200)
        assert not list(tmp_path.iterdir())

    config = settings(tmp_path, jobs_max_upload_bytes=2000, jobs_max_chars=500)
    run_with_jobs(tiny_engine, config, scenario)


def test_the_quota_per_key_and_in_all_then_room_again_after_a_delete(
    tiny_engine: Engine, tmp_path: Path
) -> None:
    data = make_docx()
    # Each job reserves twice its upload: two jobs fit a key, three fit the server.
    config = settings(
        tmp_path, jobs_max_bytes_per_key=4 * len(data) + 10, jobs_max_bytes=6 * len(data) + 10
    )

    async def scenario(jobs: DocumentJobs) -> None:
        upload = await jobs.open(request(), data)
        first = await jobs.create("key:a", upload)
        await jobs.create("key:a", upload)
        with pytest.raises(StorageFull, match="your document storage is full"):
            await jobs.create("key:a", upload)
        await jobs.create("key:b", upload)
        with pytest.raises(StorageFull, match="the server's document storage is full"):
            await jobs.create("key:b", upload)
        await jobs.delete(first.id, Access("key:a"))
        await jobs.create("key:a", upload)

    run_with_jobs(tiny_engine, config, scenario)


def test_results_expire_with_their_files(tiny_engine: Engine, tmp_path: Path) -> None:
    clock = Clock()

    async def scenario(jobs: DocumentJobs) -> None:
        created = await jobs.create("key:owner", await jobs.open(request(), make_docx()))
        assert await finished(jobs, created.id, OWNER) == DONE
        clock.offset = 120.0  # past the 60 s the results are kept
        with pytest.raises(JobNotFound):
            await jobs.result(created.id, OWNER)
        jobs.runner.wake()
        for _ in range(3000):
            if not (tmp_path / created.id).exists():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the expired job's files were never removed")

    run_with_jobs(tiny_engine, settings(tmp_path, jobs_ttl_s=60), scenario, clock)


def _stranded(tmp_path: Path, data: bytes, attempts: int) -> str:
    """A job left by a replica that died mid-run (its heartbeat long gone)."""
    job_id = "ab" * 16
    files = JobFiles(tmp_path)
    record = JobRecord(
        job_id, digest("o"), "s", request(), created=1.0, expires=9e12, characters=10,
        upload_bytes=len(data), result_name="report_en.docx", media_type="x",
        status=TRANSLATING, runner="dead:1", heartbeat=1.0, attempts=attempts,
        segments_done=3, segments_total=9,
    )  # fmt: skip
    FileIndex(files).put(record)
    files.write(job_id, UPLOAD, data)
    return job_id


def test_a_job_whose_replica_died_is_taken_over_and_run_again(
    tiny_engine: Engine, tmp_path: Path
) -> None:
    job_id = _stranded(tmp_path, make_docx(), attempts=1)
    access = Access("o")

    async def scenario(jobs: DocumentJobs) -> None:
        assert await finished(jobs, job_id, access) == DONE
        record = await jobs.record(job_id, access)
        assert record.attempts == 2 and record.runner is None

    run_with_jobs(tiny_engine, settings(tmp_path), scenario)
    assert JobFiles(tmp_path).read(job_id, RESULT)


def test_a_job_interrupted_too_often_fails_and_serves_no_half_file(
    tiny_engine: Engine, tmp_path: Path
) -> None:
    job_id = _stranded(tmp_path, make_docx(), attempts=3)

    async def scenario(jobs: DocumentJobs) -> None:
        assert await finished(jobs, job_id, Access("o")) == ERROR
        view = await jobs.status(job_id, Access("o"))
        assert view.error is not None and "interrupted 3 times" in view.error
        with pytest.raises(JobNotReady, match="the job failed"):
            await jobs.result(job_id, Access("o"))

    run_with_jobs(tiny_engine, settings(tmp_path), scenario)
    assert JobFiles(tmp_path).read(job_id, RESULT) is None


def test_a_job_that_fails_says_why_and_its_execution_is_the_front_ends(
    tiny_engine: Engine, tmp_path: Path
) -> None:
    executed: list[str] = []

    async def scenario(jobs: DocumentJobs) -> None:
        direct = jobs.runner.execute

        async def execute(record: JobRecord, work: Any) -> Any:
            executed.append(record.id)  # the server runs it through its request lifecycle
            return await direct(record, work)

        jobs.runner.execute = execute
        upload = await jobs.open(request(), make_docx())
        broken = dataclasses.replace(upload, data=b"PK\x03\x04 truncated")  # lost after reading
        created = await jobs.create("key:owner", broken)
        assert await finished(jobs, created.id, OWNER) == ERROR
        view = await jobs.status(created.id, OWNER)
        assert view.error is not None and view.error.startswith("cannot read report.docx")
        good = await jobs.create("key:owner", upload)
        assert await finished(jobs, good.id, OWNER) == DONE
        assert executed == [good.id]  # the broken upload failed before its work began

    run_with_jobs(tiny_engine, settings(tmp_path), scenario)
