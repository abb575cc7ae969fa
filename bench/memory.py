"""Memory: the server's resident size before, during and after a series of large requests, with
memory trimming (``THAIMT_MEMORY_TRIM``) off and on, side by side in one run.

A server that keeps the memory of its largest request for ever needs a machine sized for its
worst minute. Each configuration gets the same requests: one small request (the baseline is
read after it, warm-up done), then ``requests`` texts of ``chars`` characters of distinct
FLORES-200 sentences, one at a time; RSS (``/proc/PID/status``) is read after each, and again
``settle_s`` seconds after the last.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from bench.config import BenchConfig, ServerConfig
from bench.inputs import bench_sentences
from bench.models import base_model_dir, model_dir_for
from bench.server import server_process

Log = Callable[[str], object]


@dataclass
class MemoryRun:
    trim: bool
    baseline_mb: float
    peak_mb: float
    after_mb: float
    per_request_mb: list[float] = field(default_factory=list)

    @property
    def kept_mb(self) -> float:
        """What the large requests left behind."""
        return self.after_mb - self.baseline_mb


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def large_texts(count: int, chars: int) -> list[str]:
    """``count`` texts of about ``chars`` characters, no sentence in two texts."""
    lines = bench_sentences()
    texts, at = [], 0
    for _ in range(count):
        text: list[str] = []
        while sum(len(t) + 1 for t in text) < chars:
            text.append(lines[at % len(lines)])
            at += 1
        texts.append("\n".join(text))
    return texts


def measure(url: str, pid: int, trim: bool, texts: list[str], settle_s: float) -> MemoryRun:
    with httpx.Client(base_url=url, timeout=900) as client:
        client.post("/v1/translate", json={"text": "สวัสดีครับ"}).raise_for_status()
        baseline = rss_mb(pid)
        sizes = []
        for text in texts:
            client.post("/v1/translate", json={"text": text}).raise_for_status()
            sizes.append(rss_mb(pid))
    time.sleep(settle_s)
    return MemoryRun(trim, baseline, max([baseline, *sizes]), rss_mb(pid), sizes)


def run_memory(
    config: BenchConfig,
    requests: int = 20,
    chars: int = 100_000,
    settle_s: float = 5.0,
    output_tokens: int | None = 16,
    log: Log = print,
) -> list[MemoryRun]:
    """The default backend's server, trimming off then on, the same large requests each."""
    base = config.model or base_model_dir()
    variant = config.default
    texts = large_texts(requests, chars)
    runs = []
    for trim in (False, True):
        env = (*_LIMITS, ("THAIMT_MEMORY_TRIM", str(trim).lower()))
        server = ServerConfig(variant, env=env)
        log(f"memory {server.label}, trim {'on' if trim else 'off'}: {requests} x {chars} chars")
        with server_process(model_dir_for(variant, base), server, config, output_tokens) as (
            url,
            pid,
        ):
            runs.append(measure(url, pid, trim, texts, settle_s))
        log(f"memory trim {'on' if trim else 'off'}: {summary([runs[-1]])}")
    return runs


# Large requests must be admitted: more characters per request, no early refusal by time.
_LIMITS = (("THAIMT_MAX_CHARS_PER_REQUEST", "1000000"), ("THAIMT_REQUEST_TIMEOUT_S", "3600"))


def summary(runs: list[MemoryRun]) -> dict[str, float]:
    out: dict[str, float] = {}
    for run in runs:
        name = "trim_on" if run.trim else "trim_off"
        out[f"memory_{name}_baseline_mb"] = round(run.baseline_mb)
        out[f"memory_{name}_peak_mb"] = round(run.peak_mb)
        out[f"memory_{name}_after_mb"] = round(run.after_mb)
        out[f"memory_{name}_kept_mb"] = round(run.kept_mb)
    return out


def markdown(runs: list[MemoryRun], requests: int, chars: int) -> str:
    lines = [
        f"## Memory: RSS around {requests} requests of {chars} characters",
        "",
        "| trimming | baseline MB | peak MB | after MB | kept MB |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {'on' if r.trim else 'off'} | {r.baseline_mb:.0f} | {r.peak_mb:.0f} | "
        f"{r.after_mb:.0f} | {r.kept_mb:+.0f} |"
        for r in runs
    ]
    return "\n".join(lines) + "\n"


def to_dict(runs: list[MemoryRun]) -> dict[str, Any]:
    return {"runs": [asdict(r) for r in runs], "summary": summary(runs)}
