"""``thaimt bench``: offline engine, server and cache throughput, measured side by side.

Everything runs on the base-size random Marian model (the dimensions of opus-mt-th-en, built
once into ``~/.cache/thaimt/bench-models/``) with every output forced to the same number of
tokens, so backends and configurations do the same work and their ratios compare. Inputs are
the FLORES-200 Thai devtest sentences shipped in ``eval/data``.

* engine: ``Engine.translate`` per backend x batch size (sentences/s, output tokens/s);
* server: the real ``thaimt serve`` (subprocess, 127.0.0.1, random port, cache off), N
  concurrent clients each sending one sentence per request to ``/v1/translate``, with
  cross-request batching on and off;
* server vs engine: rounds of 32 sentences, each translated once by the offline engine (one
  batch) and once by the server (32 concurrent clients, one sentence each), alternating, so a
  slow spell of the machine (a batch can take 20 % longer from one minute to the next on a
  shared 2-core VM) weighs on both sides of the ratio alike;
* cache: two passes over the same segments through an engine with a fresh SQLite cache.

Machines are noisy, so every ratio in the summary comes from numbers measured in the same run.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.backend import Backend, DecodeOptions

if TYPE_CHECKING:
    from service.pipeline import Encoder

BENCH_MODELS = Path.home() / ".cache" / "thaimt" / "bench-models"


@dataclass(frozen=True)
class Variant:
    """One way of running the model: backend, precision and the directory it loads."""

    backend: str  # "torch" or "ct2"
    dtype: str  # torch dtype or ct2 compute type

    @property
    def label(self) -> str:
        return f"{self.backend}-{self.dtype}"


@dataclass(frozen=True)
class BenchConfig:
    quick: bool = False
    device: str = "cpu"
    threads: int = 0  # 0 = every core (torch intra-op; ct2 intra_threads)
    output_tokens: int = 32  # forced length of every translation
    model: Path | None = None  # a transformers model dir; None = the base-size test model
    cache_pass_segments: int | None = None  # None = 500 (64 with --quick)
    server_max_wait_ms: float | None = None  # the server's batching window; None = its default

    @property
    def variants(self) -> list[Variant]:
        if self.device.startswith("cuda"):
            variants = [
                Variant("torch", "float16"),
                Variant("ct2", "float16"),
                Variant("ct2", "int8_float16"),
            ]
        else:
            variants = [
                Variant("torch", "float32"),
                Variant("ct2", "int8"),
                Variant("ct2", "float32"),
            ]
        return variants[:2] if self.quick else variants

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        return (32,) if self.quick else (1, 8, 32)

    @property
    def client_counts(self) -> tuple[int, ...]:
        return (32,) if self.quick else (1, 8, 32)

    @property
    def server_variants(self) -> list[Variant]:
        return self.variants[:1] if self.quick else self.variants[:2]

    @property
    def paired_rounds(self) -> int:
        """Rounds of 32 sentences for the server-vs-engine comparison."""
        return 4 if self.quick else 8

    @property
    def cache_segments(self) -> int:
        if self.cache_pass_segments is not None:
            return self.cache_pass_segments
        return 64 if self.quick else 500


@dataclass
class EngineResult:
    variant: str
    batch_size: int
    sentences: int
    seconds: float
    sentences_per_s: float
    tokens_per_s: float


@dataclass
class ServerResult:
    variant: str
    batching: bool
    clients: int
    requests: int
    seconds: float
    sentences_per_s: float
    p50_ms: float
    p95_ms: float
    mean_batch_size: float | None = None


@dataclass
class PairedRound:
    """One round of the server-vs-engine comparison: the same sentences both ways."""

    sentences: int
    engine_s: float
    server_s: float
    engine_first: bool


@dataclass
class CacheResult:
    variant: str
    segments: int
    first_pass_s: float
    second_pass_s: float
    speedup: float
    identical: bool
    hits: int
    misses: int


@dataclass
class BenchReport:
    environment: dict[str, Any]
    settings: dict[str, Any]
    engine: list[EngineResult] = field(default_factory=list)
    server: list[ServerResult] = field(default_factory=list)
    cache: CacheResult | None = None
    paired: dict[str, list[PairedRound]] = field(default_factory=dict)  # variant -> rounds
    server_outputs_identical: dict[str, bool] = field(default_factory=dict)  # batching on/off
    summary: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- inputs and models ------------------------------------------------------------------------


def bench_sentences(count: int | None = None) -> list[str]:
    """FLORES-200 Thai devtest sentences, in file order (repeated if more are asked for)."""
    from models.corpus import eval_data_dir

    path = eval_data_dir() / "flores200" / "tha_Thai.devtest"
    lines = [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]
    if count is None:
        return lines
    return [lines[i % len(lines)] for i in range(count)]


def base_model_dir(root: Path = BENCH_MODELS) -> Path:
    """The base-size random Marian model, built once (about a minute) and reused."""
    from models.testmodel import build_test_model

    target = root / "marian-base-seed0"
    if not (target / "config.json").is_file():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".build-") as tmp:
            build_test_model(Path(tmp) / "model", size="base", family="marian", seed=0)
            shutil.rmtree(target, ignore_errors=True)
            (Path(tmp) / "model").rename(target)
    return target


def ct2_model_dir(source: Path, quantization: str) -> Path:
    """``source`` converted for CTranslate2 with ``quantization``, converted once and reused."""
    from models.convert import convert_model, is_ct2_dir

    target = source.parent / f"{source.name}-ct2-{quantization}"
    if not is_ct2_dir(target):
        convert_model(str(source), target, quantization=quantization, force=True)
    return target


def model_dir_for(variant: Variant, base: Path) -> Path:
    """Where ``variant`` loads from: the transformers dir, or a ct2 conversion stored in the
    type it runs in (float16/int8_float16 run from a float16/int8 conversion)."""
    if variant.backend == "torch":
        return base
    stored = {"int8_float16": "int8", "int8_float32": "int8"}.get(variant.dtype, variant.dtype)
    return ct2_model_dir(base, stored)


def load_variant(variant: Variant, base: Path, config: BenchConfig) -> Backend:
    from models.loading import ModelSpec, load_backend

    spec = ModelSpec(
        model=str(model_dir_for(variant, base)),
        backend=variant.backend,
        device=config.device,
        dtype=variant.dtype,
        threads=config.threads,
    )
    return load_backend(spec)


def decode_options(config: BenchConfig) -> DecodeOptions:
    return DecodeOptions(beam_size=1, forced_output_tokens=config.output_tokens)


# --- offline engine ---------------------------------------------------------------------------


def pipeline_segments(
    sentences: Sequence[str], counter: Encoder, options: DecodeOptions
) -> list[list[str]]:
    """The masked segments the pipeline sends to the model for each sentence (a sentence may
    become several segments), so the engine does exactly the model work the server does."""
    from service.pipeline import TranslateOptions, prepare_document

    translate_options = TranslateOptions(decode=options)
    return [prepare_document(s, translate_options, counter).requests for s in sentences]


def single_segment_sentences(
    counter: Backend, options: DecodeOptions, limit: int, tokens: tuple[int, int] = (20, 40)
) -> list[str]:
    """FLORES sentences, in file order, that the pipeline sends to the model as one segment of
    ``tokens[0]``..``tokens[1]`` source tokens.

    Every request (server) and input (engine) then costs about the same model work, so
    throughputs compare across configurations and batches pad alike on both sides.
    """
    chosen: list[str] = []
    for sentence in bench_sentences():
        requests = pipeline_segments([sentence], counter, options)[0]
        if len(requests) == 1 and tokens[0] <= len(counter.encode(requests)[0]) <= tokens[1]:
            chosen.append(sentence)
            if len(chosen) == limit:
                break
    return chosen


def measure_engine(
    backend: Backend,
    variant: Variant,
    segments: Sequence[list[str]],
    batch_size: int,
    options: DecodeOptions,
) -> EngineResult:
    """Throughput of ``Engine.translate`` (tokenising and batching included, no cache) over the
    pipeline segments of ``len(segments)`` sentences, ``batch_size`` consecutive sentences per
    call (each batch sorted within itself, like a server batch); counted per input sentence."""
    from service.engine import Engine

    flat = [seg for per_sentence in segments for seg in per_sentence]
    engine = Engine(backend, max_batch_size=batch_size, max_batch_tokens=1 << 30)
    engine.translate(flat[:batch_size], options)  # warm-up: allocations, caches
    started = time.perf_counter()
    for start in range(0, len(flat), batch_size):
        engine.translate(flat[start : start + batch_size], options)
    seconds = time.perf_counter() - started
    tokens = len(set(flat)) * (options.forced_output_tokens or 0)
    return EngineResult(
        variant.label, batch_size, len(segments), seconds, len(segments) / seconds, tokens / seconds
    )


def engine_sentence_count(config: BenchConfig, batch_size: int, variant: Variant) -> int:
    """Enough sentences for a stable figure, few enough to stay in the time budget."""
    if config.quick:
        return 96 if variant.backend == "ct2" else 64
    return {1: 24, 8: 64}.get(batch_size, 128)


# --- server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(
    model: Path, variant: Variant, config: BenchConfig, batching: bool, port: int
) -> list[str]:
    """The ``thaimt serve`` command line for one configuration (cache off: every request must
    reach the model)."""
    command = [sys.executable, "-m", "service.cli.main", "serve", "--model", str(model)]
    command += ["--backend", variant.backend, "--dtype", variant.dtype]
    command += ["--device", config.device, "--threads", str(config.threads)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-cache"]
    command += ["--max-batch-size", "32", "--log-level", "warning"]
    if not batching:
        command.append("--no-batching")
    if config.server_max_wait_ms is not None:
        command += ["--max-wait-ms", str(config.server_max_wait_ms)]
    return command


@contextmanager
def running_server(
    model: Path, variant: Variant, config: BenchConfig, batching: bool
) -> Iterator[str]:
    """``thaimt serve`` in a subprocess; yields its base URL once ``/ready`` says so."""
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env["THAIMT_FORCED_OUTPUT_TOKENS"] = str(config.output_tokens)
    # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            serve_command(model, variant, config, batching, port),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, process, log)
            yield url
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


async def _load(
    url: str, sentences: Sequence[str], clients: int
) -> tuple[float, list[float], list[str]]:
    """``clients`` concurrent clients, each sending one sentence per request until none left
    (seconds, latencies, translations in input order)."""
    from eval.loadgen import closed_loop

    result = await closed_loop(url, sentences, clients)
    return result.seconds, result.latencies, result.translations


def batch_counters(url: str) -> tuple[float, float]:
    """(segments, model calls) so far, from the server's ``thaimt_batch_size`` histogram."""
    import httpx

    values = {"thaimt_batch_size_sum": 0.0, "thaimt_batch_size_count": 0.0}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        name, _, value = line.partition(" ")
        if name in values:
            values[name] = float(value)
    return values["thaimt_batch_size_sum"], values["thaimt_batch_size_count"]


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
        seconds, latencies, outputs = asyncio.run(_load(url, texts, clients))
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


