"""``thaimt bench --long-line``: what one long line costs per character, at 10k, 50k and 200k
characters, side by side in one run.

A request's cost must grow with its text, not faster: one line of 200,000 characters is within
every limit and must not cost more per character than one of 10,000. The line is FLORES-200
Thai sentences run together, without spaces or line breaks, with Markdown-like punctuation
(``**``, ``[``, ``](``, ``#``, ``|`` ...): one paragraph for the pipeline, whose sentences exceed
the token budget. Each size goes through the whole
workflow (preparation: sentences, spans, the token budget; the model, its output forced to
``--output-tokens`` tokens per segment so every segment costs the same; assembly), and the
preparation alone is timed too. Sizes alternate over ``rounds`` rounds and each figure keeps its
best time, so a busy machine disturbs the ratio as little as possible; the ratio of the highest to
the lowest time per character is what to read (1 is perfectly linear).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from bench.adapters import new_engine, prepare_text, translate_text
from bench.config import BenchConfig
from bench.inputs import bench_sentences
from bench.models import base_model_dir, load_variant

if TYPE_CHECKING:
    from service.engine import Engine

Log = Callable[[str], object]
SIZES = (10_000, 50_000, 200_000)
PUNCTUATION = ("**", "[", "](", ")", "#", "|", "-", "`", "_", ">", "*", "(", "]")
SPACES = 0.0


@dataclass
class LongLineRun:
    chars: int
    segments: int
    prepare_s: float
    total_s: float

    @property
    def prepare_us_per_char(self) -> float:
        return self.prepare_s / self.chars * 1e6

    @property
    def total_us_per_char(self) -> float:
        return self.total_s / self.chars * 1e6


def long_line(chars: int, seed: int = 0, spaces: float = SPACES) -> str:
    """``chars`` characters of FLORES sentences and Markdown-like punctuation, one line. Thai
    puts no space between words; here (``spaces`` = 0) there is none at all, so sentences run
    long and the token budget has to cut them: the case that cost more per character the longer
    the line (``spaces`` is the share of words followed by one)."""
    rng = random.Random(seed)
    sentences = bench_sentences()
    parts: list[str] = []
    size = 0
    while size < chars:
        for word in sentences[rng.randrange(len(sentences))].split():
            part = rng.choice(PUNCTUATION) + word if rng.random() < 0.3 else word
            part += " " if rng.random() < spaces else ""
            parts.append(part)
            size += len(part)
    return "".join(parts)[:chars]


def run_long_line(
    config: BenchConfig, sizes: Sequence[int] = SIZES, rounds: int = 2, log: Log = print
) -> list[LongLineRun]:
    base = config.model or base_model_dir()
    backend = load_variant(config.default, base, config)
    # Batches of 8: even the shortest line fills a few, so the model's cost per segment (which
    # falls as batches fill) is alike at every size and the ratio shows the text's own cost.
    engine = new_engine(backend, 8)
    translate_text(engine, "ไทย", config.output_tokens)  # warm-up: PyThaiNLP, the model
    best: dict[int, LongLineRun] = {}
    for number in range(rounds):
        for chars in sizes:
            run = _measure(engine, long_line(chars), config.output_tokens)
            log(
                f"round {number + 1}: {chars:,} characters, {run.segments} segments: "
                f"{run.total_s:.1f} s ({run.total_us_per_char:.1f} µs/char), "
                f"preparing {run.prepare_s:.1f} s"
            )
            if chars in best:  # each figure its best over the rounds
                kept = best[chars]
                run.prepare_s = min(run.prepare_s, kept.prepare_s)
                run.total_s = min(run.total_s, kept.total_s)
            best[chars] = run
    return [best[chars] for chars in sizes]


def _measure(engine: Engine, text: str, output_tokens: int) -> LongLineRun:
    started = time.perf_counter()
    segments = prepare_text(engine, text, output_tokens)
    prepared = time.perf_counter()
    translate_text(engine, text, output_tokens)
    done = time.perf_counter()
    return LongLineRun(len(text), segments, prepared - started, done - prepared)


def summary(runs: Sequence[LongLineRun]) -> dict[str, float]:
    total = [r.total_us_per_char for r in runs]
    prepare = [r.prepare_us_per_char for r in runs]
    out = {f"long_line_us_per_char_{r.chars // 1000}k": round(r.total_us_per_char, 2) for r in runs}
    out["long_line_per_char_ratio"] = round(max(total) / min(total), 2)
    out["long_line_prepare_per_char_ratio"] = round(max(prepare) / min(prepare), 2)
    return out


def markdown(runs: Sequence[LongLineRun]) -> str:
    rows = [
        "| characters | segments | total (s) | µs/char | preparing (s) | µs/char |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r.chars:,} | {r.segments} | {r.total_s:.2f} | {r.total_us_per_char:.1f} "
            f"| {r.prepare_s:.2f} | {r.prepare_us_per_char:.1f} |"
        )
    s = summary(runs)
    rows.append("")
    rows.append(
        f"Highest / lowest time per character: {s['long_line_per_char_ratio']} in all, "
        f"{s['long_line_prepare_per_char_ratio']} for the preparation (1 = linear)."
    )
    return "\n".join(rows) + "\n"


def to_dict(runs: Sequence[LongLineRun]) -> dict[str, Any]:
    return {"runs": [asdict(r) for r in runs], "summary": summary(runs)}
