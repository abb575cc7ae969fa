"""The continuous loop: the batcher whose model call is one decoding step of a running batch.

The static batcher (:class:`~service.batching.batcher.Batcher`) runs a batch until its longest
row ends, so a segment that arrives meanwhile waits for the whole batch, then for its own. Here
the loop owns the step: before each one, the step policy (:mod:`.step_policy`) says which
waiting segments join; the step (:class:`models.continuous.StepDecoder`, on the model thread)
drops the rows whose clients went away, adds the joiners and advances every row by one token;
rows that ended resolve their futures at once. Queue, admission, reports and shutdown are the
static batcher's.

Beam segments cannot join a greedy batch: the step policy sends them as static micro-batches
through the engine, between two steps.

Reports (metrics): a "batch" here is the set of segments that ended at one step, and its
seconds the model time since the previous report, so ``thaimt_batch_size`` still sums to the
segments translated and ``thaimt_batch_seconds`` to the model's busy time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.backend import ModelOutput
from models.continuous import JoiningRow, StepDecoder, StepResult, supports
from service.batching.batcher import Batcher, BatcherConfig, BatchListener, BatchReport
from service.batching.queue import QueuedSegment
from service.batching.step_policy import Decoding, StepState, Waiting, plan_step
from service.batching.worker import BatchEngine

if TYPE_CHECKING:
    from models.continuous.rows import FinishedRow

log = logging.getLogger(__name__)

# Most steps the model thread runs in one call when nothing needs the loop (rows end within
# their own length bound anyway; this only bounds how stale the loop's bookkeeping can get).
MAX_STEPS_PER_CALL = 256


@dataclass
class _Running:
    """A segment in the running batch, as the loop tracks it."""

    item: QueuedSegment
    bound: int  # most tokens it may generate
    steps: int = 0  # tokens generated so far (one per step)


@dataclass
class _Window:
    """Model time and finished work since the last report (and since the last speed sample)."""

    seconds: float = 0.0
    weight: int = 0  # finished weighted tokens
    rows: int = 0  # sum over steps of the rows that decoded
    steps: int = 0
    finished: int = 0


class ContinuousBatcher(Batcher):
    """A :class:`Batcher` whose model calls are steps of ``decoder`` (see the module)."""

    def __init__(
        self,
        engine: BatchEngine,
        decoder: StepDecoder,
        config: BatcherConfig | None = None,
        listener: BatchListener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(engine, config, listener, clock)
        self.decoder = decoder
        self.running: dict[QueuedSegment, _Running] = {}
        self.steps = 0
        self._report_window = _Window()
        self._speed_window = _Window()
        # Set (from the event loop) when the loop must decide again: a segment arrived or a
        # request's preparation ended, a running row's client went away, or stop() was called.
        # Until then the model thread keeps stepping without coming back to the event loop.
        self._changed = threading.Event()
        self.queue.on_change = self._queue_changed

    def _queue_changed(self) -> None:
        self._changed.set()
        self._wake.set()

    async def stop(self) -> None:
        self._changed.set()
        await super().stop()

    async def _run(self) -> None:
        while True:
            self._changed.clear()  # before the plan: whatever happens after it is news
            waiting = self.queue.waiting()
            if self._stopping and not waiting and not self.running:
                return
            plan = plan_step(self._state(waiting), self.config.steps, self._clock())
            if plan.static:
                batch = self.queue.take(plan.static)
                outcomes, seconds = await self.worker.run(
                    [i.segment for i in batch], batch[0].options
                )
                self._finish(batch, outcomes, seconds)
            elif plan.join or self.running:
                await self._step(self.queue.take(plan.join), plan.wake_at)
            else:
                await self._sleep(plan.wake_at)

    def _state(self, waiting: Sequence[QueuedSegment]) -> StepState:
        return StepState(
            [
                Waiting(
                    item.request,
                    item.segment.tokens,
                    item.options.max_new_tokens(item.segment.tokens),
                    item.enqueued,
                    item.options,
                    joins=supports(item.options),
                    beam_width=item.options.beam_width,
                    background=item.background,
                )
                for item in waiting
            ],
            [
                Decoding(r.item.request, r.item.segment.tokens, max(0, r.bound - r.steps))
                for r in self.running.values()
            ],
            self._stopping,
        )

    async def _sleep(self, wake_at: float | None) -> None:
        self._wake.clear()
        if self.queue.waiting():  # something arrived while the plan was made
            return
        timeout = None if wake_at is None else max(0.0, wake_at - self._clock())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    # -- one step ----------------------------------------------------------------------------

    async def _step(self, joining: list[QueuedSegment], until: float | None = None) -> None:
        """Drop the rows whose clients left, add ``joining``, and step until the loop must
        decide again (see :meth:`_steps`; ``until``: a held join falls due then)."""
        leaving = [item for item in self.running if item.future.done()]  # clients went away
        for item in leaving:
            del self.running[item]
        if leaving:
            self._dropped(len(leaving))
        for item in joining:
            self.running[item] = _Running(item, item.options.max_new_tokens(item.segment.tokens))
            item.future.add_done_callback(self._client_left)
        rows = [JoiningRow(item, item.segment.ids, item.options) for item in joining]
        started = time.monotonic()
        try:
            result, steps = await self.worker.call(self._steps, rows, set(leaving), until)
        except Exception as exc:  # a broken step fails what it held, never the loop
            log.exception("decoding step failed")
            result, steps = await self._failed_step(exc), 1
        seconds = time.monotonic() - started
        for row in self.running.values():
            row.steps += steps
        self.steps += steps
        self._resolve(result, seconds, steps)

    def _client_left(self, future: asyncio.Future[ModelOutput]) -> None:
        if future.cancelled():  # not a result being set: a client that went away
            self._changed.set()

    def _steps(
        self, joining: Sequence[JoiningRow], leaving: set[QueuedSegment], until: float | None
    ) -> tuple[StepResult, int]:
        """On the model thread: one step, then more while nothing happens that the loop must
        act on (no row ended or failed, nothing arrived, no client left, no held join fell
        due): a lone sentence makes two trips between the event loop and the model thread,
        not one per token."""
        result = self.decoder.step(joining, leaving)
        joined, steps = result.joined, 1
        while (
            not result.finished
            and not result.failed
            and self.decoder.running
            and not self._changed.is_set()
            and (until is None or self._clock() < until)
            and steps < MAX_STEPS_PER_CALL
        ):
            result = self.decoder.step()
            steps += 1
        result.joined = joined
        return result, steps

    async def _failed_step(self, exc: Exception) -> StepResult:
        """Every row of a step that raised fails with its error; the decoder starts afresh."""
        await self.worker.call(self.decoder.clear)
        return StepResult(failed=[(item, exc) for item in self.running])

    def _resolve(self, result: StepResult, seconds: float, steps: int = 1) -> None:
        finished: list[tuple[QueuedSegment, ModelOutput]] = []
        for done in result.finished:
            item = self._pop(done.key)
            if item is not None:
                finished.append((item, _output(done)))
        for key, exc in result.failed:
            item = self._pop(key)
            if item is not None and not item.future.done():
                item.future.set_exception(exc)
        rows = len(self.running) + len(finished)
        for window in (self._report_window, self._speed_window):
            window.seconds += seconds
            window.steps += steps
            window.rows += rows * steps
            window.finished += len(finished)
            window.weight += sum(item.weight for item, _ in finished)
        if finished:
            self._report_finished(finished)
        for item, output in finished:
            if not item.future.done():
                item.future.set_result(output)
        self.stats.segments += len(finished)
        self.stats.background += sum(item.background for item, _ in finished)
        self.stats.model_calls += steps

    def _pop(self, key: object) -> QueuedSegment | None:
        if not isinstance(key, QueuedSegment):
            return None
        self.running.pop(key, None)
        return key

    def _report_finished(self, finished: list[tuple[QueuedSegment, ModelOutput]]) -> None:
        window, self._report_window = self._report_window, _Window()
        now = self._clock()
        report = BatchReport(
            size=len(finished),
            source_tokens=sum(item.segment.tokens for item, _ in finished),
            output_tokens=sum(output.tokens for _, output in finished),
            seconds=window.seconds,
            segment_latencies=[now - item.enqueued for item, _ in finished],
            steps=window.steps,
            row_steps=window.rows,
            background=sum(item.background for item, _ in finished),
        )
        try:
            self._learn_steps()
            self._listener.batch_finished(report)
        except Exception:
            log.exception("batch listener failed")

    def _learn_steps(self) -> None:
        """The model's speed from windows of steps that kept the batch well filled (half its
        rows on average) and finished half a batch of segments, as the static batcher learns
        only from well-filled batches."""
        window = self._speed_window
        half = max(1, self.config.max_batch_size // 2)
        if window.finished < half:
            return
        if window.rows >= half * window.steps:
            self.speed.observe_batch(window.weight, window.seconds)
        self._speed_window = _Window()


def _output(done: FinishedRow) -> ModelOutput:
    """The model output of a finished row (its token log-probabilities stay with the row until
    outputs carry a confidence)."""
    return done.output
