"""Distance to the limit: this machine's GEMM peak, and the model's arithmetic per sentence.

Peaks are measured, not looked up: the best of several square GEMMs (1024³ and 2048³, best of
``reps`` calls each after a warm-up call) per precision, over every kernel a backend could reach:

* fp32 — ``torch.matmul`` (MKL/oneDNN, what torch float32 uses) and ``numpy.matmul`` (its BLAS);
* int8 — ``torch._int_mm`` (int8 × int8 → int32, oneDNN with VNNI where the CPU has it) and
  fbgemm's dynamically quantized linear layer (quantizes its fp32 input first, as CTranslate2's
  int8 mode does). CTranslate2 exposes no GEMM of its own to Python; its int8 GEMM on x86 is
  oneDNN's or MKL's s8u8s32, the same class of kernel as these.

The highest candidate is the peak. It is a ceiling for big, square, cache-friendly GEMMs; a
decoder step multiplies a (batch × d_model) matrix, far smaller, so no backend reaches it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.results import ArithmeticRate, GemmPeak

GEMM_SIZES = (1024, 2048)


@dataclass(frozen=True)
class ModelDims:
    """The dimensions that set a Marian/BART-style encoder-decoder's arithmetic."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int  # does not change the FLOP count (heads split d_model); recorded for the report
    encoder_ffn: int
    decoder_ffn: int
    vocab: int

    @classmethod
    def from_config(cls, model_dir: Path) -> ModelDims:
        """Read from a transformers ``config.json`` (Marian, M2M100 and NLLB use these names)."""
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        return cls(
            d_model=config["d_model"],
            encoder_layers=config["encoder_layers"],
            decoder_layers=config["decoder_layers"],
            heads=config["encoder_attention_heads"],
            encoder_ffn=config["encoder_ffn_dim"],
            decoder_ffn=config["decoder_ffn_dim"],
            vocab=config.get("decoder_vocab_size") or config["vocab_size"],
        )


def sentence_flops(dims: ModelDims, source: int, output: int) -> float:
    """Floating-point operations to translate one sentence of ``source`` tokens into ``output``
    tokens (greedy, key/value cache), counting 2 FLOPs per multiply-add, real tokens only
    (padding is waste, not work). With S = source, T = output, d = d_model, f = FFN width,
    V = vocabulary, L_e / L_d = encoder / decoder layers, multiply-adds are:

    * encoder, per layer: 4·S·d² (Q, K, V, O projections) + 2·S²·d (scores Q·Kᵀ and the
      weighted sum of V) + 2·S·d·f (FFN);
    * decoder, per layer: self-attention 4·T·d² + T·(T+1)·d (step t attends to t positions:
      Σ 2·t·d); cross-attention 2·T·d² (Q, O) + 2·S·d² (K, V of the encoder output, once per
      sentence) + 2·T·S·d; FFN 2·T·d·f;
    * output projection: T·d·V (every step scores the whole vocabulary).

    Layer norms, softmax, embeddings and biases are O(d) per token and left out.
    """
    d, s, t = dims.d_model, source, output
    encoder = dims.encoder_layers * (4 * s * d * d + 2 * s * s * d + 2 * s * d * dims.encoder_ffn)
    self_attention = 4 * t * d * d + t * (t + 1) * d
    cross_attention = 2 * t * d * d + 2 * s * d * d + 2 * t * s * d
    decoder = dims.decoder_layers * (
        self_attention + cross_attention + 2 * t * d * dims.decoder_ffn
    )
    projection = t * d * dims.vocab
    return 2.0 * (encoder + decoder + projection)


def flop_shares(dims: ModelDims, source: int, output: int) -> dict[str, float]:
    """Each part's share of ``sentence_flops`` (encoder, decoder layers, output projection)."""
    total = sentence_flops(dims, source, output)
    projection = 2.0 * output * dims.d_model * dims.vocab
    no_decoder = ModelDims(dims.d_model, dims.encoder_layers, 0, dims.heads, dims.encoder_ffn, 0, 0)
    encoder = sentence_flops(no_decoder, source, 0)
    return {
        "encoder": encoder / total,
        "decoder_layers": (total - encoder - projection) / total,
        "output_projection": projection / total,
    }


