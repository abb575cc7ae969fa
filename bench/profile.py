"""``thaimt bench --profile``: where the model's time goes, one batch of 32 sentences at the
bench's forced output length.

* torch: ``torch.profiler`` (CPU, input shapes recorded). Each operator's self time goes to a
  part: the output layer (any op whose inputs have the vocabulary dimension: the projection,
  its bias, the arg-max), attention (scaled-dot-product, bmm, softmax), the other matrix
  products (Q/K/V/O projections, FFN), other ops (layer norm, activations, copies); what is left
  of the wall time (measured without the profiler) is Python and ``generate``'s per-step
  bookkeeping.
* CTranslate2: its compute runs on native threads a Python profiler (py-spy, cProfile) cannot
  see, and its own profiler is not built into the wheel; ``perf record`` (Linux, when
  installed) samples every thread of a child process that translates in a loop, and symbols go
  to parts (GEMM kernels — oneDNN's JIT code and named gemm routines —, int8 quantize /
  dequantize, softmax, top-k, copies, OpenMP and the kernel's scheduling, Python). An ablation
  (the same batch decoding one token) measures the encoder's share directly.
* Padding: the share of source tokens that are padding in the batch (encoder work on nothing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.adapters import engine_translate, new_engine, prepare_raw, run_raw, source_lengths
from bench.config import BenchConfig, Variant
from bench.inputs import single_segment_sentences
from bench.models import base_model_dir, load_variant, model_dir_for
from bench.roofline import ModelDims, flop_shares
from bench.run import decode_options

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+(.+?)\s+\[([.k])\]\s+(.*)$")
ATTENTION_OPS = ("scaled_dot_product", "bmm", "softmax")
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::matmul", "aten::linear")
PERF_PARTS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("int8 quantize / dequantize", lambda dso, sym: "quantize" in sym),
    ("GEMM kernels", lambda dso, sym: dso.startswith("[JIT]") or "gemm" in sym.lower()),
    ("softmax", lambda dso, sym: "softmax" in sym),
    ("top-k over the vocabulary", lambda dso, sym: "TopK" in sym),
    ("memory copies", lambda dso, sym: "memmove" in sym or "memcpy" in sym or "memset" in sym),
    ("OpenMP and kernel scheduling", lambda dso, sym: "gomp" in dso or "kernel" in dso),
    ("Python", lambda dso, sym: "libpython" in dso or dso == "python3"),
)


@dataclass
class ProfileShares:
    variant: str
    method: str
    wall_s: float
    shares: dict[str, float] = field(default_factory=dict)  # part -> share of the time
    notes: dict[str, float] = field(default_factory=dict)


def classify_torch_op(name: str, shapes: Sequence[Sequence[int]], vocab: int) -> str:
    if "embedding" not in name and any(vocab in dims for dims in shapes):
        return "output layer over the vocabulary"
    if any(part in name for part in ATTENTION_OPS):
        return "attention"
    if name in MATMUL_OPS:
        return "other matrix products (projections, FFN)"
    return "other ops"


def profile_torch(
    backend: Backend, texts: Sequence[str], options: DecodeOptions, vocab: int
) -> ProfileShares:
    from torch.profiler import ProfilerActivity, profile

    engine = new_engine(backend, len(texts))
    engine_translate(engine, texts, options)  # warm-up
    started = time.perf_counter()
    engine_translate(engine, texts, options)
    wall = time.perf_counter() - started  # without the profiler's own cost
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        started = time.perf_counter()
        engine_translate(engine, texts, options)
        profiled = time.perf_counter() - started
    parts: dict[str, float] = {}
    for event in prof.key_averages(group_by_input_shape=True):
        part = classify_torch_op(event.key, event.input_shapes or [], vocab)
        parts[part] = parts.get(part, 0.0) + event.self_cpu_time_total / 1e6
    result = ProfileShares(backend.name, "torch.profiler", wall)
    result.shares = {k: v / profiled for k, v in sorted(parts.items())}
    rest = max(0.0, 1 - sum(parts.values()) / profiled)
    result.shares["Python and generate() per step (and profiler overhead)"] = rest
    result.notes["profiled batch / unprofiled batch"] = profiled / wall
    return result


def classify_perf_symbol(dso: str, symbol: str) -> str:
    for part, matches in PERF_PARTS:
        if matches(dso, symbol):
            return part
    return "other"


def parse_perf_report(text: str) -> dict[str, float]:
    """Shares per part from ``perf report --sort dso,sym --stdio`` lines
    (``  5.04%  libc.so.6  [.] __memmove_avx512_unaligned_erms``)."""
    parts: dict[str, float] = {}
    for line in text.splitlines():
        match = PERF_LINE.match(line)
        if match is None:
            continue
        percent, dso, level, symbol = match.groups()
        part = classify_perf_symbol("kernel" if level == "k" else dso, symbol)
        parts[part] = parts.get(part, 0.0) + float(percent) / 100
    return parts


CHILD = """
import sys, time
from bench.profile import ct2_child
ct2_child(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
"""


def ct2_child(model_dir: str, seconds: float, output_tokens: int) -> None:
    """Runs in the profiled child: load, warm up, say "ready", translate for ``seconds``."""
    from bench.inputs import bench_sentences
    from models.backend import DecodeOptions
    from models.loading import ModelSpec, load_backend

    backend = load_backend(ModelSpec(model=model_dir, backend="ct2", dtype="auto"))
    options = DecodeOptions(forced_output_tokens=output_tokens)
    batch = prepare_raw(backend, bench_sentences(32))
    run_raw(backend, batch, options)
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_raw(backend, batch, options)


def profile_ct2_perf(model_dir: Path, output_tokens: int, seconds: float = 6.0) -> dict[str, float]:
    """perf samples of every thread of a child process translating in a loop; {} without
    ``perf`` on the PATH."""
    perf = shutil.which("perf")
    if perf is None:
        return {}
    command = [sys.executable, "-c", CHILD, str(model_dir), str(seconds + 3), str(output_tokens)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the profiled child did not start")
        with tempfile.TemporaryDirectory() as tmp:
            data = str(Path(tmp) / "perf.data")
            record = [perf, "record", "-q", "-F", "499", "-p", str(child.pid), "-o", data]
            subprocess.run([*record, "--", "sleep", str(seconds)], check=True, capture_output=True)
            report = [perf, "report", "-i", data, "--no-children", "--sort", "dso,sym"]
            text = subprocess.run(
                [*report, "--stdio", "-g", "none"], check=True, capture_output=True, text=True
            ).stdout
    finally:
        child.kill()
        child.wait()
    return parse_perf_report(text)


def profile_ct2(
    backend: Backend, model_dir: Path, texts: Sequence[str], options: DecodeOptions
) -> ProfileShares:
    from models.backend import DecodeOptions

    batch = prepare_raw(backend, texts)
    run_raw(backend, batch, options)  # warm-up
    started = time.perf_counter()
    run_raw(backend, batch, options)
    wall = time.perf_counter() - started
    one_step = DecodeOptions(forced_output_tokens=1)
    started = time.perf_counter()
    run_raw(backend, batch, one_step)
    result = ProfileShares(backend.name, "perf record (all threads)", wall)
    result.notes["encoder (ablation: the batch decoding one token)"] = (
        time.perf_counter() - started
    ) / wall
    result.shares = profile_ct2_perf(model_dir, options.forced_output_tokens or 32)
    if not result.shares:
        result.method = "ablation only (perf not installed)"
    return result


def run_profile(config: BenchConfig, log: Callable[[str], object] = print) -> list[ProfileShares]:
    """Profile torch float32 and the default backend on one batch of 32 sentences."""
    base = config.model or base_model_dir()
    dims = ModelDims.from_config(base)
    options = decode_options(config)
    results = []
    for variant in dict.fromkeys([config.reference, config.default]):
        log(f"profiling {variant.label}")
        backend = load_variant(variant, base, config)
        texts = single_segment_sentences(backend, options, limit=32)
        result = _profile_one(variant, backend, base, texts, options, dims)
        lengths = source_lengths(backend, texts)
        result.notes["source padding in the batch"] = 1 - sum(lengths) / (
            len(lengths) * max(lengths)
        )
        mean = round(sum(lengths) / len(lengths))
        for part, share in flop_shares(dims, mean, config.output_tokens).items():
            result.notes[f"FLOP share: {part}"] = share
        results.append(result)
        del backend
    return results


def _profile_one(
    variant: Variant,
    backend: Backend,
    base: Path,
    texts: Sequence[str],
    options: DecodeOptions,
    dims: ModelDims,
) -> ProfileShares:
    if variant.backend == "torch":
        return profile_torch(backend, texts, options, dims.vocab)
    return profile_ct2(backend, model_dir_for(variant, base), texts, options)


def profile_report(results: Sequence[ProfileShares]) -> str:
    lines: list[str] = []
    for r in results:
        lines += ["", f"## {r.variant}: {r.method}, one batch in {r.wall_s:.2f} s", ""]
        lines += ["| part | share |", "|---|---:|"]
        ordered: list[tuple[str, Any]] = sorted(r.shares.items(), key=lambda kv: -kv[1])
        lines += [f"| {part} | {share:.1%} |" for part, share in ordered]
        lines += [f"| {note} | {value:.1%} |" for note, value in r.notes.items()]
    return "\n".join(lines) + "\n"