def server_result(
    variant: Variant,
    batching: bool,
    clients: int,
    requests: int,
    seconds: float,
    latencies: list[float],
    batches: tuple[float, float],  # segments, model calls
) -> ServerResult:
    latencies = sorted(latencies)
    segments, calls = batches
    return ServerResult(
        variant.label,
        batching,
        clients,
        requests,
        seconds,
        requests / seconds,
        1000 * statistics.median(latencies),
        1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        segments / calls if calls else None,
    )


def measure_paired(
    url: str,
    backend: Backend,
    variant: Variant,
    config: BenchConfig,
    sentences: Sequence[str],
    batch_size: int = 32,
) -> tuple[EngineResult, ServerResult, list[PairedRound], list[str]]:
    """Server (``batch_size`` concurrent clients, one sentence each) against the offline engine
    (one batch of the same sentences' segments), round after round, alternating which goes
    first. Throughputs are totals over all rounds; also returns the server's translations of
    ``sentences`` from the first on, in order."""
    from service.engine import Engine

    options = decode_options(config)
    engine = Engine(backend, max_batch_size=batch_size, max_batch_tokens=1 << 30)
    rounds: list[PairedRound] = []
    latencies: list[float] = []
    segments_before, calls_before = batch_counters(url)
    tokens = 0
    translations: list[str] = []
    for number in range(config.paired_rounds + 1):  # round 0 warms both sides up, untimed
        first = number * batch_size
        chunk = [sentences[i % len(sentences)] for i in range(first, first + batch_size)]
        # Counted by the engine, as the server's pipeline counts through its engine: both
        # sides then find the token counts remembered when they batch.
        segments = [seg for per in pipeline_segments(chunk, engine, options) for seg in per]
        engine_first = number % 2 == 0
        engine_s = server_s = 0.0
        for side in ("engine", "server") if engine_first else ("server", "engine"):
            if side == "engine":
                started = time.perf_counter()
                engine.translate(segments, options)
                engine_s = time.perf_counter() - started
            else:
                server_s, round_latencies, outputs = asyncio.run(_load(url, chunk, batch_size))
                translations += outputs
        if number == 0:
            segments_before, calls_before = batch_counters(url)
            continue
        rounds.append(PairedRound(len(chunk), engine_s, server_s, engine_first))
        latencies += round_latencies
        tokens += len(set(segments)) * (options.forced_output_tokens or 0)
    segments_after, calls_after = batch_counters(url)
    sentences_done = sum(r.sentences for r in rounds)
    engine_total = sum(r.engine_s for r in rounds)
    server_total = sum(r.server_s for r in rounds)
    engine_result = EngineResult(
        variant.label,
        batch_size,
        sentences_done,
        engine_total,
        sentences_done / engine_total,
        tokens / engine_total,
    )
    server = server_result(
        variant,
        True,
        batch_size,
        sentences_done,
        server_total,
        latencies,
        (segments_after - segments_before, calls_after - calls_before),
    )
    return engine_result, server, rounds, translations


