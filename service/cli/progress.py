"""``thaimt translate``'s progress bar and one-line summary on stderr.

Both show only where a person watches: stderr is a terminal and ``--quiet`` was not given. The
bar appears once a translation has run for a second, so short inputs stay silent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from models.backend import DecodeOptions
    from service.engine import Engine

BAR_DELAY_S = 1.0


def wants_progress(quiet: bool, stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    return not quiet and stream.isatty()


class ProgressTranslator:
    """The engine as the pipeline's translator, fed one batch-sized slice at a time so that a
    bar can advance (the engine still de-duplicates, caches and batches each slice)."""

    def __init__(self, engine: Engine, show: bool) -> None:
        self.engine = engine
        self.show = show

    @property
    def max_input_tokens(self) -> int:
        return self.engine.max_input_tokens

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        return self.engine.token_lengths(texts)

    def translate(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        from tqdm import tqdm

        step = max(1, self.engine.max_batch_size)
        out: list[str] = []
        with tqdm(
            total=len(texts),
            desc="translating",
            unit="seg",
            file=sys.stderr,
            disable=not self.show,
            delay=BAR_DELAY_S,
            leave=False,
        ) as bar:
            for start in range(0, len(texts), step):
                chunk = texts[start : start + step]
                out += self.engine.translate(chunk, options)
                bar.update(len(chunk))
        return out


@dataclass(frozen=True)
class RunSummary:
    segments: int  # distinct segments the pipeline asked for
    cache_hits: int
    seconds: float  # wall time, model loading included
    load_seconds: float

    def line(self) -> str:
        hits = "cache hit" if self.cache_hits == 1 else "cache hits"
        noun = "segment" if self.segments == 1 else "segments"
        return (
            f"thaimt: {self.segments} {noun}, {self.cache_hits} {hits}, {self.seconds:.1f} s "
            f"(model load {self.load_seconds:.1f} s)"
        )


def summarize(engine: Engine, started: float, loaded: float) -> RunSummary:
    now = time.monotonic()
    stats = engine.stats
    return RunSummary(stats.requested, stats.cache_hits, now - started, loaded - started)
