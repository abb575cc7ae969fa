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

from models.backend import DecodeOptions, ModelOutput, Segment
from service.batching.policy import Pending, QueueState


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
    background: bool = False  # a document job's segment (see the policy's "Interactive first")
    taken: bool = False


@dataclass
class PrepareTicket:
    """Held by a request that was admitted and is being prepared; released when its segments
    are queued (or when it ends without queueing any). Until then its estimated size is
    reserved in the queue, so requests that arrive while it is prepared cannot take its place."""

    segments: int  # reserved (estimated) places in the queue
    tokens: int  # reserved weighted tokens
    _release: Callable[[PrepareTicket], None] = field(repr=False)
    open: bool = True

    def release(self) -> None:
        if self.open:
            self.open = False
            self._release(self)


@dataclass
class SegmentQueue:
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[], None] = lambda: None  # wakes the batcher's loop
    on_dropped: Callable[[int], None] = lambda count: None
    _items: list[QueuedSegment] = field(default_factory=list)
    _requests: int = 0
    live: int = 0  # queued segments still wanted
    live_tokens: int = 0  # their weighted tokens
    background: int = 0  # of which document jobs' (outside admission: interactive ones go first)
    background_tokens: int = 0
    preparing: int = 0
    reserved: int = 0  # places held by admitted requests still being prepared
    reserved_tokens: int = 0
    last_arrival: float = 0.0

    @property
    def occupied(self) -> int:
        """Places taken ahead of a new interactive request: queued interactive segments plus
        the reservations of requests being prepared (background segments run after it)."""
        return self.live - self.background + self.reserved

    @property
    def occupied_tokens(self) -> int:
        return self.live_tokens - self.background_tokens + self.reserved_tokens

    @contextmanager
    def announce(self, segments: int = 0, tokens: int = 0) -> Iterator[PrepareTicket]:
        """A request whose segments are on their way, holding ``segments`` places (its
        estimated size) until it queues them; pass the ticket to :meth:`add`."""
        self.preparing += 1
        self.reserved += segments
        self.reserved_tokens += tokens
        ticket = PrepareTicket(segments, tokens, self._released)
        try:
            yield ticket
        finally:
            ticket.release()

    def _released(self, ticket: PrepareTicket) -> None:
        self.preparing -= 1
        self.reserved -= ticket.segments
        self.reserved_tokens -= ticket.tokens
        self.on_change()

    def add(
        self, segments: Sequence[Segment], options: DecodeOptions, background: bool = False
    ) -> list[asyncio.Future[ModelOutput]]:
        """Queue one request's segments (or one chunk of a document job's: ``background``);
        each future resolves to its model output."""
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
                background,
            )
            item.future.add_done_callback(functools.partial(self._on_done, item))
            self._items.append(item)
            self._count(item, 1)
            futures.append(item.future)
        if futures:
            self.last_arrival = now
            self.on_change()
        return futures

    def _on_done(self, item: QueuedSegment, _future: asyncio.Future[ModelOutput]) -> None:
        if item.taken or not item.future.cancelled():
            return
        self._count(item, -1)
        self.on_dropped(1)

    def _count(self, item: QueuedSegment, sign: int) -> None:
        self.live += sign
        self.live_tokens += sign * item.weight
        if item.background:
            self.background += sign
            self.background_tokens += sign * item.weight

    def state(self, stopping: bool = False) -> QueueState:
        """What the policy needs to know, with cancelled segments left out."""
        self._items = [item for item in self._items if not item.future.done()]
        pending = [
            Pending(item.request, item.weight, item.options, item.enqueued, item.background)
            for item in self._items
        ]
        return QueueState(pending, self.preparing, self.last_arrival, stopping)

    def waiting(self) -> list[QueuedSegment]:
        """The live queued segments, in queue order (cancelled ones left out); indexes into
        this list are what :meth:`take` takes."""
        self._items = [item for item in self._items if not item.future.done()]
        return list(self._items)

    def take(self, indexes: Sequence[int]) -> list[QueuedSegment]:
        """Remove the chosen segments (indexes into the last :meth:`state`) for a model call."""
        chosen = set(indexes)
        batch = [self._items[i] for i in indexes]
        self._items = [item for i, item in enumerate(self._items) if i not in chosen]
        for item in batch:
            item.taken = True
            self._count(item, -1)
        return batch
