"""The cache's Prometheus counters, read from the store at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.cache.store import SegmentStore


class CacheCollector:
    """Prometheus collector exporting ``thaimt_cache_hits_total``,
    ``thaimt_cache_misses_total`` and ``thaimt_cache_errors_total{kind}`` (``lost``: the SQLite
    file was deleted or replaced while open) from a store's counters.

    Register it on the server's registry: ``registry.register(CacheCollector(engine.cache))``.
    """

    def __init__(self, cache: SegmentStore) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        stats = self.cache.stats
        yield CounterMetricFamily(
            "thaimt_cache_hits", "Segments answered from the translation cache", value=stats.hits
        )
        yield CounterMetricFamily(
            "thaimt_cache_misses", "Segments the translation cache did not hold", value=stats.misses
        )
        errors = CounterMetricFamily(
            "thaimt_cache_errors",
            "Cache operations that failed and were served as misses or skipped stores",
            labels=["kind"],
        )
        for kind, count in sorted(self.cache.faults.counts().items()):
            errors.add_metric([kind], count)
        yield errors
