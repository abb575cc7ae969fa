"""Prometheus metrics of one server instance (its own registry, so apps never share state)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric

from service.batching import BatchReport
from service.batching.worker import MODEL_THREAD

BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128)
TOKEN_BUCKETS = (16, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
MODEL_THREAD_PREFIX = MODEL_THREAD  # the batcher's model thread (its executor's name prefix)


def thread_cpu_seconds(native_id: int) -> float | None:
    """CPU seconds of one thread of this process, by its kernel thread id; None once it has
    ended. Linux only: the per-thread CPU clock id is built from the thread id as glibc's
    ``pthread_getcpuclockid`` does, so a thread that ends meanwhile gives an error rather
    than a read through a stale ``pthread_t``."""
    if not sys.platform.startswith("linux"):
        return None
    clock_id = (~native_id << 3) | 6  # MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)
    try:
        return time.clock_gettime(clock_id)
    except OSError:
        return None


class ThreadCpuCollector:
    """``thaimt_server_cpu_seconds_total``: CPU time of the process's Python threads other
    than the model thread (event loop, request preparation threads, anything else in Python),
    and ``thaimt_model_thread_cpu_seconds_total``: the model thread's own.

    The model library's native compute threads (CTranslate2's, torch's OpenMP workers) are not
    Python threads and so are in neither; the model thread also runs tokenising and decoding of
    each batch. A thread that ends keeps the CPU it had at the last scrape (what it spent after
    that is lost: the server's threads live as long as the process). Linux only; elsewhere the
    two series are absent.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[int, int], tuple[float, bool]] = {}  # thread -> (cpu, is model)
        self._retired = {False: 0.0, True: 0.0}

    def totals(self) -> tuple[float, float] | None:
        """(server seconds, model-thread seconds) so far; None where unsupported."""
        if not sys.platform.startswith("linux"):
            return None
        seen: dict[tuple[int, int], tuple[float, bool]] = {}
        for thread in threading.enumerate():
            if thread.ident is None or thread.native_id is None:
                continue
            cpu = thread_cpu_seconds(thread.native_id)
            if cpu is not None:
                is_model = thread.name.startswith(MODEL_THREAD_PREFIX)
                seen[(thread.ident, thread.native_id)] = (cpu, is_model)
        with self._lock:
            for key, (cpu, is_model) in self._last.items():
                if key not in seen or seen[key][0] < cpu:  # ended (or its id was reused)
                    self._retired[is_model] += cpu
            self._last = seen
            totals = dict(self._retired)
        for cpu, is_model in seen.values():
            totals[is_model] += cpu
        return totals[False], totals[True]

    def collect(self) -> Iterator[Metric]:
        totals = self.totals()
        if totals is None:
            return
        yield CounterMetricFamily(
            "thaimt_server_cpu_seconds",
            "CPU seconds of the server's Python threads other than the model thread",
            value=totals[0],
        )
        yield CounterMetricFamily(
            "thaimt_model_thread_cpu_seconds",
            "CPU seconds of the model thread (not the model library's own compute threads)",
            value=totals[1],
        )


class ServerMetrics:
    """Every metric the server exports; implements the batcher's ``BatchListener``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)  # process_cpu_seconds_total and friends (Linux)
        r.register(ThreadCpuCollector())
        self.queue_depth = Gauge(
            "thaimt_queue_depth", "Segments waiting for a model call", registry=r
        )
        self.queue_capacity = Gauge(
            "thaimt_queue_capacity",
            "Queued segments beyond which requests are refused (503)",
            registry=r,
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
            "Output tokens generated by the model",
            registry=r,
        )
        self.segments_translated = Counter(
            "thaimt_segments_translated", "Segments that went through the model", registry=r
        )
        self.job_segments = Counter(
            "thaimt_job_segments",
            "Of those, segments of document jobs (run behind interactive requests)",
            registry=r,
        )
        self.scheduler = Gauge(
            "thaimt_scheduler",
            "The batching scheduler this server runs (its label; the value is 1)",
            ["scheduler"],
            registry=r,
        )
        self.decode_steps = Counter(
            "thaimt_decode_steps",
            "Decoding steps of the running batch (continuous batching only)",
            registry=r,
        )
        self.decode_rows = Counter(
            "thaimt_decode_rows",
            "Rows advanced by those steps, summed (over thaimt_decode_steps: the mean batch)",
            registry=r,
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

    def watch_queue(self, depth: Callable[[], int], capacity: Callable[[], int]) -> None:
        self.queue_depth.set_function(lambda: float(depth()))
        self.queue_capacity.set_function(lambda: float(capacity()))

    def watch_cache(self, cache: object) -> None:
        """Export ``thaimt_cache_hits_total``, ``thaimt_cache_misses_total`` and
        ``thaimt_cache_errors_total{kind}`` from the engine's translation cache (SQLite or
        Redis), read at scrape time (no series when caching is off)."""
        from service.cache.collector import CacheCollector

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
        self.decode_steps.inc(report.steps)
        self.decode_rows.inc(report.row_steps)
        self.job_segments.inc(report.background)
        for latency in report.segment_latencies:
            self.segment_seconds.observe(latency)

    def segments_dropped(self, count: int) -> None:
        self.dropped.inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
