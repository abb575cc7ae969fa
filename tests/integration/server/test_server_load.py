"""Batching under concurrency, backpressure, disconnects and graceful shutdown."""

from __future__ import annotations

import asyncio
import signal
import threading
import time

import httpx
import pytest
from serverkit import Server

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


def wait_for_queue(server: Server, depth: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while server.metrics()["thaimt_queue_depth"] < depth:
        if time.monotonic() > deadline:
            pytest.fail(f"queue never reached {depth}:\n{server.log()}")
        time.sleep(0.02)


class Background:
    """A request running in a thread while the test does other things."""

    def __init__(self, server: Server, body: dict[str, object]) -> None:
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


def test_backpressure_refuses_with_503_and_keeps_serving(
    small_server: Server, thai_sentences: list[str]
) -> None:
    blocker = Background(small_server, {"text": article(thai_sentences[100:130])})
    wait_for_queue(small_server, 16)  # queue_size is 8: far over capacity now
    *v1, libre = asyncio.run(burst(small_server.url, thai_sentences[140:150]))
    statuses = [r.status_code for r in v1]
    assert set(statuses) <= {200, 503}, statuses
    assert 503 in statuses
    for r in v1:
        if r.status_code == 503:
            assert int(r.headers["retry-after"]) >= 1
            assert "busy" in r.json()["error"]
    assert libre.status_code == 429  # LibreTranslate's way to say it
    assert libre.json()["error"].startswith("Slowdown")
    assert blocker.result().status_code == 200
    after = small_server.client.post("/v1/translate", json={"text": thai_sentences[150]})
    assert after.status_code == 200


def test_disconnected_clients_segments_never_reach_the_model(
    small_server: Server, thai_sentences: list[str]
) -> None:
    victim = article(thai_sentences[200:220])
    before = small_server.wait_idle()
    with pytest.raises(httpx.ReadTimeout):  # the client gives up and closes the connection
        httpx.post(f"{small_server.url}/v1/translate", json={"text": victim}, timeout=1.0)
    after = small_server.wait_idle()
    dropped = after["thaimt_dropped_segments_total"] - before["thaimt_dropped_segments_total"]
    ran = after["thaimt_batch_size_sum"] - before["thaimt_batch_size_sum"]
    # What the victim's text is, in segments (asked again, patiently).
    full = small_server.client.post("/v1/translate", json={"text": victim}).json()
    assert dropped > 0
    assert ran + dropped == full["usage"]["segments"]  # every segment ran or was dropped, once


def test_sigterm_finishes_in_flight_requests_and_exits_0(
    small_server: Server, thai_sentences: list[str]
) -> None:
    """Last test of the module: it stops the ``small`` server."""
    in_flight = Background(small_server, {"text": article(thai_sentences[300:306])})
    wait_for_queue(small_server, 1)
    small_server.proc.send_signal(signal.SIGTERM)
    response = in_flight.result()
    assert response.status_code == 200
    assert len(response.json()["translation"].split("\n")) == 6
    assert small_server.proc.wait(60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{small_server.url}/health", timeout=5)
