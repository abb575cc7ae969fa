"""What a quick and a full run measure, and the summary keys their results become."""

from __future__ import annotations

import pytest

from bench.config import BenchConfig, ServerConfig, Variant
from bench.results import (
    ArithmeticRate,
    BenchReport,
    OpenLoopCurve,
    OpenLoopPoint,
    RawComparison,
)
from bench.run import open_loop_summary, raw_summary

TORCH, INT8 = Variant("torch", "float32"), Variant("ct2", "int8")


def test_quick_run_measures_the_default_against_torch() -> None:
    config = BenchConfig(quick=True)
    assert config.variants == [TORCH, INT8] and config.default == INT8
    assert config.server_variants == [TORCH]  # closed loops comparable with earlier runs
    assert config.open_loop_servers == [
        ServerConfig(INT8),  # as served by default (auto: lanes with several replicas)
        ServerConfig(INT8, scheduler="static"),  # one batch at a time, shared by the replicas
        ServerConfig(INT8, batching=False),
        ServerConfig(TORCH, scheduler="continuous"),
        ServerConfig(TORCH, scheduler="static"),
    ]
    assert config.raw_variants == [INT8]
    assert config.open_loop_settings.rates == (0.7,)


def test_full_run_adds_torch_to_the_open_loop_and_the_raw_comparison() -> None:
    config = BenchConfig()
    assert config.variants == [TORCH, INT8, Variant("ct2", "float32")]
    assert [s.label for s in config.open_loop_servers] == [
        "ct2-int8, auto batching",
        "ct2-int8, static batching",
        "ct2-int8, batching off",
        "torch-float32, continuous batching",
        "torch-float32, static batching",
    ]
    assert config.open_loop_settings.min_requests == 200  # per rate, for the p95
    assert config.raw_variants == [INT8, TORCH]
    assert config.open_loop_settings.rates[0] == 0.1 and config.open_loop_settings.rates[-1] == 1.2


def test_cuda_runs_half_precision_variants() -> None:
    config = BenchConfig(device="cuda")
    assert config.reference == Variant("torch", "float16")
    # what --dtype auto loads on CUDA for a model thaimt converts (models.ct2_backend)
    assert config.default == Variant("ct2", "float16")
    assert Variant("ct2", "int8_float16") in config.variants


def point(fraction: float, sentence_p95: float, cpu: float) -> OpenLoopPoint:
    return OpenLoopPoint(
        fraction, 1.0, 10, 1.0, 2.0, 100, 200, 300, sentence_p95, 900, 4.0, 50, 150, 0, 0, cpu
    )


def test_summary_keys_of_a_full_run() -> None:
    config = BenchConfig()
    report = BenchReport({}, {})
    report.raw = [
        RawComparison("ct2-int8", 32, 64, [1.0, 1.0], [0.9, 0.9], 0, 0, 0),
        RawComparison("torch-float32", 32, 64, [2.0], [1.0], 0, 0, 0),
    ]
    report.arithmetic = [
        ArithmeticRate("ct2-int8 engine", 10.0, 100.0, "int8", 0.1, 1.0),
        ArithmeticRate("torch-float32 engine", 5.0, 50.0, "fp32", 0.1, 1.0),
    ]
    assert raw_summary(report, config) == {
        "engine_vs_raw": 0.9,
        "gemm_fraction": 0.1,
        "engine_vs_raw_torch_float32": 0.5,
        "gemm_fraction_torch_float32": 0.1,
    }

    def curve(variant: str, capacity: float, p95: float, scheduler: str | None) -> OpenLoopCurve:
        points = [point(0.7, p95, 3.0)]
        label = f"{variant} {scheduler}"
        return OpenLoopCurve(
            label, variant, True, capacity, capacity / 2, 2.0, 400.0, points, requested=scheduler
        )

    on = curve("ct2-int8", 12.0, 1000.0, None)
    off = OpenLoopCurve("off", "ct2-int8", False, 2.0, 1.0, 2.0, 350.0)
    report.open_loop = [
        on,
        curve("ct2-int8", 10.0, 4000.0, "static"),
        off,
        curve("torch-float32", 6.0, 800.0, "continuous"),
        curve("torch-float32", 5.0, 2000.0, "static"),
    ]
    assert open_loop_summary(report, config) == pytest.approx(
        {
            "open_loop_p95_ms_at_70pct": 1000.0,
            "single_request_ms": 400.0,
            "open_loop_p95_over_single_at_70pct": 2.5,
            "open_loop_capacity_vs_batching_off": 6.0,
            "server_cpu_ms_per_segment": 3.0,
            "default_static_p95_over_single_at_70pct": 10.0,
            "default_capacity_vs_static": 1.2,
            "continuous_p95_over_single_at_70pct": 2.0,
            "continuous_capacity_vs_static": 1.2,
            "torch_static_p95_over_single_at_70pct": 5.0,
        }
    )
