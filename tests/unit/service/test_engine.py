"""The engine: batches within its limits, one backend call per batch, in input order."""

from __future__ import annotations

from models.backend import DecodeOptions, encode_segments
from models.corpus import thai_lines
from service.engine import Engine

GREEDY = DecodeOptions(max_output_tokens=12)


def test_run_keeps_input_order_and_matches_single_calls(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(tiny_backend, max_batch_size=4)
    segments = encode_segments(tiny_backend, thai_lines()[:10])
    batches: list[int] = []
    outputs = engine.run(segments, GREEDY, on_batch=batches.append)
    alone = [engine.run_batch([s], GREEDY)[0] for s in segments]
    assert [o.text for o in outputs] == [o.text for o in alone]
    assert engine.stats.model_calls == 3 + 10  # 4 + 4 + 2, then one each
    assert sorted(batches) == [2, 4, 4]
    assert all(o.tokens > 0 for o in outputs)
