"""Batching under concurrency, backpressure, disconnects and graceful shutdown.

Backpressure and disconnects run on a server whose model the test holds (``heldserver``):
the queue stays full, or a request stays queued, until the test says so, however fast the
machine. The shutdown test keeps its request in flight by holding back the end of its body.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import deepl
import httpx
import pytest
from heldserver import HeldServer, held_server
from serverkit import READY_TIMEOUT_S, RawPost, Server, Trickle

CONCURRENT = 64


def batch_totals(server: Server) -> tuple[float, float]:
    m = server.metrics()
    return m["thaimt_batch_size_sum"], m["thaimt_batch_size_count"]


async def post_all(url: str, bodies: list[dict[str, object]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        return list(await asyncio.gather(*(client.post("/v1/translate", json=b) for b in bodies)))


def test_concurrent_requests_share_batches_without_cross_talk(
    main_server: Server, thai_sentences: list[str]
) -> None:
    inputs = thai_sentences[:CONCURRENT]
    alone = [
        main_server.client.post("/v1/translate", json={"text": t}).json()["translation"]
        for t in inputs
    ]
    segments_before, calls_before = batch_totals(main_server)
    responses = asyncio.run(post_all(main_server.url, [{"text": t} for t in inputs]))
    assert [r.status_code for r in responses] == [200] * CONCURRENT
    assert [r.json()["translation"] for r in responses] == alone
    segments_after, calls_after = batch_totals(main_server)
    mean_batch = (segments_after - segments_before) / (calls_after - calls_before)
    assert segments_after - segments_before == CONCURRENT
    assert mean_batch > 1, mean_batch


def article(sentences: list[str]) -> str:
    return "\n".join(sentences)  # one sentence per line: one segment each


def wait_for_queue(server: Any, depth: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while server.metrics()["thaimt_queue_depth"] < depth:
        if time.monotonic() > deadline:
            pytest.fail(f"queue never reached {depth}:\n{server.log()}")
        time.sleep(0.02)


class Background:
    """A request running in a thread while the test does other things."""

    def __init__(self, server: Any, body: dict[str, object]) -> None:
        self.response: httpx.Response | None = None

        def go() -> None:
            with httpx.Client(base_url=server.url, timeout=300) as client:
                self.response = client.post("/v1/translate", json=body)

        self.thread = threading.Thread(target=go)
        self.thread.start()

    def result(self) -> httpx.Response:
        self.thread.join(300)
        assert self.response is not None
        return self.response


async def burst(url: str, texts: list[str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        v1 = [client.post("/v1/translate", json={"text": t}) for t in texts]
        libre = client.post("/translate", json={"q": texts[0], "source": "th", "target": "en"})
        return list(await asyncio.gather(*v1, libre))


QUEUE_SIZE = 40


@pytest.fixture(scope="module")
def held_small(tiny_model_dir: Path) -> Iterator[HeldServer]:
    """One segment per model call and a small queue, with a model the test can hold."""
    with held_server(tiny_model_dir, batching=False, queue_size=QUEUE_SIZE) as server:
        yield server


def test_backpressure_refuses_with_503_and_keeps_serving(
    held_small: HeldServer, thai_sentences: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = 3 * QUEUE_SIZE  # admitted because the queue is empty: far over capacity
    held_small.wait_idle()
    held_small.backend.hold("translate_batch")  # nothing leaves the queue until released
    try:
        blocker = RawPost(held_small, {"text": article(thai_sentences[400 : 400 + blocked])})
        wait_for_queue(held_small, QUEUE_SIZE + 1)
        *v1, libre = asyncio.run(burst(held_small.url, thai_sentences[190:200]))
        for r in v1:
            assert r.status_code == 503, (r.status_code, r.text)
            assert int(r.headers["retry-after"]) >= 1
            assert "busy" in r.json()["error"]
        assert libre.status_code == 429  # LibreTranslate's way to say it
        assert libre.json()["error"].startswith("Slowdown")
        # DeepL's way: 429 + Retry-After, which its client raises as its own exception class.
        raw = held_small.client.post(
            "/v2/translate", json={"text": thai_sentences[201], "target_lang": "EN-US"}
        )
        assert raw.status_code == 429 and int(raw.headers["retry-after"]) >= 1
        assert raw.json()["message"].startswith("Too many requests")
        monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)  # no backoff
        client = deepl.Translator("any-key", server_url=held_small.url)
        with pytest.raises(deepl.TooManyRequestsException):
            client.translate_text(thai_sentences[202], target_lang="EN-US")
        blocker.hang_up()  # its remaining segments are dropped
        held_small.wait_for(lambda m: m["thaimt_queue_depth"] == 0)
    finally:
        held_small.backend.release()
    held_small.wait_idle()
    after = held_small.client.post("/v1/translate", json={"text": thai_sentences[200]})
    assert after.status_code == 200


def test_disconnected_clients_segments_never_reach_the_model(
    held_small: HeldServer, thai_sentences: list[str]
) -> None:
    blocked, victims = 30, 10  # one segment per line; both fit in the queue together
    before = held_small.wait_idle()
    dropped_before = before["thaimt_dropped_segments_total"]
    held_small.backend.hold("translate_batch")
    try:
        blocker = Background(held_small, {"text": article(thai_sentences[210 : 210 + blocked])})
        held_small.backend.wait_until_waiting()  # its first segment is in the (held) model call
        victim = RawPost(held_small, {"text": article(thai_sentences[240 : 240 + victims])})
        wait_for_queue(held_small, blocked - 1 + victims)  # all queued behind the blocker's
        victim.hang_up()
        held_small.wait_for(lambda m: m["thaimt_dropped_segments_total"] >= dropped_before + 10)
    finally:
        held_small.backend.release()
    blocked_response = blocker.result()
    assert blocked_response.status_code == 200
    assert blocked_response.json()["usage"]["segments"] == blocked
    after = held_small.wait_idle()
    dropped = after["thaimt_dropped_segments_total"] - dropped_before
    ran = after["thaimt_batch_size_sum"] - before["thaimt_batch_size_sum"]
    assert dropped == victims
    assert ran == blocked  # only the blocker's segments reached the model


def test_sigterm_finishes_in_flight_requests_and_exits_0(
    doomed_server: Server, thai_sentences: list[str]
) -> None:
    """The ``doomed`` server is this test's own: it stops it. The request is in flight (its
    headers in, the end of its body held back by the test) when the SIGTERM arrives."""
    payload = json.dumps({"text": article(thai_sentences[300:306])}).encode()
    client = Trickle(doomed_server.wait_port(time.monotonic() + READY_TIMEOUT_S))
    client.send(
        "POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload[:10]
    )
    deadline = time.monotonic() + 60
    while doomed_server.metrics()["thaimt_requests_in_flight"] < 2:  # it and this scrape
        assert time.monotonic() < deadline, doomed_server.log()
        time.sleep(0.02)
    doomed_server.proc.send_signal(signal.SIGTERM)
    while "Shutting down" not in doomed_server.log():
        assert time.monotonic() < deadline, doomed_server.log()
        time.sleep(0.02)
    client.send(payload[10:])
    status, body = client.response()
    assert status == 200
    assert len(json.loads(body)["translation"].split("\n")) == 6
    assert doomed_server.proc.wait(60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{doomed_server.url}/health", timeout=5)
