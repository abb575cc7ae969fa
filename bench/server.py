"""The real server under load: ``thaimt serve`` subprocesses (127.0.0.1, random port, cache off),
``/metrics`` scraping, closed loops of one-sentence requests, and the server-vs-engine rounds."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.adapters import engine_translate, model_segments, new_engine
from bench.config import BenchConfig, ServerConfig, Variant
from bench.results import EngineResult, PairedRound, ServerResult

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

_SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(model: Path, server: ServerConfig, config: BenchConfig, port: int) -> list[str]:
    """The ``thaimt serve`` command line for one configuration (cache off: every request must
    reach the model)."""
    variant = server.variant
    command = [sys.executable, "-m", "service.cli.main", "serve", "--model", str(model)]
    command += ["--backend", variant.backend, "--dtype", variant.dtype]
    command += ["--device", config.device, "--threads", str(config.threads)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-cache"]
    command += ["--log-level", "warning", "--no-access-log"]
    if not server.batching:
        command.append("--no-batching")
    if server.max_batch_size is not None:
        command += ["--max-batch-size", str(server.max_batch_size)]
    if server.max_batch_tokens is not None:
        command += ["--max-batch-tokens", str(server.max_batch_tokens)]
    if server.max_wait_ms is not None:
        command += ["--max-wait-ms", str(server.max_wait_ms)]
    if server.queue_size is not None:
        command += ["--queue-size", str(server.queue_size)]
    return command


def closed_loop_server(variant: Variant, config: BenchConfig, batching: bool) -> ServerConfig:
    """The closed-loop stage's server: batches of 32, the configured batching window."""
    return ServerConfig(variant, batching, max_batch_size=32, max_wait_ms=config.server_max_wait_ms)


@contextmanager
def running_server(
    model: Path,
    server: ServerConfig,
    config: BenchConfig,
    forced_output_tokens: int | None = None,
) -> Iterator[str]:
    """``thaimt serve`` in a subprocess; yields its base URL once ``/ready`` says so.
    ``forced_output_tokens`` fixes every output's length (closed-loop stages); None leaves
    outputs their natural length (open loop)."""
    with server_process(model, server, config, forced_output_tokens) as (url, _pid):
        yield url


@contextmanager
def server_process(
    model: Path,
    server: ServerConfig,
    config: BenchConfig,
    forced_output_tokens: int | None = None,
) -> Iterator[tuple[str, int]]:
    """:func:`running_server`, yielding the process id too (for its memory)."""
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env.pop("THAIMT_FORCED_OUTPUT_TOKENS", None)
    if forced_output_tokens is not None:
        env["THAIMT_FORCED_OUTPUT_TOKENS"] = str(forced_output_tokens)
    env.update(server.env)
    # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            serve_command(model, server, config, port),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, process, log)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[Any], log: Any, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"thaimt serve exited ({process.returncode}): {log.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"thaimt serve did not become ready within {timeout:.0f} s")
        time.sleep(0.1)


# --- /metrics ---------------------------------------------------------------------------------


