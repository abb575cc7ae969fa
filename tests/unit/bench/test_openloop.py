"""One open-loop rate's figures from client outcomes and two /metrics scrapes."""

from __future__ import annotations

import pytest

from bench.loadgen import Outcome
from bench.openloop import summarize_rate
from bench.server import MetricsDelta, percentile

BEFORE = {
    "thaimt_batch_size_sum": 10.0,
    "thaimt_batch_size_count": 5.0,
    "thaimt_batch_seconds_sum": 1.0,
    "thaimt_batch_seconds_count": 5.0,
    "thaimt_segment_seconds_sum": 3.0,
    "thaimt_segment_seconds_count": 10.0,
    "thaimt_server_cpu_seconds_total": 2.0,
}
AFTER = {
    "thaimt_batch_size_sum": 50.0,  # 40 segments
    "thaimt_batch_size_count": 10.0,  # in 5 calls
    "thaimt_batch_seconds_sum": 2.0,  # 200 ms each
    "thaimt_batch_seconds_count": 10.0,
    "thaimt_segment_seconds_sum": 15.0,  # 300 ms per segment
    "thaimt_segment_seconds_count": 50.0,
    "thaimt_server_cpu_seconds_total": 2.2,  # 5 ms per segment
}


def test_metrics_delta() -> None:
    delta = MetricsDelta(BEFORE, AFTER)
    assert delta.segments == 40 and delta.mean_batch == 8
    assert delta.model_ms == pytest.approx(200)
    assert delta.segment_ms == pytest.approx(300)
    assert delta.queue_wait_ms == pytest.approx(100)
    assert delta.server_cpu_ms_per_segment == pytest.approx(5)


def test_metrics_delta_without_the_cpu_series() -> None:
    assert MetricsDelta({}, {"thaimt_batch_size_sum": 3.0}).server_cpu_ms_per_segment is None


def test_summarize_rate_counts_refusals_and_failures_apart() -> None:
    outcomes = [
        Outcome("sentence", 200, 0.0, 0.1),
        Outcome("libre", 200, 0.5, 0.3),
        Outcome("article", 200, 1.0, 1.0),  # the last answer: span 2 s
        Outcome("sentence", 503, 1.2, 0.01),
        Outcome("libre", 429, 1.3, 0.01),
        Outcome("sentence", 0, 1.4, 0.5),
    ]
    point = summarize_rate(0.7, 3.0, outcomes, MetricsDelta(BEFORE, AFTER))
    assert (point.requests, point.refused, point.failed) == (6, 2, 1)
    assert point.achieved_rps == pytest.approx(3 / 2.0)
    assert point.segments_per_s == pytest.approx(40 / 2.0)
    assert point.p50_ms == pytest.approx(300) and point.p99_ms == pytest.approx(1000)
    assert point.sentence_p95_ms == pytest.approx(300)  # sentences and Libre only
    assert point.article_p95_ms == pytest.approx(1000)
    assert point.mean_batch == 8 and point.server_cpu_ms_per_segment == pytest.approx(5)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([1, 2, 3, 4], 0.5, 3), ([5], 0.99, 5), (list(range(100)), 0.95, 95), ([3, 1, 2], 0.0, 1)],
)
def test_percentile_nearest_rank(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == expected


@pytest.mark.parametrize(
    ("rate", "seconds"),
    [(10.0, 30.0), (1.0, 30.0), (0.5, 50.0), (0.1, 120.0)],
)
def test_low_rates_get_a_longer_window(rate: float, seconds: float) -> None:
    from bench.config import OpenLoopConfig

    assert OpenLoopConfig(min_requests=25).window(rate) == pytest.approx(seconds)
    assert OpenLoopConfig().window(rate) == pytest.approx(min(120.0, max(30.0, 200 / rate)))


def test_p95_interval_narrows_with_more_requests() -> None:
    from bench.server import percentile_interval

    few = percentile_interval(list(range(1, 26)), 0.95)
    many = percentile_interval(list(range(1, 401)), 0.95)
    assert few == (21, 25)  # 25 requests: the p95 is anywhere in the top five
    assert many[0] <= 380 <= many[1] and many[1] - many[0] < 0.05 * 400
