"""``thaimt bench --long-line``'s parts: the line, a run on the tiny model, the summary."""

from __future__ import annotations

from pathlib import Path

from bench.config import BenchConfig
from bench.longline import PUNCTUATION, long_line, markdown, run_long_line, summary


def test_the_long_line_is_one_line_of_thai_and_punctuation() -> None:
    line = long_line(20_000)
    assert len(line) == 20_000 and "\n" not in line and " " not in line
    assert sum(line.count(p) for p in PUNCTUATION) > 200
    assert line == long_line(20_000)  # the same line every run


def test_a_run_on_the_tiny_model(tiny_model_dir: Path) -> None:
    config = BenchConfig(model=tiny_model_dir, threads=1, output_tokens=2)
    runs = run_long_line(config, sizes=(1_000, 3_000), rounds=1, log=lambda _: None)
    assert [r.chars for r in runs] == [1_000, 3_000]
    assert all(r.segments > 0 and r.total_s > 0 and r.prepare_s > 0 for r in runs)
    figures = summary(runs)
    assert set(figures) == {
        "long_line_us_per_char_1k",
        "long_line_us_per_char_3k",
        "long_line_per_char_ratio",
        "long_line_prepare_per_char_ratio",
    }
    assert figures["long_line_per_char_ratio"] >= 1
    assert "| 3,000 |" in markdown(runs)
