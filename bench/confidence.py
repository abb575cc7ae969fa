"""``thaimt bench --confidence``: what the model's own score (the base of confidence) costs the
engine, at batch 32, with and without it, side by side in one run.

The same pre-tokenised batches of 32 one-segment FLORES sentences go through ``Engine.run`` with
``DecodeOptions.scores`` on and off, alternating which goes first each round (one untimed round
warms both up). Per variant (the default CTranslate2 int8, and torch float32) and per output
length:

- **forced**: every output exactly ``--output-tokens`` long (the bench's usual setting);
- **natural**: outputs of their natural length, as a server decodes them (the random model
  never ends a sentence, so each row runs to its own length bound).

Either way the cost is the per-step work of the score: CTranslate2's log-softmax over the
vocabulary (``return_scores``), torch's recorder (``models/torch_scoring.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from bench.adapters import engine_run, new_engine, prepare_raw
from bench.config import BenchConfig, Variant
from bench.inputs import single_segment_sentences
from bench.models import base_model_dir, load_variant
from bench.run import decode_options, natural_options

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

BATCH = 32
Log = Callable[[str], object]


@dataclass
class CostRow:
    variant: str
    lengths: str  # "forced" or "natural"
    batch: int
    rounds: int
    with_s: list[float] = field(default_factory=list)  # seconds per round, scores on
    without_s: list[float] = field(default_factory=list)  # and off

    @property
    def ratio(self) -> float:
        """Throughput with scores ÷ throughput without (1.0 = free)."""
        return sum(self.without_s) / sum(self.with_s)

    @property
    def cost_percent(self) -> float:
        """How much longer the engine takes with scores, in percent."""
        return 100 * (sum(self.with_s) / sum(self.without_s) - 1)


def run_confidence_cost(config: BenchConfig, log: Log = print, rounds: int = 8) -> list[CostRow]:
    """Both variants, both output lengths, ``rounds`` paired rounds each."""
    base = config.model or base_model_dir()
    rows = []
    for variant in (config.default, config.reference):
        backend = load_variant(variant, base, config)
        forced = decode_options(config)
        sentences = single_segment_sentences(backend, forced, BATCH * rounds)
        for lengths, options in (("forced", forced), ("natural", natural_options())):
            row = measure_cost(backend, variant, sentences, options, rounds, lengths)
            log(f"{variant.label} {lengths}: confidence costs {row.cost_percent:+.1f}%")
            rows.append(row)
        del backend
    return rows


def measure_cost(
    backend: Backend,
    variant: Variant,
    sentences: Sequence[str],
    options: DecodeOptions,
    rounds: int,
    lengths: str,
) -> CostRow:
    """``rounds`` timed rounds (after one warm-up), each one batch with and one without."""
    engine = new_engine(backend, BATCH)
    sides = {"with": options, "without": replace(options, scores=False)}
    row = CostRow(variant.label, lengths, BATCH, rounds)
    for number in range(rounds + 1):
        chunk = list(sentences[(number * BATCH) % len(sentences) :][:BATCH])
        raw = prepare_raw(backend, chunk)
        order = ("with", "without") if number % 2 == 0 else ("without", "with")
        times = {}
        for side in order:
            started = time.perf_counter()
            engine_run(engine, raw, sides[side])
            times[side] = time.perf_counter() - started
        if number:  # round 0 warms both up
            row.with_s.append(times["with"])
            row.without_s.append(times["without"])
    return row


def markdown(rows: Sequence[CostRow], command: str) -> str:
    lines = [
        "# What confidence costs the engine",
        "",
        f"`{command}`: batch {BATCH}, the same batches with and without the model's scores, "
        "alternating which runs first.",
        "",
        "| variant | output lengths | rounds | s with | s without | throughput with ÷ without "
        "| cost |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.variant} | {r.lengths} | {r.rounds} | {sum(r.with_s):.2f} "
            f"| {sum(r.without_s):.2f} | {r.ratio:.3f} | {r.cost_percent:+.1f}% |"
        )
    return "\n".join(lines) + "\n"


def dumps(rows: Sequence[CostRow]) -> str:
    data = [{**asdict(r), "ratio": r.ratio, "cost_percent": r.cost_percent} for r in rows]
    return json.dumps(data, indent=2) + "\n"