# --- cache ------------------------------------------------------------------------------------


def measure_cache(
    backend: Backend, variant: Variant, sentences: Sequence[str], options: DecodeOptions
) -> CacheResult:
    """Two passes over the same segments through an engine with a fresh cache file."""
    from service.cache import TranslationCache
    from service.engine import Engine

    with tempfile.TemporaryDirectory() as tmp, TranslationCache(Path(tmp) / "c.sqlite3") as cache:
        engine = Engine(backend, max_batch_size=32, cache=cache)
        started = time.perf_counter()
        first = engine.translate(list(sentences), options)
        middle = time.perf_counter()
        second = engine.translate(list(sentences), options)
        ended = time.perf_counter()
        stats = cache.stats
    return CacheResult(
        variant.label,
        len(sentences),
        middle - started,
        ended - middle,
        (middle - started) / (ended - middle),
        first == second,
        stats.hits,
        stats.misses,
    )


# --- the whole run ----------------------------------------------------------------------------


def environment(config: BenchConfig) -> dict[str, Any]:
    import ctranslate2
    import torch

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "ctranslate2": ctranslate2.__version__,
        "device": config.device,
    }
    if config.device.startswith("cuda") and torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(0)
    return env


def run_bench(config: BenchConfig, log: Any = print) -> BenchReport:
    """Every measurement of one run (progress lines go to ``log``)."""
    base = config.model or base_model_dir()
    options = decode_options(config)
    report = BenchReport(
        environment(config),
        {
            "model": str(base),
            "output_tokens": config.output_tokens,
            "quick": config.quick,
            "threads": config.threads,
            "server_max_wait_ms": config.server_max_wait_ms,  # None = the server's default
            "variants": [v.label for v in config.variants],
            "paired_rounds": config.paired_rounds,
        },
    )
    sentences: list[str] = []
    for variant in config.variants:
        log(f"loading {variant.label}")
        backend = load_variant(variant, base, config)
        if not sentences:
            wanted = max(256, 32 * (config.paired_rounds + 1))
            sentences = single_segment_sentences(backend, options, limit=wanted)
            report.settings["sentences"] = len(sentences)
        served = variant in config.server_variants
        segments = [[s] for s in sentences]
        for batch_size in config.batch_sizes:
            if served and batch_size == 32:
                continue  # measured in rounds against the server below
            count = engine_sentence_count(config, batch_size, variant)
            report.engine.append(
                measure_engine(backend, variant, segments[:count], batch_size, options)
            )
            log(
                f"engine {variant.label} batch {batch_size}: "
                f"{report.engine[-1].sentences_per_s:.1f} sentences/s"
            )
        if variant == config.variants[1]:  # the fast one: the first pass costs least
            report.cache = measure_cache(
                backend, variant, bench_sentences(config.cache_segments), options
            )
            log(f"cache {variant.label}: second pass {report.cache.speedup:.0f}x faster")
        if served:
            measure_serving(report, backend, variant, base, config, sentences, log)
        del backend
    report.environment["load_average_after"] = os.getloadavg()
    report.summary = summarize(report, config)
    return report


