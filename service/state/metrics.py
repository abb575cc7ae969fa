"""Prometheus collector for the shared state: whether Redis answers, and budget faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.state.faults import FaultTracker
from service.state.redis_link import RedisLink


class SharedStateCollector:
    """``thaimt_redis_up`` (1/0, a PING at scrape time) when Redis is configured, and
    ``thaimt_key_budget_errors_total{kind}`` when the budgets live in Redis."""

    def __init__(self, link: RedisLink | None, budget: object | None) -> None:
        self.link = link
        faults = getattr(budget, "faults", None)
        self.budget_faults = faults if isinstance(faults, FaultTracker) else None

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        if self.link is not None:
            up = 1.0 if self.link.check() else 0.0
            yield GaugeMetricFamily(
                "thaimt_redis_up", "Whether Redis (THAIMT_REDIS_URL) answers: 1 up, 0 down", up
            )
        if self.budget_faults is not None:
            errors = CounterMetricFamily(
                "thaimt_key_budget_errors",
                "Budget charges and refunds that could not use Redis "
                "(handled by THAIMT_REDIS_LIMIT_FALLBACK)",
                labels=["kind"],
            )
            for kind, count in sorted(self.budget_faults.counts().items()):
                errors.add_metric([kind], count)
            yield errors
