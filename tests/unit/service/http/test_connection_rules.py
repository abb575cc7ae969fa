"""The pure parts of connection hygiene and memory trimming: the descriptor budget, the log
rate limit (on a fake clock), and when a trim is asked for."""

from __future__ import annotations

import asyncio
import logging

import pytest

from service.http.connections import RESERVED_FDS, RateLimitFilter, fit_connections
from service.http.memory import MemoryTrim, glibc, trim_now


@pytest.mark.parametrize(
    ("requested", "fd_limit", "in_use"),
    [(1000, 256, 12), (1000, 1024, 12), (1000, 20_000, 12), (4, 256, 12), (1000, 1 << 20, 40)],
)
def test_the_cap_and_the_accept_bursts_fit_the_descriptors(
    requested: int, fd_limit: int, in_use: int
) -> None:
    budget = fit_connections(requested, fd_limit, in_use)
    assert 1 <= budget.max_connections <= requested
    # Every connection within the cap and the overflow, plus four accept bursts not yet seen
    # by the protocol, fit in what the process has left.
    worst = budget.max_connections + budget.overflow + 4 * budget.backlog
    assert worst <= fd_limit - in_use - RESERVED_FDS
    assert budget.overflow >= 1 and 8 <= budget.backlog <= 2048


def test_a_generous_descriptor_limit_keeps_the_requested_cap() -> None:
    assert fit_connections(1000, 20_000, 12).max_connections == 1000
    assert fit_connections(1000, 256, 12).max_connections < 200


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(msg: str, name: str = "asyncio", level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, None, None)


def test_repeated_messages_pass_once_per_interval_with_a_count() -> None:
    clock = FakeClock()
    limit = RateLimitFilter(interval_s=60, clock=clock)
    flood = "socket.accept() out of system resource\nsocket: <fd=6, laddr=('127.0.0.1', 4{})>"
    passed = [limit.filter(record(flood.format(i))) for i in range(1000)]
    assert passed == [True] + [False] * 999  # numbers in the message do not make a new kind
    assert limit.filter(record("another message"))  # other kinds pass
    clock.now = 61
    again = record(flood.format(0))
    assert limit.filter(again)
    assert "(999 more like this in 60 s)" in again.getMessage()


def test_the_table_of_kinds_is_bounded() -> None:
    limit = RateLimitFilter(clock=FakeClock(), max_kinds=10)
    for i in range(100):
        limit.filter(record(f"kind {chr(65 + i % 26)}{chr(65 + i // 26)}"))
    assert len(limit._kinds) == 10


def test_a_trim_follows_large_requests_only() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass

    async def run(body_sizes: list[int]) -> int:
        trim = MemoryTrim(app, trim_after_bytes=1000)
        trim.trimmer.min_interval_s = 0
        for size in body_sizes:
            messages = [{"type": "http.request", "body": b"x" * size, "more_body": False}]

            async def receive(queue=messages):  # type: ignore[no-untyped-def]
                return queue.pop(0)

            await trim({"type": "http"}, receive, None)  # type: ignore[arg-type]
            await asyncio.sleep(0.01)  # the trim is scheduled on the loop
        return trim.trimmer.trims

    expected = 2 if glibc() is not None else 0
    assert asyncio.run(run([10, 999, 1000, 10, 5000])) == expected


def test_trim_now_runs_where_glibc_is() -> None:
    assert isinstance(trim_now(), bool)
