"""Overload: many closed-loop clients against a server with a small queue, for a fixed time.

A newsroom's server on a bad day gets far more requests than it can serve. Every request must
still get an answer — a translation, or a refusal that says when to come back (``Retry-After``)
— never a 5xx or a dropped connection; and what can be served must be shared fairly between
one-sentence requests and whole articles (an article is many segments: served first come, first
served per segment, or admitted only when the queue has room for all of them, articles starve).

Each client sends the mix of ``bench.inputs`` (sentences to ``/v1/translate`` and to
LibreTranslate's ``/translate``, 3–10-paragraph articles), the next request as soon as the
answer is in; after a refusal it waits what ``Retry-After`` says, at most
``MAX_BACKOFF_S`` (a real client may wait longer; the pressure stays high). Per kind: requests
sent, served, refused (and refused *without* ``Retry-After``), 5xx, no answer; the fairness
figure is the articles' served share over the short requests'.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.config import BenchConfig, ServerConfig
from bench.inputs import MixRequest, request_pool, saturating_stream
from bench.loadgen import Connection, LoadError, _address
from bench.models import base_model_dir, load_variant, model_dir_for
from bench.server import running_server

MAX_BACKOFF_S = 1.0
Log = Callable[[str], object]
REFUSALS = (413, 429, 503)
SHORT_KINDS = ("sentence", "libre")


@dataclass
class KindTally:
    """What happened to the requests of one kind."""

    sent: int = 0
    served: int = 0
    refused: int = 0  # 413 / 429 / 503
    refused_without_retry_after: int = 0  # 429 / 503 without the header (413: none expected)
    server_errors: int = 0  # any other 5xx
    no_answer: int = 0  # timeout, reset, protocol error
    other: int = 0  # any other status
    served_ms: list[float] = field(default_factory=list)
    refused_ms: list[float] = field(default_factory=list)

    @property
    def served_share(self) -> float:
        return self.served / self.sent if self.sent else 0.0

    def add(self, status: int, headers: dict[str, str], ms: float) -> None:
        self.sent += 1
        if status == 200:
            self.served += 1
            self.served_ms.append(ms)
        elif status in REFUSALS:
            self.refused += 1
            self.refused_ms.append(ms)
            if status != 413 and "retry-after" not in headers:
                self.refused_without_retry_after += 1
        elif status >= 500:
            self.server_errors += 1
        elif status == 0:
            self.no_answer += 1
        else:
            self.other += 1


@dataclass
class OverloadResult:
    clients: int
    seconds: float
    queue_size: int | None
    kinds: dict[str, KindTally]

    def short(self) -> KindTally:
        """The short requests (sentences to either API) together."""
        total = KindTally()
        for name in SHORT_KINDS:
            tally = self.kinds.get(name, KindTally())
            total.sent += tally.sent
            total.served += tally.served
        return total

    def summary(self) -> dict[str, float | None]:
        kinds = list(self.kinds.values())
        article = self.kinds.get("article", KindTally()).served_share
        short = self.short().served_share
        refused = [ms for k in kinds for ms in k.refused_ms]
        low, high = sorted((article, short))
        return {
            "overload_requests": float(sum(k.sent for k in kinds)),
            "overload_5xx": float(sum(k.server_errors for k in kinds)),
            "overload_no_answer": float(sum(k.no_answer for k in kinds)),
            "overload_refused": float(sum(k.refused for k in kinds)),
            "overload_refused_without_retry_after": float(
                sum(k.refused_without_retry_after for k in kinds)
            ),
            "overload_article_served_share": round(article, 3),
            "overload_short_served_share": round(short, 3),
            "overload_fairness": round(low / high, 3) if high else None,  # 1 = equal shares
            "overload_refusal_p50_ms": round(statistics.median(refused), 1) if refused else None,
        }

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for tally in data["kinds"].values():  # latencies as percentiles, not every sample
            for name in ("served_ms", "refused_ms"):
                values = sorted(tally.pop(name))
                tally[f"{name}_p50"] = _pct(values, 0.5)
                tally[f"{name}_p95"] = _pct(values, 0.95)
        data["summary"] = self.summary()
        return data


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


async def overload(
    url: str, stream: Sequence[MixRequest], clients: int, seconds: float, timeout_s: float = 300
) -> dict[str, KindTally]:
    """``clients`` closed-loop clients cycling through ``stream`` for ``seconds``; the tally
    per kind. Requests still in flight at the end are waited for (each gets its answer)."""
    host, port = _address(url)
    tallies: dict[str, KindTally] = {}
    deadline = time.perf_counter() + seconds
    turn = 0

    async def client(connection: Connection) -> None:
        nonlocal turn
        try:
            while time.perf_counter() < deadline:
                request = stream[turn % len(stream)]
                turn += 1
                started = time.perf_counter()
                try:
                    status, headers, _ = await connection.exchange(
                        "POST", request.path, request.body, timeout_s
                    )
                except LoadError:
                    status, headers = 0, {}
                ms = 1000 * (time.perf_counter() - started)
                tallies.setdefault(request.kind, KindTally()).add(status, headers, ms)
                if status in REFUSALS:
                    await asyncio.sleep(_backoff(headers))
        finally:
            await connection.close()

    await asyncio.gather(*(client(Connection(host, port)) for _ in range(clients)))
    return tallies


def _backoff(headers: dict[str, str]) -> float:
    try:
        return min(MAX_BACKOFF_S, max(0.0, float(headers.get("retry-after", "1"))))
    except ValueError:
        return MAX_BACKOFF_S


def markdown(result: OverloadResult) -> str:
    lines = [
        f"## Overload: {result.clients} clients for {result.seconds:.0f} s, "
        f"queue of {result.queue_size or 'the derived size'}",
        "",
        "| kind | sent | served | served share | refused | without Retry-After | 5xx | "
        "no answer | served p50 ms | refusal p50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, tally in sorted(result.kinds.items()):
        lines.append(
            f"| {name} | {tally.sent} | {tally.served} | {tally.served_share:.1%} | "
            f"{tally.refused} | {tally.refused_without_retry_after} | {tally.server_errors} | "
            f"{tally.no_answer} | {_pct(sorted(tally.served_ms), 0.5)} | "
            f"{_pct(sorted(tally.refused_ms), 0.5)} |"
        )
    lines += ["", *(f"- {k}: {v}" for k, v in result.summary().items())]
    return "\n".join(lines) + "\n"


def dumps(result: OverloadResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def run_overload(
    config: BenchConfig,
    clients: int = 200,
    seconds: float = 60.0,
    queue_size: int | None = 50,
    log: Log = print,
) -> OverloadResult:
    """The default backend's server (natural output lengths, cache off) under ``clients``
    closed-loop clients for ``seconds``."""
    from bench.run import natural_options

    base = config.model or base_model_dir()
    variant = config.default
    backend = load_variant(variant, base, config)
    pool = request_pool(backend, natural_options(), seed=config.open_loop_settings.seed)
    del backend
    rng = random.Random(config.open_loop_settings.seed)
    stream = saturating_stream(pool, rng, 4000)
    server = ServerConfig(variant, queue_size=queue_size)
    log(f"overload {server.label}, queue {queue_size}: {clients} clients for {seconds:g} s")
    with running_server(model_dir_for(variant, base), server, config) as url:
        tallies = asyncio.run(overload(url, stream, clients, seconds))
    result = OverloadResult(clients, seconds, queue_size, tallies)
    log(f"overload: {result.summary()}")
    return result
