"""What one bench run measures: variants, batch sizes, client counts, open-loop rates, durations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variant:
    """One way of running the model: backend, precision and the directory it loads."""

    backend: str  # "torch" or "ct2"
    dtype: str  # torch dtype or ct2 compute type

    @property
    def label(self) -> str:
        return f"{self.backend}-{self.dtype}"


@dataclass(frozen=True)
class ServerConfig:
    """One ``thaimt serve`` configuration of the open-loop and sweep stages."""

    variant: Variant
    batching: bool = True
    max_batch_size: int | None = None  # None = the server's default
    max_batch_tokens: int | None = None
    max_wait_ms: float | None = None
    queue_size: int | None = None  # None = the server's own (derived from its speed)
    env: tuple[tuple[str, str], ...] = ()  # other THAIMT_* settings of this server

    @property
    def label(self) -> str:
        parts = [self.variant.label, "batching on" if self.batching else "batching off"]
        if self.max_batch_size is not None:
            parts.append(f"batch {self.max_batch_size}")
        if self.max_batch_tokens is not None:
            parts.append(f"tokens {self.max_batch_tokens}")
        if self.max_wait_ms is not None:
            parts.append(f"wait {self.max_wait_ms:g} ms")
        return ", ".join(parts)


# Where the default variant comes from: "assumed" until models.loading can resolve backend=auto.
DEFAULT_SOURCE = "backend=auto: CTranslate2, models.ct2_backend.resolve_compute_type('auto')"


def default_variant(device: str) -> Variant:
    """What a server started with no ``--backend``/``--dtype`` runs on ``device`` for the bench's
    (Marian) model: ``backend=auto`` loads it with CTranslate2, converted by thaimt itself, in
    the compute type the loading code gives ``--dtype auto`` there (int8 on CPU, float16 on
    CUDA). Asked of that code, so the bench measures what users get."""
    from models.ct2_backend import resolve_compute_type

    on = "cuda" if device.startswith("cuda") else "cpu"
    return Variant("ct2", resolve_compute_type("auto", on, converted_here=True))


QUICK_RATES = (0.7,)
FULL_RATES = (0.1, 0.25, 0.5, 0.7, 0.85, 1.0, 1.2)


@dataclass(frozen=True)
class OpenLoopConfig:
    """Durations of the open-loop stage (shortened by tests on the tiny model)."""

    rates: tuple[float, ...] = FULL_RATES  # fractions of the measured capacity
    arrival_seconds: float = 30.0  # arrivals per rate; every request is then waited for
    min_requests: int = 25  # a low rate gets a longer window, for a p95 worth the name...
    max_arrival_seconds: float = 90.0  # ...up to this long
    capacity_seconds: float = 20.0  # the saturating closed loop that measures capacity
    capacity_clients: int = 64  # enough to keep two full batches queued
    single_requests: int = 5  # lone one-sentence requests on the idle server (median)
    seed: int = 0

    @classmethod
    def quick(cls) -> OpenLoopConfig:
        return cls(rates=QUICK_RATES, arrival_seconds=20.0, capacity_seconds=12.0)

    def window(self, rate_rps: float) -> float:
        """Seconds of arrivals at ``rate_rps``: ``arrival_seconds``, longer for low rates."""
        wanted = max(self.arrival_seconds, self.min_requests / rate_rps)
        return min(wanted, max(self.max_arrival_seconds, self.arrival_seconds))


@dataclass(frozen=True)
class BenchConfig:
    quick: bool = False
    device: str = "cpu"
    threads: int = 0  # 0 = every core (torch intra-op; ct2 replicas x intra threads)
    output_tokens: int = 32  # forced length of every translation (not the open loop)
    model: Path | None = None  # a transformers model dir; None = the base-size test model
    cache_pass_segments: int | None = None  # None = 500 (64 with --quick)
    server_max_wait_ms: float | None = None  # the server's batching window; None = its default
    open_loop: OpenLoopConfig | None = None  # None = quick or full durations
    raw_rounds: int | None = None  # engine vs raw library rounds; None = 3 (5 full)
    # The translation memory's stage (bench/desk.py): units stored, alternating rounds, and the
    # units of the second close-match index.
    memory_units: int = 10_000
    memory_rounds: int = 40
    memory_big_index: int = 100_000

    @property
    def reference(self) -> Variant:
        """The baseline every speedup is measured against: torch at full precision."""
        return Variant("torch", "float16" if self.on_cuda else "float32")

    @property
    def on_cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def variants(self) -> list[Variant]:
        """The reference, the default backend, then the others (quick: the first two)."""
        if self.on_cuda:  # coded, not yet run on a GPU
            others = [Variant("ct2", "float16"), Variant("ct2", "int8_float16")]
        else:
            others = [Variant("ct2", "int8"), Variant("ct2", "float32")]
        ordered = [self.reference, default_variant(self.device), *others]
        variants = list(dict.fromkeys(ordered))
        return variants[:2] if self.quick else variants

    @property
    def default(self) -> Variant:
        return default_variant(self.device)

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        return (32,) if self.quick else (1, 8, 32)

    @property
    def client_counts(self) -> tuple[int, ...]:
        return (32,) if self.quick else (1, 8, 32)

    @property
    def server_variants(self) -> list[Variant]:
        """The closed-loop server stage: torch in --quick (comparable with earlier runs)."""
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

    @property
    def open_loop_settings(self) -> OpenLoopConfig:
        if self.open_loop is not None:
            return self.open_loop
        return OpenLoopConfig.quick() if self.quick else OpenLoopConfig()

    @property
    def open_loop_servers(self) -> list[ServerConfig]:
        """Default backend batching on, batching off (the naive peer), and torch (full run)."""
        servers = [ServerConfig(self.default), ServerConfig(self.default, batching=False)]
        if not self.quick and self.reference != self.default:
            servers.append(ServerConfig(self.reference))
        return servers

    @property
    def raw_variants(self) -> list[Variant]:
        """Engine vs raw library: the default backend (and torch in the full run)."""
        return [self.default] if self.quick else list(dict.fromkeys([self.default, self.reference]))

    @property
    def raw_round_count(self) -> int:
        if self.raw_rounds is not None:
            return self.raw_rounds
        return 3 if self.quick else 5
