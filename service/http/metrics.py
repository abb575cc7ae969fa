"""Prometheus metrics of one server instance (its own registry, so apps never share state)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from service.batcher import BatchReport

BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128)
TOKEN_BUCKETS = (16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServerMetrics:
    """Every metric the server exports; implements the batcher's ``BatchListener``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.queue_depth = Gauge(
            "thaimt_queue_depth", "Segments waiting for a model call", registry=r
        )
        self.in_flight = Gauge(
            "thaimt_requests_in_flight", "HTTP requests being served", registry=r
        )
        self.batch_size = Histogram(
            "thaimt_batch_size", "Segments per model call", buckets=BATCH_SIZE_BUCKETS, registry=r
        )
        self.batch_tokens = Histogram(
            "thaimt_batch_tokens", "Source tokens per model call", buckets=TOKEN_BUCKETS, registry=r
        )
        self.batch_seconds = Histogram(
            "thaimt_batch_seconds",
            "Duration of one model call",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.request_seconds = Histogram(
            "thaimt_request_seconds",
            "HTTP request latency",
            ["endpoint", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.segment_seconds = Histogram(
            "thaimt_segment_seconds",
            "Segment latency from queueing to translation",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens_generated = Counter(
            "thaimt_tokens_generated",
            "Output tokens (approximate: counted with the source tokenizer)",
            registry=r,
        )
        self.segments_translated = Counter(
            "thaimt_segments_translated", "Segments that went through the model", registry=r
        )
        self.dropped = Counter(
            "thaimt_dropped_segments",
            "Queued segments dropped because their client disconnected or timed out",
            registry=r,
        )
        self.characters = Counter(
            "thaimt_characters",
            "Characters accepted (texts plus glossary and do-not-translate terms)",
            registry=r,
        )

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))

    def watch_cache(self, cache: object) -> None:
        """Export ``thaimt_cache_hits_total``, ``thaimt_cache_misses_total`` and
        ``thaimt_cache_errors_total{kind}`` from the engine's translation cache (SQLite or
        Redis), read at scrape time (no series when caching is off)."""
        from service.cache import CacheCollector

        if cache is not None and hasattr(cache, "faults") and hasattr(cache, "stats"):
            self.registry.register(CacheCollector(cache))  # type: ignore[arg-type]

    def watch_shared_state(self, link: object | None, budget: object | None) -> None:
        """Export ``thaimt_redis_up`` and ``thaimt_key_budget_errors_total`` (Redis only)."""
        from service.state.metrics import SharedStateCollector
        from service.state.redis_link import RedisLink

        if isinstance(link, RedisLink):
            self.registry.register(SharedStateCollector(link, budget))

    # BatchListener
    def batch_finished(self, report: BatchReport) -> None:
        self.batch_size.observe(report.size)
        self.batch_tokens.observe(report.source_tokens)
        self.batch_seconds.observe(report.seconds)
        self.tokens_generated.inc(report.output_tokens)
        self.segments_translated.inc(report.size)
        for latency in report.segment_latencies:
            self.segment_seconds.observe(latency)

    def segments_dropped(self, count: int) -> None:
        self.dropped.inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
