"""What a bench run found: one dataclass per measurement, collected in ``BenchReport``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any


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
class MemoryLookupResult:
    """Cache-hit requests without and with the translation memory (``bench.desk``): ms of
    each request, the three ways of one article next to each other; the lookups per segment."""

    units: int
    articles: int
    segments: int  # distinct model segments of the articles
    rounds: int  # each article translated each way once a round
    without_ms: list[float]
    exact_ms: list[float]  # the memory asked for exact matches (every request does)
    suggestions_ms: list[float]  # and for close matches (the page's requests)
    exact_us_per_segment: float
    fuzzy_ms_per_segment: dict[str, float]  # by units in the index
    fuzzy_index_build_s: dict[str, float]

    @property
    def overhead(self) -> float:
        """Added to a cache-hit request by the exact lookup (0.02 = 2 %): the median of the
        ratios of the same article's requests, measured next to each other."""
        return _median_ratio(self.exact_ms, self.without_ms) - 1

    @property
    def suggestions_overhead(self) -> float:
        return _median_ratio(self.suggestions_ms, self.without_ms) - 1


def _median_ratio(with_: list[float], without: list[float]) -> float:
    return median(a / b for a, b in zip(with_, without, strict=True))


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
class RawComparison:
    """Engine against the raw library on the same inputs, in alternating rounds."""

    variant: str
    batch_size: int
    sentences: int  # per side, all rounds
    engine_s: list[float]  # per round
    raw_s: list[float]
    source_tokens: int  # per side, all rounds (real tokens, no padding)
    padded_source_tokens: int  # batch x longest row, summed over batches
    output_tokens: int
    lengths: list[int] = field(default_factory=list)  # source tokens of every sentence

    @property
    def engine_vs_raw(self) -> float:
        """Engine throughput over the raw library's (1.0 = the engine costs nothing)."""
        return sum(self.raw_s) / sum(self.engine_s)


@dataclass
class GemmPeak:
    """The best GEMM rate measured on this machine for one precision."""

    precision: str  # "fp32" or "int8"
    gflops: float
    method: str  # the kernel that reached it, e.g. "torch.matmul 1024x1024x1024"
    candidates: dict[str, float] = field(default_factory=dict)  # method -> GFLOP/s


@dataclass
class ArithmeticRate:
    """A backend's useful arithmetic (model FLOPs of real tokens) against the machine's peak."""

    variant: str
    gflops: float  # achieved: model FLOPs / seconds
    peak_gflops: float
    peak_precision: str
    fraction: float
    flops_per_sentence: float


@dataclass
class OpenLoopPoint:
    """One offered rate of Poisson arrivals, every request waited for."""

    fraction: float  # of the measured capacity
    offered_rps: float
    requests: int
    achieved_rps: float
    segments_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    sentence_p95_ms: float | None  # one-sentence requests (/v1 and Libre) only
    article_p95_ms: float | None
    mean_batch: float | None
    queue_wait_ms: float | None  # mean segment latency minus mean model call, from /metrics
    model_ms: float | None  # mean model call
    refused: int  # 503 / 429 answers
    failed: int  # any other non-200 answer or a lost connection
    server_cpu_ms_per_segment: float | None


@dataclass
class OpenLoopCurve:
    """One server configuration: its capacity, its lone-request latency, and the rates."""

    label: str
    variant: str
    batching: bool
    capacity_segments_per_s: float
    capacity_rps: float  # capacity in requests/s of the mix
    segments_per_request: float  # mean model segments of one request of the mix
    single_request_ms: float | None
    points: list[OpenLoopPoint] = field(default_factory=list)

    def at(self, fraction: float) -> OpenLoopPoint | None:
        hits = [p for p in self.points if abs(p.fraction - fraction) < 1e-9]
        return hits[0] if hits else None


@dataclass
class SweepRow:
    """One batching configuration of ``thaimt bench --sweep``."""

    label: str
    settings: dict[str, Any]
    capacity_segments_per_s: float
    p95_ms: float  # all requests, at the common offered load
    sentence_p95_ms: float | None
    mean_batch: float | None
    chosen: bool = False


@dataclass
class ThreadRow:
    """CTranslate2 intra vs inter threads, offline, at one batch size."""

    intra_threads: int
    inter_threads: int
    batch_size: int
    sentences_per_s: float


@dataclass
class BenchReport:
    environment: dict[str, Any]
    settings: dict[str, Any]
    engine: list[EngineResult] = field(default_factory=list)
    server: list[ServerResult] = field(default_factory=list)
    cache: CacheResult | None = None
    paired: dict[str, list[PairedRound]] = field(default_factory=dict)  # variant -> rounds
    server_outputs_identical: dict[str, bool] = field(default_factory=dict)  # batching on/off
    raw: list[RawComparison] = field(default_factory=list)
    peaks: list[GemmPeak] = field(default_factory=list)
    arithmetic: list[ArithmeticRate] = field(default_factory=list)
    open_loop: list[OpenLoopCurve] = field(default_factory=list)
    sweep: list[SweepRow] = field(default_factory=list)
    threads: list[ThreadRow] = field(default_factory=list)
    summary: dict[str, float | None] = field(default_factory=dict)
    memory: MemoryLookupResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def engine_rate(self, variant: str, batch: int) -> float | None:
        hits = [
            r.sentences_per_s for r in self.engine if r.variant == variant and r.batch_size == batch
        ]
        return hits[0] if hits else None

    def server_rate(self, variant: str, batching: bool, clients: int) -> float | None:
        hits = [
            r.sentences_per_s
            for r in self.server
            if r.variant == variant and r.batching == batching and r.clients == clients
        ]
        return hits[0] if hits else None

    def curve(self, variant: str, batching: bool) -> OpenLoopCurve | None:
        hits = [c for c in self.open_loop if c.variant == variant and c.batching == batching]
        return hits[0] if hits else None
