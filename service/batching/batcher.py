"""The batcher: one queue shared by every request the server handles, a pure policy deciding
when and what to run (:mod:`.policy`), admission refusing what cannot be served
(:mod:`.admission`), and a model worker (:mod:`.worker`); this module is the loop joining them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from models.backend import DecodeOptions, ModelOutput, Segment
from service import defaults
from service.batching.admission import Admission, BatcherStopped, SpeedEstimate
from service.batching.policy import PolicyConfig, decide
from service.batching.queue import PrepareTicket, QueuedSegment, SegmentQueue, weighted_tokens
from service.batching.step_policy import StepConfig
from service.batching.worker import BatchEngine, ModelWorker, Outcome

if TYPE_CHECKING:
    from service.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatcherConfig:
    max_batch_size: int = defaults.MAX_BATCH_SIZE
    max_batch_tokens: int = defaults.MAX_BATCH_TOKENS  # padded, weighted by beam width
    max_wait_ms: float = defaults.MAX_WAIT_MS
    # While requests are still being prepared, a batch that is not full may wait this long for
    # them (measured from its oldest segment); 0 turns holding off.
    max_hold_ms: float = defaults.MAX_HOLD_MS
    queue_size: int | None = None  # None: derived from the measured speed and the deadline
    deadline_s: float | None = None  # the request timeout admission plans for
    # The continuous loop (service.batching.continuous): while rows decode, a join waits for
    # min_join joiners or max_join_wait_ms (see step_policy).
    min_join: int = defaults.MIN_JOIN
    max_join_wait_ms: float = defaults.MAX_JOIN_WAIT_MS
    # Batches in flight at once (CTranslate2 lanes: one per replica); 1 = one at a time.
    lanes: int = 1
    # A document job's segment that has waited this long ranks as interactive (no starvation).
    background_max_wait_s: float = defaults.BACKGROUND_MAX_WAIT_S

    @classmethod
    def unbatched(
        cls, queue_size: int | None = None, deadline_s: float | None = None
    ) -> BatcherConfig:
        """One segment per model call: the baseline that benchmarks compare against."""
        return cls(1, 1, 0.0, 0.0, queue_size, deadline_s)

    @classmethod
    def from_settings(cls, settings: Settings) -> BatcherConfig:
        if not settings.batching:
            unbatched = cls.unbatched(settings.queue_size, settings.request_timeout_s)
            return dataclasses.replace(unbatched, background_max_wait_s=settings.jobs_max_defer_s)
        return cls(
            max_batch_size=settings.max_batch_size,
            max_batch_tokens=settings.max_batch_tokens,
            max_wait_ms=settings.max_wait_ms,
            max_hold_ms=settings.max_hold_ms,
            queue_size=settings.queue_size,
            deadline_s=settings.request_timeout_s,
            background_max_wait_s=settings.jobs_max_defer_s,
        )

    @property
    def steps(self) -> StepConfig:
        """The continuous loop's step policy: rows and tokens (source + decode) bounded like a
        static batch's segments and tokens."""
        return StepConfig(
            max_rows=self.max_batch_size,
            max_tokens=self.max_batch_tokens,
            min_join=self.min_join,
            max_join_wait_s=self.max_join_wait_ms / 1000,
            max_static_tokens=self.max_batch_tokens,
            background_max_wait_s=self.background_max_wait_s,
        )

    @property
    def policy(self) -> PolicyConfig:
        return PolicyConfig(
            self.max_batch_size,
            self.max_batch_tokens,
            self.max_wait_ms / 1000,
            self.max_hold_ms / 1000,
            self.background_max_wait_s,
        )


@dataclass(frozen=True)
class BatchReport:
    """What one model call did; handed to the listener (metrics)."""

    size: int
    source_tokens: int
    output_tokens: int
    seconds: float
    segment_latencies: list[float]  # enqueue -> result, per segment
    # Continuous batching: the decoding steps since the previous report, and the rows they
    # advanced in all (a static batch reports 0 and 0).
    steps: int = 0
    row_steps: int = 0
    background: int = 0  # of the segments, document jobs' ones


