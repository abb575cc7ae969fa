"""Document jobs against real servers on the tiny model (issue 20's acceptance): upload →
progress rises → result; a sentence sent while a job runs goes into the next batch, ahead of
the job's queued segments (an order in a log of model calls, not a time); key A cannot see key
B's job; the disk quota and the expiry hold; SIGTERM and SIGKILL mid-job, then a restart: the
job resumes to a whole result.

Where a job must be caught mid-way the server is held at a gate the test opens
(``THAIMT_TEST_JOB_HOLD``: before each chunk of a job's segments; service/testhold.py), or its
model is held (heldserver.py). Nothing waits on a duration: every wait is for a condition.
"""

from __future__ import annotations

import base64
import io
import json
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from heldserver import held_server
from serverkit import Server, launch

from tests.conftest import EXAMPLE_PAGE

pytestmark = pytest.mark.slow  # real servers, restarted
KEY_A, KEY_B, KEY_C = "k-jobs-a", "k-jobs-b", "k-jobs-c"
TERMS = ("Startup Digital Hub CLMVT", "Ms. Angel Zhao", "Alibaba")
CHUNK = 4  # segments a job queues at a time (THAIMT_JOBS_CHUNK_SEGMENTS)
WAIT_S = 300  # ends a hang only


def example_docx() -> tuple[bytes, list[str]]:
    """The seed page as a Word file, one paragraph per non-empty line."""
    lines = [ln for ln in EXAMPLE_PAGE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), lines


