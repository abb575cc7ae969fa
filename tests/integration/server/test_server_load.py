"""Batching under concurrency, backpressure, disconnects and graceful shutdown."""

from __future__ import annotations

import asyncio
import signal
import threading
import time

import httpx
import pytest
from serverkit import RawPost, Server

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


def segments_ran(server: Server) -> float:
    return server.metrics()["thaimt_batch_size_sum"]


def wait_for_queued(server: Server, ran_before: float, ahead: int, timeout_s: float = 60) -> None:
    """Until more segments are queued or have run than the ``ahead`` queued before: the next
    request's segments are in the queue. (The unbatched servers run one segment at a time in
    arrival order, so whatever is queued after ``ahead`` segments waits behind all of them.)"""
    deadline = time.monotonic() + timeout_s
    while True:
        m = server.metrics()
        if m["thaimt_queue_depth"] + m["thaimt_batch_size_sum"] - ran_before > ahead:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the request was never queued:\n{server.log()}")
        time.sleep(0.01)


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


QUEUE_SIZE = 40  # the small server's


def test_backpressure_refuses_with_503_and_keeps_serving(
    small_server: Server, thai_sentences: list[str]
) -> None:
    blocked = 3 * QUEUE_SIZE  # admitted because the queue is empty: far over capacity
    ran_before = small_server.wait_idle()["thaimt_batch_size_sum"]
    blocker = RawPost(small_server, {"text": article(thai_sentences[400 : 400 + blocked])})
    wait_for_queue(small_server, QUEUE_SIZE + 1)
    *v1, libre = asyncio.run(burst(small_server.url, thai_sentences[190:200]))
    # Every burst request arrived before this scrape; if the blocker alone still fills the
    # queue now, it filled it then (the queue only shrinks), so each one must be refused.
    ran_during = segments_ran(small_server) - ran_before
    assert blocked - ran_during - 1 >= QUEUE_SIZE, "the machine drained the queue too fast"
    for r in v1:
        assert r.status_code == 503, (r.status_code, r.text)
        assert int(r.headers["retry-after"]) >= 1
        assert "busy" in r.json()["error"]
    assert libre.status_code == 429  # LibreTranslate's way to say it
    assert libre.json()["error"].startswith("Slowdown")
    blocker.hang_up()  # its remaining segments are dropped
    small_server.wait_idle()
    after = small_server.client.post("/v1/translate", json={"text": thai_sentences[200]})
    assert after.status_code == 200


def test_disconnected_clients_segments_never_reach_the_model(
    small_server: Server, thai_sentences: list[str]
) -> None:
    blocked, victims = 30, 10  # one segment per line; both fit in the queue together
    before = small_server.wait_idle()
    blocker = Background(small_server, {"text": article(thai_sentences[210 : 210 + blocked])})
    wait_for_queue(small_server, 1)
    victim = RawPost(small_server, {"text": article(thai_sentences[240 : 240 + victims])})
    wait_for_queued(small_server, before["thaimt_batch_size_sum"], blocked)
    victim.hang_up()  # while all of its segments still wait behind the blocker's
    blocked_response = blocker.result()
    assert blocked_response.status_code == 200
    assert blocked_response.json()["usage"]["segments"] == blocked
    after = small_server.wait_idle()
    dropped = after["thaimt_dropped_segments_total"] - before["thaimt_dropped_segments_total"]
    ran = after["thaimt_batch_size_sum"] - before["thaimt_batch_size_sum"]
    assert dropped == victims
    assert ran == blocked  # only the blocker's segments reached the model


def test_sigterm_finishes_in_flight_requests_and_exits_0(
    doomed_server: Server, thai_sentences: list[str]
) -> None:
    """The ``doomed`` server is this test's own: it stops it."""
    in_flight = Background(doomed_server, {"text": article(thai_sentences[300:306])})
    wait_for_queue(doomed_server, 1)
    doomed_server.proc.send_signal(signal.SIGTERM)
    response = in_flight.result()
    assert response.status_code == 200
    assert len(response.json()["translation"].split("\n")) == 6
    assert doomed_server.proc.wait(60) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{doomed_server.url}/health", timeout=5)
