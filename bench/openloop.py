"""Open-loop load: what users of a shared server feel as requests arrive on their own schedule.

For one running server (cache off, outputs of natural length: every row stops at its own bound
``DecodeOptions.max_new_tokens`` or at EOS — the random bench model rarely emits EOS, so rows
mostly run to their bound):

1. ``single_request_ms``: the median latency of a lone one-sentence request on the idle server;
2. capacity: ``capacity_clients`` closed-loop clients sending the request mix back to back keep
   the queue full; segments translated per second between two ``/metrics`` scrapes (after a
   ramp, before the stop) is the capacity, and divided by the mix's mean segments per request it
   gives requests/s;
3. for each fraction of that capacity: Poisson arrivals of the mix for ``arrival_seconds``, every
   request waited for. Latency percentiles come from the client; mean batch, queue wait against
   model time and the server's own CPU per segment from ``/metrics`` before and after.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable, Sequence

from bench.config import OpenLoopConfig, ServerConfig
from bench.inputs import RequestPool, saturating_stream, schedule
from bench.loadgen import Arrival, Connection, Outcome, open_loop, saturate
from bench.results import OpenLoopCurve, OpenLoopPoint
from bench.server import (
    MetricsDelta,
    percentile,
    percentile_interval,
    scheduler_of,
    scrape,
    wait_idle,
)

REFUSED = frozenset({429, 503})
SENTENCE_KINDS = frozenset({"sentence", "libre"})  # one-sentence requests (/v1 and Libre)


def single_request_ms(url: str, pool: RequestPool, count: int) -> float:
    """Median latency of ``count`` one-sentence requests sent one at a time (after one
    untimed request), each on an otherwise idle server."""
    sentences = pool.by_kind["sentence"]

    async def run() -> list[float]:
        connection = Connection(*_host_port(url))
        latencies = []
        try:
            for number in range(count + 1):
                request = sentences[number % len(sentences)]
                started = time.perf_counter()
                await connection.post_json(request.path, request.body)
                if number:
                    latencies.append(time.perf_counter() - started)
        finally:
            await connection.close()
        return latencies

    return 1000 * statistics.median(asyncio.run(run()))


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").partition(":")
    return host, int(port)


def measure_capacity(url: str, pool: RequestPool, settings: OpenLoopConfig) -> float:
    """Segments per second the server sustains with its queue kept full by the mix.

    The window runs from the end of one model call to the end of a later one, at least
    ``capacity_seconds`` apart: it then holds whole batches only (a window cut at arbitrary
    moments would count a batch of 32 that was mostly done before it, or none of one that was
    mostly done inside it: ±30 % with 3 batches in the window)."""
    rng = random.Random(settings.seed)
    stream = [(r.path, r.body) for r in saturating_stream(pool, rng, 512)]
    ramp = min(3.0, settings.capacity_seconds / 4)

    async def run() -> tuple[MetricsDelta, float]:
        stop = asyncio.Event()
        clients = asyncio.create_task(saturate(url, stream, settings.capacity_clients, stop))
        await asyncio.sleep(ramp)
        before, started = await _after_next_batch(url)
        await asyncio.sleep(settings.capacity_seconds)
        after, ended = await _after_next_batch(url)
        stop.set()
        await clients
        return MetricsDelta(before, after), ended - started

    delta, seconds = asyncio.run(run())
    wait_idle(url)
    return delta.segments / seconds


async def _after_next_batch(
    url: str, poll_s: float = 0.1, timeout_s: float = 600
) -> tuple[dict[str, float], float]:
    """The metrics right after the next model call ends, and when that was seen."""
    first = await asyncio.to_thread(scrape, url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await asyncio.sleep(poll_s)
        samples = await asyncio.to_thread(scrape, url)
        if samples.get("thaimt_batch_size_count", 0) > first.get("thaimt_batch_size_count", 0):
            return samples, time.perf_counter()
    raise RuntimeError(f"no model call ended within {timeout_s:g} s under a saturating load")


def measure_rate(
    url: str,
    pool: RequestPool,
    fraction: float,
    capacity_rps: float,
    settings: OpenLoopConfig,
) -> OpenLoopPoint:
    """Poisson arrivals at ``fraction`` of the capacity, every answer waited for."""
    rate = fraction * capacity_rps
    rng = random.Random(settings.seed * 1000 + round(fraction * 100))
    planned = schedule(pool, rate, settings.window(rate), rng)
    if not planned:  # a very short window: still one request
        planned = [(0.0, pool.by_kind["sentence"][0])]
    arrivals = [Arrival(t, r.kind, r.path, r.body) for t, r in planned]
    before = scrape(url)
    outcomes = asyncio.run(open_loop(url, arrivals))
    delta = MetricsDelta(before, scrape(url))
    return summarize_rate(fraction, rate, outcomes, delta)


def summarize_rate(
    fraction: float, rate: float, outcomes: Sequence[Outcome], delta: MetricsDelta
) -> OpenLoopPoint:
    ok = [o for o in outcomes if o.status == 200]
    span = max((o.sent + o.seconds for o in outcomes), default=0.0) or 1e-9
    latencies = [o.seconds for o in ok] or [float("nan")]

    def p95(kinds: frozenset[str]) -> float | None:
        chosen = [1000 * o.seconds for o in ok if o.kind in kinds]
        return percentile(chosen, 0.95) if chosen else None

    sentences = [1000 * o.seconds for o in ok if o.kind in SENTENCE_KINDS]

    return OpenLoopPoint(
        fraction=fraction,
        offered_rps=rate,
        requests=len(outcomes),
        achieved_rps=len(ok) / span,
        segments_per_s=delta.segments / span,
        p50_ms=1000 * percentile(latencies, 0.5),
        p95_ms=1000 * percentile(latencies, 0.95),
        p99_ms=1000 * percentile(latencies, 0.99),
        sentence_p95_ms=p95(SENTENCE_KINDS),
        article_p95_ms=p95(frozenset({"article"})),
        mean_batch=delta.mean_batch,
        queue_wait_ms=delta.queue_wait_ms,
        model_ms=delta.model_ms,
        refused=sum(o.status in REFUSED for o in outcomes),
        failed=sum(o.status != 200 and o.status not in REFUSED for o in outcomes),
        server_cpu_ms_per_segment=delta.server_cpu_ms_per_segment,
        sentence_p95_interval_ms=percentile_interval(sentences, 0.95) if sentences else None,
        sentences=len(sentences),
    )


def measure_curve(
    url: str,
    server: ServerConfig,
    pool: RequestPool,
    settings: OpenLoopConfig,
    rates: Sequence[float],
    log: Callable[[str], object] = print,
    capacity_rps: float | None = None,
) -> OpenLoopCurve:
    """Single-request latency, capacity, then each rate (fractions of this server's capacity,
    or of ``capacity_rps`` when given: the sweep offers every configuration the same load)."""
    single = single_request_ms(url, pool, settings.single_requests)
    capacity = measure_capacity(url, pool, settings)
    per_request = pool.segments_per_request()
    curve = OpenLoopCurve(
        server.label,
        server.variant.label,
        server.batching,
        capacity,
        capacity / per_request,
        per_request,
        single,
        scheduler=scheduler_of(url),
        requested=server.scheduler,
    )
    log(
        f"open loop {server.label}: lone sentence {single:.0f} ms, capacity "
        f"{capacity:.1f} segments/s = {curve.capacity_rps:.2f} requests/s of the mix"
    )
    for fraction in rates:
        point = measure_rate(url, pool, fraction, capacity_rps or curve.capacity_rps, settings)
        curve.points.append(point)
        log(
            f"open loop {server.label} at {fraction:.0%}: {point.achieved_rps:.2f} requests/s, "
            f"p50/p95/p99 {point.p50_ms:.0f}/{point.p95_ms:.0f}/{point.p99_ms:.0f} ms, "
            f"{point.refused} refused"
        )
    return curve
