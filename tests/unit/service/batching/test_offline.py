"""Offline batching: length-sorted batches within the limits, and outputs back in input order
whoever runs the batches."""

from __future__ import annotations

from models.backend import ModelOutput, Segment, encode_segments
from models.corpus import thai_lines
from service.batching.offline import BatchLimits, plan_batches, run_in_batches


def test_batches_are_length_sorted_and_within_limits(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    segments = encode_segments(tiny_backend, thai_lines()[:30])
    batches = plan_batches(segments, BatchLimits(max_batch_size=5, max_batch_tokens=120))
    assert sorted(i for b in batches for i in b) == list(range(30))
    for batch in batches:
        tokens = [segments[i].tokens for i in batch]
        assert tokens == sorted(tokens) and len(batch) <= 5
        assert len(batch) == 1 or max(tokens) * len(batch) <= 120


def test_outputs_come_back_in_input_order_whatever_the_batches() -> None:
    segments = [Segment(f"s{i}", (0,) * (1 + (7 * i) % 5)) for i in range(23)]
    seen: list[list[str]] = []

    def run(batches: list[list[Segment]]) -> list[list[ModelOutput]]:
        seen.extend([s.text for s in batch] for batch in batches)
        return [[ModelOutput(s.text.upper(), s.tokens) for s in batch] for batch in batches]

    outputs = run_in_batches(segments, BatchLimits(max_batch_size=4, max_batch_tokens=12), run)
    assert [o.text for o in outputs] == [f"S{i}" for i in range(23)]
    assert sorted(t for batch in seen for t in batch) == sorted(s.text for s in segments)
    assert all(len(batch) <= 4 for batch in seen)


def test_nothing_to_run_is_no_batch() -> None:
    assert run_in_batches([], BatchLimits(), lambda batches: [[] for _ in batches]) == []
    assert plan_batches([], BatchLimits()) == []
