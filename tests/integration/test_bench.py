"""``thaimt bench`` harness logic on the tiny model: every stage runs for real (engine, the
``thaimt serve`` subprocess with batching on and off, the cache), no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

from eval.bench import BenchConfig, run_bench, write_outputs


def test_quick_bench_on_the_tiny_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    config = BenchConfig(quick=True, model=tiny_model_dir, output_tokens=4, cache_pass_segments=60)
    lines: list[str] = []
    report = run_bench(config, log=lines.append)

    assert {(r.variant, r.batch_size) for r in report.engine} == {
        ("torch-float32", 32),
        ("ct2-int8", 32),
    }
    assert all(r.sentences_per_s > 0 and r.tokens_per_s > 0 for r in report.engine)

    served = {(r.variant, r.batching, r.clients) for r in report.server}
    assert served == {("torch-float32", True, 32), ("torch-float32", False, 32)}
    off = next(r for r in report.server if not r.batching)
    assert off.mean_batch_size == 1.0  # --no-batching: one segment per model call
    on = next(r for r in report.server if r.batching)
    assert on.mean_batch_size is not None and on.mean_batch_size > 1
    assert report.server_outputs_identical == {"torch-float32": True}

    # Server vs engine: rounds of the same 32 sentences both ways, alternating the order; the
    # 32-client server row and the batch-32 engine row are the totals of those rounds.
    rounds = report.paired["torch-float32"]
    assert len(rounds) == config.paired_rounds == 4
    assert [r.engine_first for r in rounds] == [False, True, False, True]
    assert all(r.sentences == 32 and r.engine_s > 0 and r.server_s > 0 for r in rounds)
    torch32 = next(r for r in report.engine if r.variant == "torch-float32")
    assert torch32.sentences == 128
    assert torch32.seconds == sum(r.engine_s for r in rounds)
    assert on.requests == 128 and on.seconds == sum(r.server_s for r in rounds)

    assert report.cache is not None
    assert report.cache.identical
    assert (report.cache.hits, report.cache.misses) == (60, 60)

    for key in ("batching_speedup", "server_vs_engine", "ct2_int8_vs_torch"):
        assert isinstance(report.summary[key], float), key

    table = write_outputs(report, tmp_path / "out")
    assert "| torch-float32 | on | 32 |" in table
    assert "## Server vs engine, torch-float32" in table
    saved = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    assert saved["summary"] == report.summary
    assert (tmp_path / "out" / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert any("server torch-float32" in line for line in lines)
