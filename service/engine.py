"""The engine: a loaded backend behind one lock, with its batch limits and its translation cache.

The workflow (:mod:`service.workflow`) hands the engine masked segments that already carry their
token ids (tokenised once, while the pipeline checked their budget). :meth:`Engine.run_batch` is
exactly one backend call, one at a time (the server's batcher forms its own batches and calls
it); :meth:`Engine.run` cuts segments into the offline batches of
:mod:`service.batching.offline` first. The cache front (:class:`~service.cache.outputs.
OutputCache`, ``engine.outputs``) is consulted and filled by the workflow; ``engine.cache`` is
the store behind it, which the server observes (``/ready``, ``/metrics``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.backend import Backend, DecodeOptions, ModelOutput, Segment
from service import defaults
from service.batching.offline import BatchLimits, run_in_batches
from service.cache.outputs import OutputCache

if TYPE_CHECKING:
    from service.cache.store import SegmentStore
    from service.settings import Settings

# Called after each model call with the number of segments it translated (progress bars).
BatchCallback = Callable[[int], object]


@dataclass
class EngineStats:
    """Counters for tests, logs and metrics."""

    model_calls: int = 0
    segments: int = 0  # segments sent to the model


class Engine:
    """Synchronous, thread-safe front of a :class:`~models.backend.Backend`."""

    def __init__(
        self,
        backend: Backend,
        max_batch_size: int = defaults.MAX_BATCH_SIZE,
        max_batch_tokens: int = defaults.MAX_BATCH_TOKENS,
        cache: SegmentStore | None = None,
    ) -> None:
        self.backend = backend
        self.limits = BatchLimits(max_batch_size, max_batch_tokens)
        self.cache = cache
        self.outputs = OutputCache(backend, cache)
        self.stats = EngineStats()
        self._lock = threading.Lock()  # one model call at a time

    def run(
        self,
        segments: Sequence[Segment],
        options: DecodeOptions,
        on_batch: BatchCallback | None = None,
    ) -> list[ModelOutput]:
        """Translate every segment, in length-sorted batches within the engine's limits."""

        def each(batches: list[list[Segment]]) -> Iterator[list[ModelOutput]]:
            for batch in batches:
                outputs = self.run_batch(batch, options)
                if on_batch is not None:
                    on_batch(len(batch))
                yield outputs

        return run_in_batches(segments, self.limits, each)

    def run_batch(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """Exactly one backend call (the async batcher forms its own batches)."""
        if not segments:
            return []
        with self._lock:
            out = self.backend.translate_batch([s.ids for s in segments], options)
            self.stats.model_calls += 1
            self.stats.segments += len(segments)
        return list(out)  # the repetition guard runs when the pipeline assembles (flags)


def load_engine(
    settings: Settings, *, use_cache: bool | None = None, backend: Backend | None = None
) -> Engine:
    """The settings' model (or ``backend``, already loaded), batch limits and cache (SQLite,
    Redis or none; ``use_cache`` overrides ``THAIMT_CACHE``)."""
    from models.loading import load_backend
    from service.cache.factory import cache_from_settings

    cache = cache_from_settings(settings, use_cache)
    return Engine(
        backend or load_backend(settings.model_spec()),
        max_batch_size=settings.max_batch_size,
        max_batch_tokens=settings.max_batch_tokens,
        cache=cache,
    )
