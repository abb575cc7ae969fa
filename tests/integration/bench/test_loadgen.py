"""The bench's load generator against a real server: answers in input order, equal to plain
single requests, every request counted by the server, and refusals raised rather than counted
(closed loop) or counted rather than raised (open loop)."""

from __future__ import annotations

import asyncio

import pytest
from serverkit import Server

from bench.loadgen import Arrival, LoadError, closed_loop, open_loop, saturate


def test_closed_loop_returns_each_answer_in_input_order(
    loadgen_server: Server, thai_sentences: list[str]
) -> None:
    texts = thai_sentences[:10]
    before = loadgen_server.metrics()

    result = asyncio.run(closed_loop(loadgen_server.url, texts, clients=4))

    expected = [
        loadgen_server.client.post("/v1/translate", json={"text": t}).json()["translation"]
        for t in texts
    ]
    assert result.translations == expected
    assert len(result.latencies) == len(texts)
    assert 0 < max(result.latencies) <= result.seconds
    key = 'thaimt_request_seconds_count{endpoint="/v1/translate",status="200"}'
    # 10 requests from the loop and 10 from the check above
    assert loadgen_server.metrics()[key] - before.get(key, 0) == 20


def test_a_refused_request_raises_with_its_status(loadgen_server: Server) -> None:
    too_long = "ก" * 5000  # the server accepts 4,000 characters per request
    with pytest.raises(LoadError, match="HTTP 413"):
        asyncio.run(closed_loop(loadgen_server.url, [too_long], clients=1))


def test_open_loop_sends_every_arrival_and_records_each_status(
    loadgen_server: Server, thai_sentences: list[str]
) -> None:
    """Arrivals at their own moments, several in flight at once, on both APIs; a refused
    request is an outcome with its status, not an error."""
    arrivals = [
        Arrival(0.01 * i, "sentence", "/v1/translate", {"text": t})
        for i, t in enumerate(thai_sentences[:6])
    ]
    arrivals.append(
        Arrival(
            0.02, "libre", "/translate", {"q": thai_sentences[6], "source": "th", "target": "en"}
        )
    )
    arrivals.append(Arrival(0.03, "sentence", "/v1/translate", {"text": "ก" * 5000}))
    before = loadgen_server.metrics()

    outcomes = asyncio.run(open_loop(loadgen_server.url, arrivals))

    assert [o.kind for o in outcomes] == [a.kind for a in arrivals]
    assert [o.status for o in outcomes] == [200] * 7 + [413]
    assert all(o.seconds > 0 and o.sent >= 0 for o in outcomes)
    after = loadgen_server.metrics()
    v1 = 'thaimt_request_seconds_count{endpoint="/v1/translate",status="200"}'
    route = 'thaimt_request_seconds_count{endpoint="/translate",status="200"}'
    assert after[v1] - before.get(v1, 0) == 6
    assert after[route] - before.get(route, 0) == 1


def test_saturate_keeps_clients_busy_until_stopped(
    loadgen_server: Server, thai_sentences: list[str]
) -> None:
    requests = [("/v1/translate", {"text": t}) for t in thai_sentences[:4]]
    before = loadgen_server.metrics()
    key = 'thaimt_request_seconds_count{endpoint="/v1/translate",status="200"}'

    async def run() -> int:
        stop = asyncio.Event()
        clients = asyncio.create_task(saturate(loadgen_server.url, requests, 3, stop))
        while loadgen_server.metrics().get(key, 0) - before.get(key, 0) < 6:
            await asyncio.sleep(0.05)  # until the server has answered six of them
        stop.set()
        return await clients

    done = asyncio.run(run())
    # Each client sends its next request only once it has read an answer, so of six answers
    # the server counted, at most one per client (three) can be unread when the stop comes.
    assert done >= 3
