"""The queue of segments waiting for the model: bookkeeping only (no policy, no model).

Each queued segment waits on its own ``asyncio.Future``; a segment whose future is cancelled
(its client disconnected or timed out) stops counting at once and is never taken. Requests
announce themselves while they are being prepared (:class:`PrepareTicket`), so the policy can
hold a batch briefly for segments that are on their way; an announcement is made only once the
request's body has been read.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from models.backend import DecodeOptions, ModelOutput
from service.batching.policy import Pending, QueueState
from service.engine import Segment


def weighted_tokens(segment: Segment, options: DecodeOptions) -> int:
    """What a segment costs the model: its tokens times the beam width."""
    return segment.tokens * options.beam_width


@dataclass(eq=False)
class QueuedSegment:
    segment: Segment
    options: DecodeOptions
    request: int
    future: asyncio.Future[ModelOutput]
    enqueued: float
    weight: int  # weighted tokens
    taken: bool = False


class PrepareTicket:
    """Held by a request while it is being prepared; released when its segments are queued
    (or when it ends without queueing any)."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release = release
        self.open = True

    def release(self) -> None:
        if self.open:
            self.open = False
            self._release()


@dataclass
class SegmentQueue:
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[], None] = lambda: None  # wakes the batcher's loop
    on_dropped: Callable[[int], None] = lambda count: None
    _items: list[QueuedSegment] = field(default_factory=list)
    _requests: int = 0
    live: int = 0  # queued segments still wanted
    live_tokens: int = 0  # their weighted tokens
    preparing: int = 0
    last_arrival: float = 0.0

    @contextmanager
    def announce(self) -> Iterator[PrepareTicket]:
        """A request whose segments are on their way; pass the ticket to :meth:`add`."""
        self.preparing += 1
        ticket = PrepareTicket(self._released)
        try:
            yield ticket
        finally:
            ticket.release()

    def _released(self) -> None:
        self.preparing -= 1
        self.on_change()

    def add(
        self, segments: Sequence[Segment], options: DecodeOptions
    ) -> list[asyncio.Future[ModelOutput]]:
        """Queue one request's segments; each future resolves to its model output."""
        loop = asyncio.get_running_loop()
        self._requests += 1
        now = self.clock()
        futures = []
        for segment in segments:
            item = QueuedSegment(
                segment,
                options,
                self._requests,
                loop.create_future(),
                now,
                weighted_tokens(segment, options),
            )
            item.future.add_done_callback(functools.partial(self._on_done, item))
            self._items.append(item)
            self.live += 1
            self.live_tokens += item.weight
            futures.append(item.future)
        if futures:
            self.last_arrival = now
            self.on_change()
        return futures

    def _on_done(self, item: QueuedSegment, _future: asyncio.Future[ModelOutput]) -> None:
        if item.taken or not item.future.cancelled():
            return
        self.live -= 1
        self.live_tokens -= item.weight
        self.on_dropped(1)

    def state(self, stopping: bool = False) -> QueueState:
        """What the policy needs to know, with cancelled segments left out."""
        self._items = [item for item in self._items if not item.future.done()]
        pending = [
            Pending(item.request, item.weight, item.options, item.enqueued) for item in self._items
        ]
        return QueueState(pending, self.preparing, self.last_arrival, stopping)

    def take(self, indexes: Sequence[int]) -> list[QueuedSegment]:
        """Remove the chosen segments (indexes into the last :meth:`state`) for a model call."""
        chosen = set(indexes)
        batch = [self._items[i] for i in indexes]
        self._items = [item for i, item in enumerate(self._items) if i not in chosen]
        for item in batch:
            item.taken = True
            self.live -= 1
            self.live_tokens -= item.weight
        return batch
