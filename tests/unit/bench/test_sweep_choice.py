"""Which batching configuration the sweep makes the default."""

from __future__ import annotations

import pytest

from bench.results import SweepRow
from bench.sweep import choose


def row(label: str, capacity: float, p95: float) -> SweepRow:
    return SweepRow(label, {}, capacity, p95, None, None)


@pytest.mark.parametrize(
    ("rows", "chosen"),
    [
        ([row("a", 10, 500), row("b", 10, 400)], "b"),  # same capacity: lower latency
        ([row("a", 10, 500), row("b", 9.5, 400)], "b"),  # within 10 %: latency decides
        ([row("a", 10, 500), row("b", 8.0, 100)], "a"),  # too little headroom
        ([row("a", 10, 500)], "a"),
    ],
)
def test_lowest_p95_among_configurations_near_the_best_capacity(
    rows: list[SweepRow], chosen: str
) -> None:
    assert choose(rows).label == chosen
