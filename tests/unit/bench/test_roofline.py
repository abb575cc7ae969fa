"""The FLOP count of an encoder-decoder and the peak each precision is held against."""

from __future__ import annotations

import pytest

from bench.results import GemmPeak
from bench.roofline import ModelDims, arithmetic_rate, flop_shares, peak_for, sentence_flops

DIMS = ModelDims(
    d_model=4, encoder_layers=1, decoder_layers=1, heads=2, encoder_ffn=8, decoder_ffn=8, vocab=10
)
PEAKS = [GemmPeak("fp32", 100.0, "a"), GemmPeak("int8", 400.0, "b")]


def test_sentence_flops_by_hand() -> None:
    # S=3, T=2, d=4, f=8, V=10, one layer each; multiply-adds:
    encoder = 4 * 3 * 16 + 2 * 9 * 4 + 2 * 3 * 4 * 8  # 192 + 72 + 192
    self_attention = 4 * 2 * 16 + 2 * 3 * 4  # projections + T(T+1)d
    cross = 2 * 2 * 16 + 2 * 3 * 16 + 2 * 2 * 3 * 4
    decoder = self_attention + cross + 2 * 2 * 4 * 8
    projection = 2 * 4 * 10
    assert sentence_flops(DIMS, 3, 2) == 2 * (encoder + decoder + projection)


@pytest.mark.parametrize(("source", "output"), [(1, 1), (20, 32), (200, 5)])
def test_flop_shares_add_up(source: int, output: int) -> None:
    shares = flop_shares(DIMS, source, output)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(0 < v < 1 for v in shares.values())


@pytest.mark.parametrize(
    ("dtype", "precision"),
    [("int8", "int8"), ("int8_float16", "int8"), ("float32", "fp32"), ("float16", "fp32")],
)
def test_each_compute_type_is_held_against_its_peak(dtype: str, precision: str) -> None:
    assert peak_for(dtype, PEAKS).precision == precision


def test_arithmetic_rate_is_model_flops_over_time_against_the_peak() -> None:
    rate = arithmetic_rate("x", "int8", DIMS, [3, 3], 2, seconds=1e-9, peaks=PEAKS)
    assert rate.gflops == pytest.approx(2 * sentence_flops(DIMS, 3, 2))
    assert rate.fraction == pytest.approx(rate.gflops / 400.0)
    assert rate.flops_per_sentence == sentence_flops(DIMS, 3, 2)
