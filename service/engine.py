"""The offline engine: batched, de-duplicated, optionally cached translation of masked segments.

The pipeline hands the engine a flat list of masked segments; the engine decides how they reach
the backend. The async server's batcher forms its own batches and calls :meth:`translate_batch`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from models.backend import Backend, DecodeOptions
from service.text.repetition import trim_repetition

if TYPE_CHECKING:
    from service.settings import Settings

LENGTH_MEMO = 4096  # distinct segments whose token counts the engine remembers
LENGTH_MEMO_MAX_CHARS = 2000  # longer texts (budget probes of huge lines) are not remembered


class SegmentCache(Protocol):
    """What the engine needs from a persistent cache (see :mod:`service.cache`)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...

    def put_many(self, items: dict[str, str]) -> None: ...

    def key(self, backend: Backend, options: DecodeOptions, segment: str) -> str: ...


@dataclass
class EngineStats:
    """Counters for tests, logs and metrics."""

    model_calls: int = 0
    segments: int = 0  # segments sent to the model
    requested: int = 0  # segments asked for, duplicates and cache hits included
    cache_hits: int = 0


class Engine:
    """Synchronous, thread-safe front of a :class:`~models.backend.Backend`."""

    def __init__(
        self,
        backend: Backend,
        max_batch_size: int = 32,
        max_batch_tokens: int = 4096,
        cache: SegmentCache | None = None,
    ) -> None:
        self.backend = backend
        self.max_batch_size = max_batch_size
        self.max_batch_tokens = max_batch_tokens
        self.cache = cache
        self.stats = EngineStats()
        self._lock = threading.Lock()  # one model call at a time
        # Recent token counts: the pipeline counts a segment to check its budget, and batching
        # needs the same count again moments later (a request's whole path tokenises once).
        self._lengths: OrderedDict[str, int] = OrderedDict()
        self._lengths_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, use_cache: bool | None = None) -> Engine:
        from models.loading import ModelSpec, load_backend

        spec = ModelSpec(
            model=settings.model,
            backend=settings.backend,
            device=settings.device,
            dtype=settings.dtype,
            threads=settings.threads,
            revision=settings.revision,
            max_input_tokens=settings.max_input_tokens,
        )
        from service.cache import cache_from_settings

        cache = cache_from_settings(settings, use_cache)  # SQLite, Redis or none
        return cls(
            load_backend(spec),
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

    def token_lengths(self, texts: Sequence[str], remember: bool = True) -> list[int]:
        """Source tokens per text. The counts of the ``LENGTH_MEMO`` most recently counted
        segments (up to ``LENGTH_MEMO_MAX_CHARS`` characters) are remembered: the pipeline
        counts a segment for its budget check and the batcher needs the count again moments
        later. ``remember=False`` for texts that will not come back (model outputs)."""
        if not texts:
            return []
        with self._lengths_lock:
            known = {t: self._lengths[t] for t in texts if t in self._lengths}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            fresh = dict(zip(todo, self.backend.token_lengths(todo), strict=True))
            known.update(fresh)
            if remember:
                self._remember(fresh)
        return [known[t] for t in texts]

    def _remember(self, lengths: dict[str, int]) -> None:
        with self._lengths_lock:
            for text, count in lengths.items():
                if len(text) <= LENGTH_MEMO_MAX_CHARS:
                    self._lengths[text] = count
            while len(self._lengths) > LENGTH_MEMO:
                self._lengths.popitem(last=False)  # first in, first out

    def translate(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        """Translate every text; duplicates and cache hits never reach the model."""
        self.stats.requested += len(texts)
        unique = list(dict.fromkeys(texts))
        done = self.lookup(unique, options)
        todo = [t for t in unique if t not in done]
        if todo:
            fresh: dict[str, str] = {}
            lengths = self.token_lengths(todo)
            for batch in self._batches(todo, lengths):
                fresh.update(zip(batch, self.translate_batch(batch, options), strict=True))
            self.store(fresh, options)
            done.update(fresh)
        return [done[t] for t in texts]

    def translate_batch(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        """Exactly one backend call (the async batcher forms its own batches)."""
        if not texts:
            return []
        with self._lock:
            out = self.backend.translate_batch(texts, options)
            self.stats.model_calls += 1
            self.stats.segments += len(texts)
        return [trim_repetition(t) for t in out]

    def _batches(self, texts: list[str], lengths: list[int]) -> Iterator[list[str]]:
        """Length-sorted batches bounded by segment count and padded token count."""
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        batch: list[str] = []
        longest = 0
        for i in order:
            longest_if_added = max(longest, lengths[i])
            too_many = len(batch) >= self.max_batch_size
            too_big = longest_if_added * (len(batch) + 1) > self.max_batch_tokens
            if batch and (too_many or too_big):
                yield batch
                batch, longest_if_added = [], lengths[i]
            batch.append(texts[i])
            longest = longest_if_added
        if batch:
            yield batch

    def lookup(self, texts: Sequence[str], options: DecodeOptions) -> dict[str, str]:
        """Translations the persistent cache already holds (none without a cache)."""
        if self.cache is None or not texts:
            return {}
        keys = {self.cache.key(self.backend, options, t): t for t in texts}
        found = self.cache.get_many(list(keys))
        self.stats.cache_hits += len(found)
        return {keys[k]: v for k, v in found.items()}

    def store(self, fresh: dict[str, str], options: DecodeOptions) -> None:
        """Remember fresh model outputs in the persistent cache (if any)."""
        if self.cache is not None and fresh:
            self.cache.put_many(
                {self.cache.key(self.backend, options, s): t for s, t in fresh.items()}
            )