def measure_serving(
    report: BenchReport,
    backend: Backend,
    variant: Variant,
    base: Path,
    config: BenchConfig,
    sentences: Sequence[str],
    log: Any,
) -> None:
    """The server with batching on (closed loops, then rounds against the engine) and off."""
    answers: list[list[str]] = []
    for batching in (True, False):
        log(f"server {variant.label} batching={'on' if batching else 'off'}: starting")
        with running_server(model_dir_for(variant, base), variant, config, batching) as url:
            asyncio.run(_load(url, sentences[:1], 1))  # the server warmed its model already
            counts = config.client_counts
            if batching:  # 32 clients: measured in rounds against the engine
                counts = tuple(c for c in counts if c != 32)
            results, outputs = measure_server(url, variant, config, batching, sentences, counts)
            if batching:
                engine_result, server, rounds, outputs = measure_paired(
                    url, backend, variant, config, sentences
                )
                report.engine.append(engine_result)
                results.append(server)
                report.paired[variant.label] = rounds
                log(
                    f"engine {variant.label} batch 32 (rounds against the server): "
                    f"{engine_result.sentences_per_s:.1f} sentences/s"
                )
        report.server.extend(results)
        answers.append(outputs)
        for r in results:
            log(
                f"server {r.variant} batching={'on' if batching else 'off'} "
                f"{r.clients} clients: {r.sentences_per_s:.1f} sentences/s"
            )
    # Greedy output must not depend on batch-mates: the same sentences, batched or not.
    common = min(len(a) for a in answers)
    report.server_outputs_identical[variant.label] = answers[0][:common] == answers[1][:common]


