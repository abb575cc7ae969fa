"""FaultTracker: counts by kind, one log line per kind (not per request), degraded for a while."""

from __future__ import annotations

import logging

import pytest

from service.state.faults import FaultTracker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_counts_by_kind_and_logs_each_kind_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    faults = FaultTracker("cache", logging.getLogger("t"), log_every_s=300, clock=clock)
    with caplog.at_level(logging.WARNING, logger="t"):
        for _ in range(50):
            faults.record("full", OSError("disk full"), "stores skipped")
        faults.record("corrupt", ValueError("bad page"), "lookups are misses")
    assert faults.counts() == {"full": 50, "corrupt": 1}
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert "cache error (full): disk full; stores skipped" in lines[0]


def test_a_kind_that_keeps_happening_is_logged_again_later_with_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    faults = FaultTracker("cache", logging.getLogger("t"), log_every_s=300, clock=clock)
    with caplog.at_level(logging.WARNING, logger="t"):
        faults.record("locked", "busy", "miss")
        for _ in range(9):
            clock.now += 10
            faults.record("locked", "busy", "miss")
        clock.now += 300
        faults.record("locked", "busy", "miss")
    assert len(caplog.records) == 2
    assert "9 more since the last message" in caplog.records[1].getMessage()


def test_degraded_while_faults_are_recent() -> None:
    clock = Clock()
    faults = FaultTracker("cache", logging.getLogger("t"), degraded_for_s=60, clock=clock)
    assert not faults.degraded
    faults.record("io", "eio", "miss")
    assert faults.degraded
    clock.now += 59
    assert faults.degraded
    clock.now += 2
    assert not faults.degraded
    faults.count("corrupt")  # counted without a log line of its own
    assert faults.degraded and faults.counts() == {"io": 1, "corrupt": 1}