def flores_docx(start: int, count: int) -> tuple[bytes, list[str]]:
    """FLORES-200 Thai devtest sentences ``start``.. as paragraphs: text no other test of this
    module translates (so no cache holds it)."""
    from bench.inputs import bench_sentences

    lines = bench_sentences()[start : start + count]
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), lines


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while not (value := condition()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return value


class Jobs:
    """The document job API of one server, as one key."""

    def __init__(self, server: Server, key: str) -> None:
        self.server, self.headers = server, {"X-API-Key": key}

    def create(self, data: bytes, name: str = "report.docx") -> httpx.Response:
        files = {"file": (name, data)}
        return self.server.client.post("/v1/documents", files=files, headers=self.headers)

    def status(self, job_id: str) -> httpx.Response:
        return self.server.client.get(f"/v1/documents/{job_id}", headers=self.headers)

    def result(self, job_id: str) -> httpx.Response:
        return self.server.client.get(f"/v1/documents/{job_id}/result", headers=self.headers)

    def delete(self, job_id: str) -> httpx.Response:
        return self.server.client.delete(f"/v1/documents/{job_id}", headers=self.headers)

    def done(self, job_id: str) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            body: dict[str, Any] = self.status(job_id).json()
            return body if body["status"] in ("done", "error") else None

        return until(finished, f"job {job_id} finished")  # type: ignore[no-any-return]

    def progress(self, job_id: str) -> tuple[int, int]:
        segments = self.status(job_id).json()["segments"]
        return segments["done"], segments["total"]


class Gate:
    """THAIMT_TEST_JOB_HOLD's folder: a job waits before chunk ``n`` until ``go-n`` (or
    ``go``) exists."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self, number: int | None = None) -> None:
        (self.folder / ("go" if number is None else f"go-{number}")).touch()

    def close(self) -> None:
        for gate in [*self.folder.glob("go*"), *self.folder.glob("held-*")]:
            gate.unlink()

    def held(self, pid: int, number: int) -> bool:
        return (self.folder / f"held-{pid}-{number}").exists()


def server_env(root: Path, **extra: str) -> dict[str, str]:
    return {
        "THAIMT_API_KEYS": json.dumps([KEY_A, KEY_B]),
        "THAIMT_JOBS_DIR": str(root / "jobs"),
        "THAIMT_JOBS_CHUNK_SEGMENTS": str(CHUNK),
        "THAIMT_JOBS_LEASE_S": "1",
        "THAIMT_MAX_WAIT_MS": "5",
        **extra,
    }


@pytest.fixture(scope="module")
def gated(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server whose jobs wait at the gate, with the translation cache on (what a restarted
    job finds), and its folders; restarted by the restart tests."""
    root = tmp_path_factory.mktemp("jobs-server")
    (root / "gate").mkdir()
    env = server_env(
        root,
        THAIMT_TEST_JOB_HOLD=str(root / "gate"),
        THAIMT_CACHE="true",
        THAIMT_CACHE_PATH=str(root / "cache.sqlite3"),  # the same file after a restart
    )
    state = {"server": launch("jobs", tiny_model_dir, env, root), "root": root, "env": env}
    state["server"].wait_ready()
    yield state
    state["server"].stop()


def test_upload_progress_rises_then_the_whole_file(gated: dict[str, Any]) -> None:
    server, gate = gated["server"], Gate(gated["root"] / "gate")
    jobs = Jobs(server, KEY_A)
    data, lines = example_docx()
    created = jobs.create(data)
    assert created.status_code == 202, created.text
    job = created.json()
    assert created.headers["Location"] == job["status_url"] == f"/v1/documents/{job['id']}"
    pid = server.proc.pid
    until(lambda: gate.held(pid, 0) and gate.held(pid, 1), "chunks 0 and 1 at the gate")
    done, total = jobs.progress(job["id"])
    assert (done, total) == (0, total) and total > 3 * CHUNK
    assert jobs.result(job["id"]).status_code == 409  # not done: no half file
    seen = [done]
    for number in (0, 1):
        gate.open(number)
        until(lambda n=number: jobs.progress(job["id"])[0] == (n + 1) * CHUNK, "a chunk done")
        seen.append(jobs.progress(job["id"])[0])
        assert jobs.status(job["id"]).json()["seconds_remaining"] is not None
    gate.open()
    status = jobs.done(job["id"])
    seen.append(status["segments"]["done"])
    assert seen == [0, CHUNK, 2 * CHUNK, total]  # rises, chunk by chunk, to the whole
    assert status["status"] == "done" and status["progress"] == 1.0
    review = [item["confidence"] for item in status["least_confident"]]
    assert 0 < len(review) <= 10 and review == sorted(review)  # what to check first
    result = jobs.result(job["id"])
    assert result.status_code == 200
    assert "filename*=UTF-8''report_en.docx" in result.headers["content-disposition"]
    translated = paragraphs(result.content)
    assert len(translated) == len(lines) and translated != lines
    for term in TERMS:
        assert any(term in t for t in translated) == any(term in s for s in lines)


def test_only_the_uploader_or_the_secret_sees_a_job(gated: dict[str, Any]) -> None:
    server = gated["server"]
    a, b = Jobs(server, KEY_A), Jobs(server, KEY_B)
    created = a.create(example_docx()[0]).json()
    a.done(created["id"])
    for call in (b.status, b.result, b.delete):
        answer = call(created["id"])
        assert answer.status_code == 404 and "not yours" in answer.json()["error"]
    assert server.client.get(f"/v1/documents/{created['id']}").status_code == 401  # no key
    with_secret = {"X-API-Key": KEY_B, "X-Document-Secret": created["secret"]}
    path = f"/v1/documents/{created['id']}"
    assert server.client.get(path + "/result", headers=with_secret).status_code == 200
    assert a.delete(created["id"]).status_code == 204
    assert a.status(created["id"]).status_code == 404


def test_bad_uploads_get_one_line_4xx(gated: dict[str, Any]) -> None:
    jobs = Jobs(gated["server"], KEY_A)
    for data, name, status in (
        (b"<html><body>not a docx</body></html>", "report.docx", 400),
        (b"", "empty.docx", 400),
        (b"data", "tool.exe", 400),
    ):
        answer = jobs.create(data, name)
        assert answer.status_code == status, answer.text
        assert "\n" not in answer.json()["error"]


def _restart(gated: dict[str, Any], tiny_model_dir: Path, name: str) -> Server:
    server = launch(name, tiny_model_dir, gated["env"], gated["root"])
    gated["server"] = server
    server.wait_ready()
    return server


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_job_survives_a_restart(gated: dict[str, Any], tiny_model_dir: Path, how: int) -> None:
    """Stopped mid-job (two chunks done, the next held), the server restarts and the job runs
    again, to the file a one-shot translation of the same document gives; the segments done
    before the stop come from the cache."""
    server, gate = gated["server"], Gate(gated["root"] / "gate")
    gate.close()
    jobs = Jobs(server, KEY_A)
    data, lines = flores_docx(0 if how == signal.SIGTERM else 40, 40)
    job = jobs.create(data).json()
    gate.open(0)
    gate.open(1)
    until(lambda: jobs.progress(job["id"])[0] == 2 * CHUNK, "two chunks done")
    until(lambda: gate.held(server.proc.pid, 2), "the third chunk at the gate")
    server.proc.send_signal(how)
    assert server.proc.wait(60) is not None
    gate.open()
    restarted = _restart(gated, tiny_model_dir, f"jobs-after-{signal.Signals(how).name}")
    jobs = Jobs(restarted, KEY_A)
    status = jobs.done(job["id"])
    assert status["status"] == "done", status
    assert restarted.metrics()["thaimt_cache_hits_total"] >= 2 * CHUNK  # not translated again
    translated = paragraphs(jobs.result(job["id"]).content)
    assert len(translated) == len(lines) and all(
        t != s for t, s in zip(translated, lines, strict=True)
    )
    one_shot = restarted.client.post(
        "/v1/translate/file", files={"file": ("r.docx", data)}, headers=jobs.headers
    ).json()
    assert translated == paragraphs(base64.b64decode(one_shot["content"]))


@pytest.fixture(scope="module")
def held(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server in this process whose model the test can hold; results kept 1 s; room for one
    example document per key (a job reserves twice its upload)."""
    root = tmp_path_factory.mktemp("held-jobs")
    with held_server(
        tiny_model_dir,
        api_keys=[KEY_A, KEY_B, KEY_C],
        jobs_dir=root,
        jobs_chunk_segments=CHUNK,
        jobs_ttl_s=1,
        jobs_lease_s=0.3,
        jobs_max_bytes_per_key=3 * len(example_docx()[0]),
        max_batch_size=CHUNK,
        max_wait_ms=0,
    ) as server:
        yield server


def test_a_sentence_goes_before_the_jobs_queued_segments(held: Any) -> None:
    """The model is held on the job's first batch; a sentence sent then is in the very next
    batch, ahead of the job's segments already queued, which run after it (the order of the
    backend's calls). The job feeds the queue a chunk at a time: at most two chunks wait."""
    sentence, key = "สวัสดีครับ", {"X-API-Key": KEY_C}
    backend, batcher = held.backend, held.app.state.thaimt.batcher
    own = tuple(backend.encode([sentence])[0])
    start = len(backend.calls)  # after the warm-up's
    backend.hold("translate_batch")
    files = {"file": ("r.docx", example_docx()[0])}
    assert held.client.post("/v1/documents", files=files, headers=key).status_code == 202
    backend.wait_until_waiting(1)  # the job's first batch is in the model, held
    answer: dict[str, Any] = {}

    def ask() -> None:
        answer.update(
            held.client.post("/v1/translate", json={"text": sentence}, headers=key).json()
        )

    asking = threading.Thread(target=ask)
    asking.start()
    until(lambda: batcher.queue.live > batcher.queue.background, "the sentence queued")
    assert 0 < batcher.queue.background <= 2 * CHUNK  # a chunk at a time, not the document
    backend.release()
    asking.join(WAIT_S)
    assert answer.get("translation")

    def batches() -> list[list[Any]]:
        return [args[0] for name, args in backend.calls[start:] if name == "translate_batch"]

    def job_batches() -> list[int]:
        return [i for i, batch in enumerate(batches()) if any(tuple(r) != own for r in batch)]

    mine = [i for i, batch in enumerate(batches()) if own in map(tuple, batch)]
    assert mine == [job_batches()[0] + 1]  # the first batch formed after it arrived
    # The job's segments queued before the sentence ran after it.
    until(lambda: max(job_batches()) > mine[0], "a job batch after the sentence's")


def test_the_quota_and_the_expiry(held: Any) -> None:
    """One upload fills key A's room (507), not key B's; once A's job has expired (1 s after
    it finished) its space is free again and its folder gone."""
    data = example_docx()[0]
    root = held.app.state.thaimt.settings.jobs_dir
    a = {"X-API-Key": KEY_A}
    post = held.client.post
    first = post("/v1/documents", files={"file": ("a.docx", data)}, headers=a)
    assert first.status_code == 202
    full = post("/v1/documents", files={"file": ("a.docx", data)}, headers=a)
    assert full.status_code == 507 and "your document storage is full" in full.json()["error"]
    files = {"file": ("b.docx", data)}
    assert post("/v1/documents", files=files, headers={"X-API-Key": KEY_B}).status_code == 202
    job = first.json()["id"]
    until(lambda: held.client.get(f"/v1/documents/{job}", headers=a).status_code == 404,
          "the job expired")  # fmt: skip
    until(lambda: not (root / job).exists(), "its folder gone")
    assert post("/v1/documents", files={"file": ("a.docx", data)}, headers=a).status_code == 202
