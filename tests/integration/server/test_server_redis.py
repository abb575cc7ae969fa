"""Two ``thaimt serve`` replicas sharing one real ``redis-server``: the cache, the per-key
budget (and DeepL's /v2/usage reading it), and Redis dying and coming back while they serve
(issue 14's acceptance)."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import httpx
import pytest
from serverkit import Server, launch

from tests.realdeps import RedisProcess

KEYS = ["k-cache", "k-budget", "k-load", "k-after", "k-mixed", "k-jobs"]

pytestmark = pytest.mark.slow  # real servers or subprocesses that load a model


@pytest.fixture(scope="module")
def redis_proc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def replicas(
    redis_proc: RedisProcess, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    log_dir = tmp_path_factory.mktemp("replica-logs")
    env = {
        "THAIMT_REDIS_URL": redis_proc.url,
        "THAIMT_JOBS_DIR": str(log_dir / "jobs"),  # the volume both replicas mount
        "THAIMT_CACHE": "true",
        "THAIMT_API_KEYS": json.dumps(KEYS),
        "THAIMT_KEY_CHAR_LIMIT": "1000",
        "THAIMT_KEY_CHAR_WINDOW_S": "3600",  # the whole test runs in one window
        "THAIMT_MAX_WAIT_MS": "5",
    }
    pair = (launch("replica-a", tiny_model_dir, env, log_dir),
            launch("replica-b", tiny_model_dir, env, log_dir))  # fmt: skip
    try:
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        for server in pair:
            server.terminate()
        for server in pair:
            server.stop()


def translate(server: Server, text: str, key: str) -> httpx.Response:
    return server.client.post("/v1/translate", json={"text": text}, headers={"X-API-Key": key})


def test_a_text_translated_through_a_is_a_cache_hit_on_b(
    replicas: tuple[Server, Server],
) -> None:
    a, b = replicas
    text = "วันนี้ฝนตกหนักมาก\nตลาดปิดเร็วกว่าปกติ"
    first = translate(a, text, "k-cache")
    assert first.status_code == 200, first.text
    before = b.metrics()
    again = translate(b, text, "k-cache")
    after = b.metrics()
    assert again.json()["translation"] == first.json()["translation"]
    segments = first.json()["usage"]["segments"]
    assert after["thaimt_cache_hits_total"] - before["thaimt_cache_hits_total"] == segments
    assert after["thaimt_cache_misses_total"] == before["thaimt_cache_misses_total"]
    assert after["thaimt_segments_translated_total"] == before["thaimt_segments_translated_total"]
    assert after["thaimt_redis_up"] == 1


def test_a_key_gets_exactly_its_budget_across_both_replicas(
    replicas: tuple[Server, Server],
) -> None:
    """60 concurrent requests of 50 characters for one key with 1,000 characters, split
    across A and B: exactly 20 are served, whichever replica they reach."""
    a, b = replicas
    text = ("ก" * 10 + " ") * 4 + "ข" * 6  # 50 characters
    assert len(text) == 50
    chars_before = sum(s.metrics()["thaimt_characters_total"] for s in replicas)
    start = threading.Barrier(24)
    clients = [httpx.Client(base_url=s.url, timeout=300) for s in replicas]

    def send(i: int) -> int:
        if i < 24:
            start.wait()
        body = {"text": text}
        r = clients[i % 2].post("/v1/translate", json=body, headers={"X-API-Key": "k-budget"})
        return r.status_code

    try:
        with ThreadPoolExecutor(24) as pool:
            statuses = Counter(pool.map(send, range(60)))
    finally:
        for client in clients:
            client.close()
    assert statuses == {200: 20, 429: 40}
    chars_after = sum(s.metrics()["thaimt_characters_total"] for s in replicas)
    assert chars_after - chars_before == 1000
    for server in (a, b):
        r = translate(server, "แมว", "k-budget")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 60


def test_deepl_usage_is_what_every_api_charged_on_both_replicas(
    replicas: tuple[Server, Server],
) -> None:
    """/v1, LibreTranslate and DeepL requests for one key, spread over A and B: /v2/usage on
    either replica is the sum of the characters each answer says it charged."""
    a, b = replicas
    deepl_key = {"Authorization": "DeepL-Auth-Key k-mixed"}
    charged = []
    v1 = translate(a, "วันนี้ฝนตก\nตลาดปิด", "k-mixed")
    charged.append(v1.json()["usage"]["characters"])
    libre_q = ["แมวนอน", "หมาเห่า"]
    libre = b.client.post("/translate", json={"q": libre_q, "source": "th", "target": "en",
                                              "api_key": "k-mixed"})  # fmt: skip
    assert libre.status_code == 200, libre.text
    charged.append(sum(len(q) for q in libre_q))
    for server, texts in ((a, ["ราคา 250 บาท"]), (b, ["ฝนตกหนัก", "EEC"])):
        body = {"text": texts, "target_lang": "EN-US", "show_billed_characters": True}
        r = server.client.post("/v2/translate", json=body, headers=deepl_key)
        assert r.status_code == 200, r.text
        charged += [t["billed_characters"] for t in r.json()["translations"]]
    form = b.client.post("/v2/translate", data={"text": "ข่าวดี", "target_lang": "EN",
                                                "auth_key": "k-mixed"})  # fmt: skip
    assert form.status_code == 200, form.text
    charged.append(len("ข่าวดี"))
    for server in (a, b):
        usage = server.client.get("/v2/usage", headers=deepl_key).json()
        assert usage["character_count"] == sum(charged), (server.name, usage, charged)
        assert usage["character_limit"] == 1000


def _wait_redis(server: Server, state: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        body = server.client.get("/ready").json()
        if body.get("redis") == state:
            return dict(body)
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def test_replica_b_answers_for_a_document_job_uploaded_to_a(
    replicas: tuple[Server, Server],
) -> None:
    """The job's record is in Redis, its files on the shared folder: B gives its status and
    result; A's key on B, not another key, and B deletes it for both."""
    a, b = replicas
    document = docx.Document()
    for text in ("วันนี้ฝนตกหนักมาก", "ตลาดปิดเร็วกว่าปกติ ที่ Bangkok"):
        document.add_paragraph(text)
    upload = io.BytesIO()
    document.save(upload)
    key = {"X-API-Key": "k-jobs"}
    files = {"file": ("report.docx", upload.getvalue())}
    created = a.client.post("/v1/documents", files=files, headers=key)
    assert created.status_code == 202, created.text
    path = f"/v1/documents/{created.json()['id']}"
    deadline = time.monotonic() + 300
    while (status := b.client.get(path, headers=key).json())["status"] not in ("done", "error"):
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["status"] == "done" and status["segments"]["done"] > 0
    result = b.client.get(path + "/result", headers=key)
    assert result.status_code == 200
    assert result.content == a.client.get(path + "/result", headers=key).content
    texts = [p.text for p in docx.Document(io.BytesIO(result.content)).paragraphs]
    assert len(texts) == 2 and "Bangkok" in texts[1]
    assert b.client.get(path, headers={"X-API-Key": "k-cache"}).status_code == 404
    assert b.client.delete(path, headers=key).status_code == 204
    assert a.client.get(path, headers=key).status_code == 404