class BatchListener(Protocol):
    def batch_finished(self, report: BatchReport) -> None: ...

    def segments_dropped(self, count: int) -> None: ...


class _NullListener:
    def batch_finished(self, report: BatchReport) -> None:
        pass

    def segments_dropped(self, count: int) -> None:
        pass


@dataclass
class BatcherStats:
    model_calls: int = 0
    segments: int = 0  # segments that reached the model
    background: int = 0  # of which document jobs' segments
    dropped: int = 0  # segments whose client went away before their batch was formed


class Batcher:
    def __init__(
        self,
        engine: BatchEngine,
        config: BatcherConfig | None = None,
        listener: BatchListener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or BatcherConfig()
        self.stats = BatcherStats()
        self.speed = SpeedEstimate()
        self.admission = Admission(self.config.queue_size, self.config.deadline_s, self.speed)
        self._listener: BatchListener = listener or _NullListener()
        self._clock = clock
        self._wake = asyncio.Event()
        self.queue = SegmentQueue(clock, self._wake.set, self._dropped)
        self.worker = ModelWorker(engine, self.config.lanes)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="batcher")

    async def stop(self) -> None:
        """Stop accepting work, finish every queued segment, then end the worker."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
        self.worker.shutdown()

    async def warm_up(self, segments: Sequence[Segment], options: DecodeOptions) -> None:
        """One direct model call outside the queue; its speed seeds admission's estimate."""
        seconds = await self.worker.direct(segments, options)
        self.speed.observe_batch(sum(weighted_tokens(s, options) for s in segments), seconds)

    # -- submitting ------------------------------------------------------------------------

    @contextlib.contextmanager
    def admitted(self, texts: Sequence[str], options: DecodeOptions) -> Iterator[PrepareTicket]:
        """Admit a request (or refuse it, before any work) and hold its place while it is
        being prepared; pass the ticket to :meth:`submit`.

        The decision is made once, here, from the request's size in characters (an estimate on
        the low side: half the usual tokens per visible character); its estimated segments are
        reserved until it queues them, so an article, whose sentence splitting takes longer
        than a sentence's, cannot lose its place to requests that arrived after it."""
        self._refuse_if_stopping()
        visible = sum(len("".join(t.split())) for t in texts)
        tokens = 0.5 * visible * self.speed.tokens_per_char
        weight = tokens * options.beam_width
        self.admission.check(self.queue.occupied, self.queue.occupied_tokens, weight)
        segments = max(1, round(tokens / max(1.0, self.speed.tokens_per_segment)))
        with self.queue.announce(segments, round(weight)) as ticket:
            yield ticket

    @contextlib.contextmanager
    def preparing(self) -> Iterator[PrepareTicket]:
        """Announce a request whose segments are on their way, without admission or a
        reservation (callers that queue segments they already have)."""
        with self.queue.announce() as ticket:
            yield ticket

    @property
    def queue_depth(self) -> int:
        return self.queue.live

    @property
    def capacity(self) -> int:
        return self.admission.capacity

    def submit(
        self,
        segments: Sequence[Segment],
        options: DecodeOptions,
        ticket: PrepareTicket | None = None,
        background: bool = False,
    ) -> list[asyncio.Future[ModelOutput]]:
        """Queue one request's segments; each returned future resolves to its model output.

        A request admitted with :meth:`admitted` (its ticket given) is refused now only if its
        exact size alone exceeds what the timeout allows; any other is admitted here, whole or
        not at all. A ``background`` chunk (a document job's) is not refused: it runs in the
        room interactive segments leave, and its job bounds what it queues at a time."""
        admitted = ticket is not None and ticket.segments > 0
        if ticket is not None:
            ticket.release()
        if not segments:
            return []
        self._refuse_if_stopping()
        weight = sum(weighted_tokens(s, options) for s in segments)
        if admitted and not background:
            self.admission.check_alone(weight)
        elif not background:
            self.admission.check(self.queue.occupied, self.queue.occupied_tokens, weight)
        self.speed.observe_request(
            sum(len(s.text) for s in segments), sum(s.tokens for s in segments), len(segments)
        )
        return self.queue.add(segments, options, background)

    async def translate(
        self,
        segments: Sequence[Segment],
        options: DecodeOptions,
        ticket: PrepareTicket | None = None,
        background: bool = False,
    ) -> list[ModelOutput]:
        """Translate segments through the shared queue; cancelling drops what has not run."""
        futures = self.submit(segments, options, ticket, background)
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:
                future.cancel()  # no-op for resolved ones; drops the rest on error/cancel

    def _refuse_if_stopping(self) -> None:
        if self._stopping:
            raise BatcherStopped("server is shutting down")

    def _dropped(self, count: int) -> None:
        self.stats.dropped += count
        self._listener.segments_dropped(count)

    # -- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        """Form a batch whenever a lane is free and the policy says one is due; with one lane
        (the default), one batch at a time."""
        lanes: set[asyncio.Task[None]] = set()
        while True:
            if len(lanes) >= self.config.lanes:
                await asyncio.wait(lanes, return_when=asyncio.FIRST_COMPLETED)
                continue
            batch = await self._next_batch()
            if batch is None:
                break
            lane = asyncio.get_running_loop().create_task(self._run_batch(batch))
            lanes.add(lane)
            lane.add_done_callback(lanes.discard)
        if lanes:
            await asyncio.gather(*lanes)

    async def _run_batch(self, batch: list[QueuedSegment]) -> None:
        outcomes, seconds = await self.worker.run([i.segment for i in batch], batch[0].options)
        self._finish(batch, outcomes, seconds)

    async def _next_batch(self) -> list[QueuedSegment] | None:
        """Wait until the policy says a batch is due; None once stopping and drained."""
        while True:
            state = self.queue.state(self._stopping)
            if not state.pending and self._stopping:
                return None
            decision = decide(state, self.config.policy, self._clock())
            if decision.take:
                return self.queue.take(decision.take)
            self._wake.clear()
            timeout = None if decision.wake_at is None else decision.wake_at - self._clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _finish(self, batch: list[QueuedSegment], outcomes: list[Outcome], seconds: float) -> None:
        """Learn, report and resolve one batch. Nothing here may end the loop: a dead loop
        would leave every later request waiting for its timeout while the server looked ready."""
        try:
            self._learn(batch, seconds)
            self._listener.batch_finished(self._report(batch, outcomes, seconds))
        except Exception:
            log.exception("batch listener failed")
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.future.done():
                continue  # client left while its batch was running
            if isinstance(outcome, BaseException):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)
        self.stats.model_calls += 1
        self.stats.segments += len(batch)
        self.stats.background += sum(item.background for item in batch)

    def _learn(self, batch: list[QueuedSegment], seconds: float) -> None:
        """Only well-filled batches say how fast the model is (a lone segment is slow per
        token, and light traffic must not make admission stricter)."""
        weight = sum(item.weight for item in batch)
        cfg = self.config
        if 2 * len(batch) >= cfg.max_batch_size or 2 * weight >= cfg.max_batch_tokens:
            self.speed.observe_batch(weight, seconds)

    def _report(
        self, batch: list[QueuedSegment], outcomes: list[Outcome], seconds: float
    ) -> BatchReport:
        now = self._clock()
        return BatchReport(
            size=len(batch),
            source_tokens=sum(item.segment.tokens for item in batch),
            output_tokens=sum(o.tokens for o in outcomes if isinstance(o, ModelOutput)),
            seconds=seconds,
            segment_latencies=[now - item.enqueued for item in batch],
            background=sum(item.background for item in batch),
        )