def _best_seconds(call: Callable[[], Any], reps: int) -> float:
    call()  # warm-up: thread pools, packed weights
    best = float("inf")
    for _ in range(reps):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def _gflops(n: int, seconds: float) -> float:
    return 2.0 * n**3 / seconds / 1e9


def fp32_candidates(sizes: Sequence[int], reps: int, device: str = "cpu") -> dict[str, float]:
    """GFLOP/s of every fp32 (fp16 on CUDA) GEMM candidate."""
    import numpy as np
    import torch

    found: dict[str, float] = {}
    for n in sizes:
        if device.startswith("cuda"):  # coded, not yet run on a GPU
            a = torch.randn(n, n, device=device, dtype=torch.float16)
            b = torch.randn(n, n, device=device, dtype=torch.float16)

            def cuda_mm(a: Any = a, b: Any = b) -> None:
                a @ b
                torch.cuda.synchronize()

            found[f"torch.matmul fp16 {n}³"] = _gflops(n, _best_seconds(cuda_mm, reps))
            continue
        a, b = torch.randn(n, n), torch.randn(n, n)
        found[f"torch.matmul {n}³"] = _gflops(n, _best_seconds(partial(torch.matmul, a, b), reps))
        numpy_mm = partial(np.matmul, a.numpy(), b.numpy())
        found[f"numpy.matmul {n}³"] = _gflops(n, _best_seconds(numpy_mm, reps))
    return found


def int8_candidates(sizes: Sequence[int], reps: int, device: str = "cpu") -> dict[str, float]:
    """GOP/s of every int8 GEMM candidate (``torch._int_mm``; fbgemm's dynamic int8 linear)."""
    import warnings

    import torch

    found: dict[str, float] = {}
    for n in sizes:
        a = torch.randint(-128, 127, (n, n), dtype=torch.int8, device=device)
        b = torch.randint(-128, 127, (n, n), dtype=torch.int8, device=device)
        int_mm = partial(torch._int_mm, a, b)
        found[f"torch._int_mm {n}³"] = _gflops(n, _best_seconds(int_mm, reps))
        if device.startswith("cuda"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch deprecates its quantized tensor types
            layer = torch.ao.nn.quantized.dynamic.Linear(n, n)
            x = torch.randn(n, n)
            seconds = _best_seconds(partial(layer, x), reps)
        found[f"fbgemm dynamic int8 linear {n}³"] = _gflops(n, seconds)
    return found


def measure_peaks(
    device: str = "cpu", sizes: Sequence[int] = GEMM_SIZES, reps: int = 4
) -> list[GemmPeak]:
    """The fp32 and int8 GEMM peaks of this machine (fp16 and int8 on CUDA)."""
    peaks = []
    fp = "fp16" if device.startswith("cuda") else "fp32"
    for precision, found in (
        (fp, fp32_candidates(sizes, reps, device)),
        ("int8", int8_candidates(sizes, reps, device)),
    ):
        method = max(found, key=lambda k: found[k])
        peaks.append(GemmPeak(precision, found[method], method, found))
    return peaks


def peak_for(dtype: str, peaks: Sequence[GemmPeak]) -> GemmPeak:
    """The peak a backend running in ``dtype`` could reach: int8 for int8 compute types."""
    wanted = "int8" if dtype.startswith("int8") else None
    for peak in peaks:
        if peak.precision == wanted or (wanted is None and peak.precision != "int8"):
            return peak
    raise ValueError(f"no GEMM peak measured for {dtype}")


def arithmetic_rate(
    variant: str,
    dtype: str,
    dims: ModelDims,
    lengths: Sequence[int],
    output_tokens: int,
    seconds: float,
    peaks: Sequence[GemmPeak],
) -> ArithmeticRate:
    """Achieved model GFLOP/s over sentences of ``lengths`` source tokens, each producing
    ``output_tokens``, in ``seconds``, against the peak for ``dtype``."""
    flops = sum(sentence_flops(dims, n, output_tokens) for n in lengths)
    peak = peak_for(dtype, peaks)
    achieved = flops / seconds / 1e9
    return ArithmeticRate(
        variant, achieved, peak.gflops, peak.precision, achieved / peak.gflops, flops / len(lengths)
    )