def test_redis_killed_during_load_then_restarted(
    replicas: tuple[Server, Server], redis_proc: RedisProcess, thai_sentences: list[str]
) -> None:
    a, b = replicas
    texts = thai_sentences[:60]
    done = threading.Semaphore(0)
    lock = threading.Lock()
    todo = iter(range(len(texts)))

    def worker() -> list[int]:
        statuses = []
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return statuses
            statuses.append(translate(replicas[i % 2], texts[i], "k-load").status_code)
            done.release()

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(worker) for _ in range(4)]
        for _ in range(15):
            done.acquire()
        redis_proc.kill()  # mid-load: requests are in flight and more keep coming
        statuses = Counter(s for f in futures for s in f.result())
    assert statuses == {200: len(texts)}

    for server in (a, b):
        ready = server.client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["redis"] == "down" and ready.json()["cache"] == "degraded"
        m = server.metrics()
        assert m["thaimt_redis_up"] == 0
        assert m['thaimt_cache_errors_total{kind="unavailable"}'] >= 1
        assert server.log().count("is unreachable") == 1  # once, not once per request

    redis_proc.start()  # the same port, empty
    for server in (a, b):
        _wait_redis(server, "up")  # reconnected by itself
    text = "ข่าวเช้านี้มีฝนตก"
    first = translate(a, text, "k-after")
    before = b.metrics()
    assert translate(b, text, "k-after").json()["translation"] == first.json()["translation"]
    after = b.metrics()
    assert after["thaimt_cache_hits_total"] > before["thaimt_cache_hits_total"]
    assert after["thaimt_redis_up"] == 1
    # The budget is shared again: 17 + 17 + 960 = 994 fit in 1,000 characters, 10 more do not.
    assert len(text) == 17
    assert translate(a, "ก" * 960, "k-after").status_code == 200
    r = translate(b, "ก" * 10, "k-after")
    assert r.status_code == 429, r.text