def summarize(report: BenchReport, config: BenchConfig) -> dict[str, float | None]:
    """The headline ratios, each from numbers of this run."""

    def engine(label: str, batch: int) -> float | None:
        hits = [
            r.sentences_per_s for r in report.engine if r.variant == label and r.batch_size == batch
        ]
        return hits[0] if hits else None

    def server(label: str, batching: bool, clients: int) -> float | None:
        hits = [
            r.sentences_per_s
            for r in report.server
            if r.variant == label and r.batching == batching and r.clients == clients
        ]
        return hits[0] if hits else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a is not None and b else None

    reference, fast = config.variants[0], config.variants[1]
    served = config.server_variants[0].label
    others = {  # the other served backends' own ratio (the full run serves ct2 int8 too)
        f"server_vs_engine_{v.backend}_{v.dtype}": ratio(
            server(v.label, True, 32), engine(v.label, 32)
        )
        for v in config.server_variants[1:]
    }
    return {
        "batching_speedup": ratio(server(served, True, 32), server(served, False, 32)),
        "server_vs_engine": ratio(server(served, True, 32), engine(served, 32)),
        # ct2_int8_vs_torch on CPU, ct2_float16_vs_torch on CUDA
        f"{fast.backend}_{fast.dtype}_vs_{reference.backend}": ratio(
            engine(fast.label, 32), engine(reference.label, 32)
        ),
        "cache_second_pass_speedup": round(report.cache.speedup, 1)
        if report.cache is not None
        else None,
        "cache_identical": float(report.cache.identical) if report.cache is not None else None,
        **others,
    }


# --- output -----------------------------------------------------------------------------------


def markdown(report: BenchReport) -> str:
    lines = [
        "## Offline engine",
        "",
        "| variant | batch | sentences | sentences/s | tokens/s |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.variant} | {r.batch_size} | {r.sentences} | {r.sentences_per_s:.2f} | "
        f"{r.tokens_per_s:.1f} |"
        for r in report.engine
    ]
    lines += [
        "",
        "## Server (one sentence per request)",
        "",
        "| variant | batching | clients | requests | sentences/s | p50 ms | p95 ms | mean batch |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.server:
        mean = f"{r.mean_batch_size:.1f}" if r.mean_batch_size is not None else ""
        lines.append(
            f"| {r.variant} | {'on' if r.batching else 'off'} | {r.clients} | "
            f"{r.requests} | {r.sentences_per_s:.2f} | {r.p50_ms:.0f} | "
            f"{r.p95_ms:.0f} | {mean} |"
        )
    for label, rounds in report.paired.items():
        lines += [
            "",
            f"## Server vs engine, {label}: rounds of the same sentences, alternating",
            "",
            "| round | sentences | first | engine s | server s | server / engine |",
            "|---:|---:|---|---:|---:|---:|",
        ]
        lines += [
            f"| {i} | {r.sentences} | {'engine' if r.engine_first else 'server'} | "
            f"{r.engine_s:.2f} | {r.server_s:.2f} | {r.engine_s / r.server_s:.3f} |"
            for i, r in enumerate(rounds, start=1)
        ]
    if report.cache is not None:
        c = report.cache
        lines += [
            "",
            "## Cache",
            "",
            "| variant | segments | first pass s | second pass s | speedup | identical |",
            "|---|---:|---:|---:|---:|---|",
            f"| {c.variant} | {c.segments} | {c.first_pass_s:.2f} | "
            f"{c.second_pass_s:.3f} | {c.speedup:.0f}x | {c.identical} |",
        ]
    lines += ["", "## Summary", ""]
    lines += [f"- {k}: {v}" for k, v in report.summary.items()]
    return "\n".join(lines) + "\n"


def write_outputs(report: BenchReport, out_dir: Path) -> str:
    """bench.json, bench.md and bench.png into ``out_dir``; returns the Markdown."""
    import json

    from eval.bench_plot import plot_bench

    out_dir.mkdir(parents=True, exist_ok=True)
    table = markdown(report)
    (out_dir / "bench.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", "utf-8")
    (out_dir / "bench.md").write_text(table, "utf-8")
    plot_bench(report, out_dir / "bench.png")
    return table
