"""The engine: a backend, its batch limits and the translation cache, behind one lock.

The workflow (:mod:`service.workflow`) hands the engine masked segments that already carry
their token ids (tokenised once, while the pipeline checked their budget); the engine forms
length-sorted batches within ``max_batch_size`` segments and ``max_batch_tokens`` padded tokens
and makes one backend call per batch. The server's batcher forms its own batches and calls
:meth:`Engine.run_batch`. The cache is consulted and filled by the workflow through
:meth:`Engine.lookup` and :meth:`Engine.store`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from models.backend import Backend, DecodeOptions, ModelOutput
from service import defaults

if TYPE_CHECKING:
    from service.settings import Settings


@dataclass(frozen=True)
class Segment:
    """A masked segment on its way to the model, with the token ids it was counted with."""

    text: str
    ids: tuple[int, ...]

    @property
    def tokens(self) -> int:
        return len(self.ids)


class SegmentCache(Protocol):
    """What the engine needs from a persistent cache (see :mod:`service.cache`)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...

    def put_many(self, items: dict[str, str]) -> None: ...

    def key(self, backend: Backend, options: DecodeOptions, segment: str) -> str: ...


# Called after each model call with the number of segments it translated (progress bars).
BatchCallback = Callable[[int], object]


@dataclass
class EngineStats:
    """Counters for tests, logs and metrics."""

    model_calls: int = 0
    segments: int = 0  # segments sent to the model
    cache_hits: int = 0


class Engine:
    """Synchronous, thread-safe front of a :class:`~models.backend.Backend`."""

    def __init__(
        self,
        backend: Backend,
        max_batch_size: int = defaults.MAX_BATCH_SIZE,
        max_batch_tokens: int = defaults.MAX_BATCH_TOKENS,
        cache: SegmentCache | None = None,
    ) -> None:
        self.backend = backend
        self.max_batch_size = max_batch_size
        self.max_batch_tokens = max_batch_tokens
        self.cache = cache
        self.stats = EngineStats()
        self._lock = threading.Lock()  # one model call at a time

    @classmethod
    def from_settings(
        cls, settings: Settings, *, use_cache: bool | None = None, backend: Backend | None = None
    ) -> Engine:
        """The settings' model (or ``backend``, already loaded), batch limits and cache."""
        from models.loading import load_backend
        from service.cache import cache_from_settings

        cache = cache_from_settings(settings, use_cache)  # SQLite, Redis or none
        return cls(
            backend or load_backend(settings.model_spec()),
            max_batch_size=settings.max_batch_size,
            max_batch_tokens=settings.max_batch_tokens,
            cache=cache,
        )

    @property
    def max_input_tokens(self) -> int:
        return self.backend.max_input_tokens

    @property
    def model_id(self) -> str:
        return self.backend.model_id

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text (one tokenizer call)."""
        return self.backend.encode(texts) if texts else []

    def segments(self, texts: Sequence[str]) -> list[Segment]:
        """``texts`` as segments carrying their token ids."""
        return [Segment(t, tuple(ids)) for t, ids in zip(texts, self.encode(texts), strict=True)]

    def run(
        self,
        segments: Sequence[Segment],
        options: DecodeOptions,
        on_batch: BatchCallback | None = None,
    ) -> list[ModelOutput]:
        """Translate every segment, in length-sorted batches within the engine's limits."""
        outputs: dict[int, ModelOutput] = {}
        for batch in self.batches(segments):
            done = self.run_batch([segments[i] for i in batch], options)
            outputs.update(zip(batch, done, strict=True))
            if on_batch is not None:
                on_batch(len(batch))
        return [outputs[i] for i in range(len(segments))]

    def run_batch(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """Exactly one backend call (the async batcher forms its own batches)."""
        if not segments:
            return []
        with self._lock:
            out = self.backend.translate_batch([s.ids for s in segments], options)
            self.stats.model_calls += 1
            self.stats.segments += len(segments)
        return list(out)  # the repetition guard runs when the pipeline assembles (flags)

    def translate(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        """Plain texts in, translations out: cache, de-duplication, batches. For callers that
        have no pipeline around them (benchmarks, tests); documents go through the workflow."""
        unique = list(dict.fromkeys(texts))
        done = self.lookup(unique, options)
        todo = self.segments([t for t in unique if t not in done])
        fresh = dict(zip((s.text for s in todo), self.run(todo, options), strict=True))
        self.store(fresh, options)
        done.update(fresh)
        return [done[t].text for t in texts]

    def batches(self, segments: Sequence[Segment]) -> Iterator[list[int]]:
        """Indexes of ``segments`` in length-sorted batches bounded by segment count and padded
        token count."""
        order = sorted(range(len(segments)), key=lambda i: segments[i].tokens)
        batch: list[int] = []
        longest = 0
        for i in order:
            longest_if_added = max(longest, segments[i].tokens)
            too_many = len(batch) >= self.max_batch_size
            too_big = longest_if_added * (len(batch) + 1) > self.max_batch_tokens
            if batch and (too_many or too_big):
                yield batch
                batch, longest_if_added = [], segments[i].tokens
            batch.append(i)
            longest = longest_if_added
        if batch:
            yield batch

    def lookup(self, texts: Sequence[str], options: DecodeOptions) -> dict[str, ModelOutput]:
        """Outputs the persistent cache already holds (none without a cache)."""
        if self.cache is None or not texts:
            return {}
        keys = {self.cache.key(self.backend, options, t): t for t in texts}
        found = self.cache.get_many(list(keys))
        outputs = {keys[k]: output for k, v in found.items() if (output := _loads(v)) is not None}
        self.stats.cache_hits += len(outputs)
        return outputs

    def store(self, fresh: Mapping[str, ModelOutput], options: DecodeOptions) -> None:
        """Remember fresh model outputs in the persistent cache (if any)."""
        if self.cache is not None and fresh:
            self.cache.put_many(
                {self.cache.key(self.backend, options, s): _dumps(o) for s, o in fresh.items()}
            )


def _dumps(output: ModelOutput) -> str:
    """The cached form of an output: what a later hit needs (no token count: nothing ran), the
    model's score included so that a hit keeps its confidence."""
    return json.dumps([output.text, list(output.alternatives), output.score], ensure_ascii=False)


def _loads(value: str) -> ModelOutput | None:
    """An output from its cached form; None for an entry of another format (a miss). Entries
    written before scores were kept (``[text, alternatives]``) load with no score."""
    try:
        text, alternatives, *rest = json.loads(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(text, str) or not isinstance(alternatives, list) or len(rest) > 1:
        return None
    score = rest[0] if rest else None
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        return None
    known = None if score is None else float(score)
    return ModelOutput(text, 0, tuple(str(a) for a in alternatives), known)
