"""What every translation-cache store does alike, written once: de-duplicated lookups, hit and
miss counts, and what the server observes of it (``/ready``, ``/metrics``).

A store maps key strings (:mod:`service.cache.keys`) to value strings
(:mod:`service.cache.outputs`) and never fails a translation: a store in trouble answers a
lookup with misses, skips a store, counts the fault by kind in ``faults`` and reports itself
``degraded`` in ``status``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from service.state.faults import FaultTracker


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class SegmentStore(ABC):
    """A segment → model output store (keys and values are strings), with its counters."""

    def __init__(self, faults: FaultTracker) -> None:
        self.faults = faults
        self._counts_lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Values of the keys that are stored; counts a hit or a miss per distinct key."""
        wanted = list(dict.fromkeys(keys))
        found = self._fetch(wanted) if wanted else {}
        with self._counts_lock:
            self._hits += len(found)
            self._misses += len(wanted) - len(found)
        return found

    def put_many(self, items: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Store values (key → value); existing keys are overwritten."""
        pairs = list(items.items() if isinstance(items, Mapping) else items)
        if pairs:
            self._store(pairs)

    @property
    def stats(self) -> CacheStats:
        with self._counts_lock:
            return CacheStats(hits=self._hits, misses=self._misses)

    @property
    @abstractmethod
    def status(self) -> str:
        """``ok``, or ``degraded`` while the store is unusable or after recent faults (never
        waits on the store: ``/ready`` reads it)."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every stored translation."""

    def close(self) -> None:  # noqa: B027 (most stores hold nothing to release)
        """Release what the store holds (nothing by default)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @abstractmethod
    def _fetch(self, wanted: list[str]) -> dict[str, str]:
        """The stored values of ``wanted`` (distinct keys); misses on a fault (counted)."""

    @abstractmethod
    def _store(self, pairs: list[tuple[str, str]]) -> None:
        """Store ``pairs``; skipped on a fault (counted)."""