def scrape(url: str) -> dict[str, float]:
    """Every sample of ``/metrics``: unlabelled names plus ``name{labels}`` keys."""
    import httpx

    samples: dict[str, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            samples[match.group(1)] = float(match.group(2))
    return samples


@dataclass(frozen=True)
class MetricsDelta:
    """What the server counted between two scrapes."""

    before: dict[str, float]
    after: dict[str, float]

    def get(self, name: str) -> float:
        return self.after.get(name, 0.0) - self.before.get(name, 0.0)

    @property
    def segments(self) -> float:
        return self.get("thaimt_batch_size_sum")

    @property
    def model_calls(self) -> float:
        return self.get("thaimt_batch_size_count")

    @property
    def mean_batch(self) -> float | None:
        return self.segments / self.model_calls if self.model_calls else None

    @property
    def model_ms(self) -> float | None:
        """Mean duration of one model call."""
        calls = self.get("thaimt_batch_seconds_count")
        return 1000 * self.get("thaimt_batch_seconds_sum") / calls if calls else None

    @property
    def segment_ms(self) -> float | None:
        """Mean segment latency, queueing to translation."""
        count = self.get("thaimt_segment_seconds_count")
        return 1000 * self.get("thaimt_segment_seconds_sum") / count if count else None

    @property
    def queue_wait_ms(self) -> float | None:
        """Mean segment latency minus mean model call: the time a segment waits for a batch
        to form and for the running one to end (approximate: calls are not weighted by size)."""
        if self.segment_ms is None or self.model_ms is None:
            return None
        return max(0.0, self.segment_ms - self.model_ms)

    @property
    def server_cpu_ms_per_segment(self) -> float | None:
        """CPU of the server's own threads (all but the model thread) per segment."""
        name = "thaimt_server_cpu_seconds_total"
        if name not in self.after or not self.segments:
            return None
        return 1000 * self.get(name) / self.segments


def batch_counters(url: str) -> tuple[float, float]:
    """(segments, model calls) so far, from the server's ``thaimt_batch_size`` histogram."""
    samples = scrape(url)
    return samples.get("thaimt_batch_size_sum", 0.0), samples.get("thaimt_batch_size_count", 0.0)


# --- closed loops of one-sentence requests ----------------------------------------------------


async def _load(
    url: str, sentences: Sequence[str], clients: int
) -> tuple[float, list[float], list[str]]:
    """``clients`` concurrent clients, each sending one sentence per request until none left
    (seconds, latencies, translations in input order)."""
    from bench.loadgen import closed_loop

    result = await closed_loop(url, sentences, clients)
    return result.seconds, result.latencies, result.translations


def load(url: str, sentences: Sequence[str], clients: int) -> tuple[float, list[float], list[str]]:
    return asyncio.run(_load(url, sentences, clients))


def server_request_count(config: BenchConfig, clients: int, batching: bool) -> int:
    if config.quick:
        return 64 if batching else 32
    if batching:
        return {1: 16, 8: 48}.get(clients, 96)
    return {1: 16, 8: 32}.get(clients, 64)


def measure_server(
    url: str,
    variant: Variant,
    config: BenchConfig,
    batching: bool,
    sentences: Sequence[str],
    client_counts: Sequence[int],
) -> tuple[list[ServerResult], list[str]]:
    """Closed loops of N clients against a running server; also returns the first run's
    translations."""
    results: list[ServerResult] = []
    first_outputs: list[str] = []
    for clients in client_counts:
        texts = sentences[: server_request_count(config, clients, batching)]
        segments_before, calls_before = batch_counters(url)
        seconds, latencies, outputs = load(url, texts, clients)
        segments_after, calls_after = batch_counters(url)
        first_outputs = first_outputs or outputs
        results.append(
            server_result(
                variant,
                batching,
                clients,
                len(texts),
                seconds,
                latencies,
                (segments_after - segments_before, calls_after - calls_before),
            )
        )
    return results, first_outputs


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank rule on sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def server_result(
    variant: Variant,
    batching: bool,
    clients: int,
    requests: int,
    seconds: float,
    latencies: list[float],
    batches: tuple[float, float],  # segments, model calls
) -> ServerResult:
    segments, calls = batches
    return ServerResult(
        variant.label,
        batching,
        clients,
        requests,
        seconds,
        requests / seconds,
        1000 * statistics.median(latencies),
        1000 * percentile(latencies, 0.95),
        segments / calls if calls else None,
    )


def measure_paired(
    url: str,
    backend: Backend,
    variant: Variant,
    config: BenchConfig,
    sentences: Sequence[str],
    options: DecodeOptions,
    batch_size: int = 32,
) -> tuple[EngineResult, ServerResult, list[PairedRound], list[str]]:
    """Server (``batch_size`` concurrent clients, one sentence each) against the offline engine
    (one batch of the same sentences' segments), round after round, alternating which goes
    first. Throughputs are totals over all rounds; also returns the server's translations of
    ``sentences`` from the first on, in order."""
    engine = new_engine(backend, batch_size)
    rounds: list[PairedRound] = []
    latencies: list[float] = []
    segments_before, calls_before = batch_counters(url)
    tokens = 0
    translations: list[str] = []
    for number in range(config.paired_rounds + 1):  # round 0 warms both sides up, untimed
        first = number * batch_size
        chunk = [sentences[i % len(sentences)] for i in range(first, first + batch_size)]
        # Counted by the backend, as the server's pipeline counts through it: both
        # sides then find the token counts remembered when they batch.
        segments = [seg for per in model_segments(chunk, engine.backend, options) for seg in per]
        engine_first = number % 2 == 0
        engine_s = server_s = 0.0
        for side in ("engine", "server") if engine_first else ("server", "engine"):
            if side == "engine":
                started = time.perf_counter()
                engine_translate(engine, segments, options)
                engine_s = time.perf_counter() - started
            else:
                server_s, round_latencies, outputs = load(url, chunk, batch_size)
                translations += outputs
        if number == 0:
            segments_before, calls_before = batch_counters(url)
            continue
        rounds.append(PairedRound(len(chunk), engine_s, server_s, engine_first))
        latencies += round_latencies
        tokens += len(set(segments)) * (options.forced_output_tokens or 0)
    segments_after, calls_after = batch_counters(url)
    done = sum(r.sentences for r in rounds)
    engine_total = sum(r.engine_s for r in rounds)
    server_total = sum(r.server_s for r in rounds)
    engine_result = EngineResult(
        variant.label, batch_size, done, engine_total, done / engine_total, tokens / engine_total
    )
    server = server_result(
        variant,
        True,
        batch_size,
        done,
        server_total,
        latencies,
        (segments_after - segments_before, calls_after - calls_before),
    )
    return engine_result, server, rounds, translations


def wait_idle(url: str, timeout_s: float = 300) -> None:
    """Until nothing is queued or in flight (but this scrape) and no model call has ended for
    1.5 mean model calls: abandoned closed-loop requests can leave a batch running that the
    next stage must not meet."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        first = scrape(url)
        queued = first.get("thaimt_queue_depth", 0)
        if queued == 0 and first.get("thaimt_requests_in_flight", 0) <= 1:
            calls = first.get("thaimt_batch_seconds_count", 0)
            mean = first.get("thaimt_batch_seconds_sum", 0) / calls if calls else 0.0
            time.sleep(max(0.3, 1.5 * mean))
            again = scrape(url)
            if again.get("thaimt_batch_size_count") == first.get("thaimt_batch_size_count"):
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not become idle within {timeout_s:.0f} s")
