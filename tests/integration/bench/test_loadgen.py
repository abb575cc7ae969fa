"""The bench's load generator against a real server: answers in input order, equal to plain
single requests, every request counted by the server, and refusals raised rather than counted."""

from __future__ import annotations

import asyncio

import pytest
from serverkit import Server

from eval.loadgen import LoadError, closed_loop


def test_closed_loop_returns_each_answer_in_input_order(
    main_server: Server, thai_sentences: list[str]
) -> None:
    texts = thai_sentences[:10]
    before = main_server.metrics()

    result = asyncio.run(closed_loop(main_server.url, texts, clients=4))

    expected = [
        main_server.client.post("/v1/translate", json={"text": t}).json()["translation"]
        for t in texts
    ]
    assert result.translations == expected
    assert len(result.latencies) == len(texts)
    assert 0 < max(result.latencies) <= result.seconds
    key = 'thaimt_request_seconds_count{endpoint="/v1/translate",status="200"}'
    # 10 requests from the loop and 10 from the check above
    assert main_server.metrics()[key] - before.get(key, 0) == 20


def test_a_refused_request_raises_with_its_status(main_server: Server) -> None:
    too_long = "ก" * 5000  # the main server accepts 4,000 characters per request
    with pytest.raises(LoadError, match="HTTP 413"):
        asyncio.run(closed_loop(main_server.url, [too_long], clients=1))
