"""Where the profiler's samples go: torch operators and perf symbols, by part."""

from __future__ import annotations

import pytest

from bench.profile import classify_torch_op, parse_perf_report

MATMULS = "other matrix products (projections, FFN)"


@pytest.mark.parametrize(
    ("name", "shapes", "part"),
    [
        ("aten::mm", [[32, 512], [512, 62000]], "output layer over the vocabulary"),
        ("aten::add", [[32, 1, 62000], [1, 62000]], "output layer over the vocabulary"),
        ("aten::argmax", [[32, 62000]], "output layer over the vocabulary"),
        ("aten::embedding", [[62000, 512], [32, 1]], "other ops"),
        ("aten::_scaled_dot_product_flash_attention_for_cpu", [[32, 8, 1, 64]], "attention"),
        ("aten::bmm", [[256, 1, 64], [256, 64, 30]], "attention"),
        (
            "aten::addmm",
            [[512], [32, 512], [512, 2048]],
            "other matrix products (projections, FFN)",
        ),
        ("aten::layer_norm", [[32, 1, 512]], "other ops"),
    ],
)
def test_torch_operators(name: str, shapes: list[list[int]], part: str) -> None:
    assert classify_torch_op(name, shapes, vocab=62000) == part


PERF = """
# Samples: 4K of event 'cpu-clock'
#
    20.00%  [JIT] tid 17825                      [.] 0x00007fb1085300fe
    10.00%  libctranslate2.so.4.8.5             [.] ctranslate2::cpu::dequantize_gemm_output<2>
     5.00%  libctranslate2.so.4.8.5             [.] ctranslate2::cpu::softmax<2>(float const*)
     5.00%  libctranslate2.so.4.8.5             [.] ctranslate2::ops::TopK::compute<0, float, int>
     4.00%  libc.so.6                            [.] __memmove_avx512_unaligned_erms
     3.00%  [kernel.kallsyms]                    [k] _raw_spin_unlock_irqrestore
     2.00%  libgomp-e985bcbb.so.1.0.0            [.] 0x000000000001e02a
     1.00%  libpython3.11.so.1.0                 [.] _PyEval_EvalFrameDefault
     1.00%  libctranslate2.so.4.8.5             [.] dnnl::impl::cpu::x64::gemm_kernel
     0.50%  libctranslate2.so.4.8.5             [.] ctranslate2::ops::LayerNorm::compute
"""


def test_perf_report_lines_by_part() -> None:
    parts = parse_perf_report(PERF)
    assert parts == pytest.approx(
        {
            "GEMM kernels": 0.21,
            "int8 quantize / dequantize": 0.10,
            "softmax": 0.05,
            "top-k over the vocabulary": 0.05,
            "memory copies": 0.04,
            "OpenMP and kernel scheduling": 0.05,
            "Python": 0.01,
            "other": 0.005,
        }
    )
