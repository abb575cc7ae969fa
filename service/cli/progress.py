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
    from models.backend import DecodeOptions, ModelOutput, Segment
    from service.engine import Engine

BAR_DELAY_S = 1.0


def wants_progress(quiet: bool, stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    return not quiet and stream.isatty()


class ProgressRun:
    """The workflow's runner for ``translate``: the engine's own batches, with a bar that
    advances after each model call. It counts the segments the model was given."""

    def __init__(self, engine: Engine, show: bool) -> None:
        self.engine = engine
        self.show = show
        self.model_segments = 0

    def __call__(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        from tqdm import tqdm

        self.model_segments += len(segments)
        with tqdm(
            total=len(segments),
            desc="translating",
            unit="seg",
            file=sys.stderr,
            disable=not self.show,
            delay=BAR_DELAY_S,
            leave=False,
        ) as bar:
            return self.engine.run(segments, options, on_batch=bar.update)


@dataclass(frozen=True)
class RunSummary:
    segments: int  # distinct segments of the input that needed the model (or its cache)
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


def summarize(engine: Engine, run: ProgressRun, started: float, loaded: float) -> RunSummary:
    now = time.monotonic()
    hits = engine.outputs.hits
    return RunSummary(run.model_segments + hits, hits, now - started, loaded - started)
