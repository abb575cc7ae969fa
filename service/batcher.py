"""Dynamic batching shared by every request the server handles.

A model call on 32 segments costs far less per segment than 32 calls on one, so the server puts
segments from different requests into the same call. ``Batcher`` owns one queue of segments;
each segment waits on its own ``asyncio.Future``. A background task forms a batch when
``max_batch_size`` segments or ``max_batch_tokens`` tokens are waiting, or when no segment has
arrived for ``max_wait_ms`` and no announced request is still being prepared, and at the latest
``max_hold_ms`` after the oldest waiting segment: a burst of requests (whose sentence splitting
runs in threads, so their segments trickle in) then fills one call instead of two half-full
ones, while a lone request waits only ``max_wait_ms``. ``max_hold_ms = 0`` gives the plain rule
"``max_wait_ms`` after the oldest". It runs the model on a single worker thread (one model call
at a time, the event loop stays free) and resolves each future.

Batches are taken oldest-first (no request can starve) among segments with the same
``DecodeOptions`` (a beam-4 segment cannot share a call with a greedy one) and are sorted by
length before the call. Segments whose future was cancelled (the client disconnected or timed
out) are dropped before they reach the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from models.backend import DecodeOptions

log = logging.getLogger(__name__)


class BatchEngine(Protocol):
    """What the batcher needs from the engine (``service.engine.Engine`` satisfies it)."""

    def token_lengths(self, texts: Sequence[str], remember: bool = True) -> list[int]: ...

    def translate_batch(self, texts: Sequence[str], options: DecodeOptions) -> list[str]: ...


class Overloaded(Exception):
    """The queue is full; the client should retry after ``retry_after_s`` seconds."""

    def __init__(self, depth: int, capacity: int, retry_after_s: int = 1) -> None:
        super().__init__(
            f"server is busy: {depth} segments queued (capacity {capacity}); retry later"
        )
        self.retry_after_s = retry_after_s


class ModelOutputError(RuntimeError):
    """The engine answered a batch with the wrong number of outputs."""


class BatcherStopped(Exception):
    """The batcher is shutting down and accepts no new work."""


@dataclass(frozen=True)
class BatcherConfig:
    max_batch_size: int = 32
    max_batch_tokens: int = 4096  # padded tokens: segments x longest segment
    max_wait_ms: float = 50.0
    queue_size: int = 2048
    # While requests are still being prepared, a batch that is not full may wait this long for
    # them (measured from its oldest segment); 0 turns holding off.
    max_hold_ms: float = 500.0

    @classmethod
    def unbatched(cls, queue_size: int = 2048) -> BatcherConfig:
        """One segment per model call: the baseline that benchmarks compare against."""
        return cls(
            max_batch_size=1, max_batch_tokens=1, max_wait_ms=0.0, queue_size=queue_size,
            max_hold_ms=0.0,
        )  # fmt: skip


@dataclass(frozen=True)
class BatchReport:
    """What one model call did; handed to the listener (metrics)."""

    size: int
    source_tokens: int
    output_tokens: int  # approximate: the engine's token counter applied to the outputs
    seconds: float
    segment_latencies: list[float]  # enqueue -> result, per segment


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
    dropped: int = 0  # segments whose client went away before their batch was formed


@dataclass(eq=False)
class _Item:
    text: str
    tokens: int
    options: DecodeOptions
    future: asyncio.Future[str]
    enqueued: float = field(default_factory=time.monotonic)
    taken: bool = False


# The ticket of the request being handled in this task (set by the server's middleware as soon
# as a translation request arrives, so the batcher knows about it before its body is parsed).
CURRENT_TICKET: contextvars.ContextVar[PrepareTicket | None] = contextvars.ContextVar(
    "thaimt_prepare_ticket", default=None
)


class PrepareTicket:
    """Held by a request while it is being prepared; released when its segments are queued."""

    def __init__(self, batcher: Batcher) -> None:
        self._batcher = batcher
        self.open = True

    def release(self) -> None:
        if self.open:
            self.open = False
            self._batcher._preparing -= 1
            self._batcher._arrived.set()


class Batcher:
    def __init__(
        self,
        engine: BatchEngine,
        config: BatcherConfig | None = None,
        listener: BatchListener | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or BatcherConfig()
        self.stats = BatcherStats()
        self._listener: BatchListener = listener or _NullListener()
        self._queue: deque[_Item] = deque()
        self._live = 0  # queued items whose future is still pending
        self._live_tokens = 0
        self._arrived = asyncio.Event()
        self._preparing = 0  # requests that will submit segments soon (see PrepareTicket)
        self._last_arrival = 0.0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thaimt-model")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="batcher")

    async def stop(self) -> None:
        """Stop accepting work, finish every queued segment, then end the worker."""
        self._stopping = True
        self._arrived.set()
        if self._task is not None:
            await self._task
        self._executor.shutdown(wait=True)

    async def run_in_model_thread(self, texts: Sequence[str], options: DecodeOptions) -> list[str]:
        """One direct model call on the model thread (warm-up), bypassing the queue."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self.engine.translate_batch, list(texts), options
        )

    # -- submitting ------------------------------------------------------------------------

    @contextlib.contextmanager
    def preparing(self) -> Iterator[PrepareTicket]:
        """Announce a request whose segments are on their way; pass the ticket to ``submit``."""
        self._preparing += 1
        ticket = PrepareTicket(self)
        try:
            yield ticket
        finally:
            ticket.release()

    @property
    def queue_depth(self) -> int:
        return self._live

    def is_overloaded(self, new_items: int = 1) -> bool:
        # A request larger than the whole queue is still admitted when the queue is empty, so
        # a big document is slow rather than impossible.
        return self._live > 0 and self._live + new_items > self.config.queue_size

    def submit(
        self,
        texts: Sequence[str],
        token_lengths: Sequence[int],
        options: DecodeOptions,
        ticket: PrepareTicket | None = None,
    ) -> list[asyncio.Future[str]]:
        """Queue segments; each returned future resolves to its translation."""
        if ticket is not None:
            ticket.release()
        if self._stopping:
            raise BatcherStopped("server is shutting down")
        if self.is_overloaded(len(texts)):
            raise Overloaded(self._live, self.config.queue_size)
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[str]] = []
        for text, tokens in zip(texts, token_lengths, strict=True):
            item = _Item(text, tokens, options, loop.create_future())
            item.future.add_done_callback(functools.partial(self._on_done, item))
            self._queue.append(item)
            self._live += 1
            self._live_tokens += tokens
            futures.append(item.future)
        if futures:
            self._last_arrival = time.monotonic()
            self._arrived.set()
        return futures

    async def submit_texts(
        self, texts: Sequence[str], options: DecodeOptions, ticket: PrepareTicket | None = None
    ) -> list[asyncio.Future[str]]:
        """Count tokens (in a thread) and queue the segments; see ``submit``."""
        if not texts:
            if ticket is not None:
                ticket.release()
            return []
        if self.is_overloaded(len(texts)):  # refuse before spending time on tokenising
            raise Overloaded(self._live, self.config.queue_size)
        lengths = await asyncio.to_thread(self.engine.token_lengths, list(texts))
        return self.submit(texts, lengths, options, ticket)

    async def translate(
        self,
        texts: Sequence[str],
        options: DecodeOptions,
        ticket: PrepareTicket | None = None,
        token_lengths: Sequence[int] | None = None,
    ) -> list[str]:
        """Translate segments through the shared queue; cancelling drops what has not run.

        ``token_lengths`` (one per text), when the caller already has them, saves counting."""
        if not texts or token_lengths is None:
            futures = await self.submit_texts(texts, options, ticket)
        else:
            futures = self.submit(texts, token_lengths, options, ticket)
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:
                future.cancel()  # no-op for resolved ones; drops the rest on error/cancel

    def _on_done(self, item: _Item, _future: asyncio.Future[str]) -> None:
        if item.taken or not item.future.cancelled():
            return
        self._live -= 1
        self._live_tokens -= item.tokens
        self.stats.dropped += 1
        self._listener.segments_dropped(1)

    # -- the worker ------------------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._next_batch()
            if batch is None:
                return
            started = time.monotonic()
            try:
                outputs, output_tokens = await loop.run_in_executor(
                    self._executor, self._call_model, batch
                )
            except Exception as exc:  # a bug in the engine must not kill the worker
                log.exception("model call failed")
                outputs, output_tokens = [exc] * len(batch), 0
            self._finish(batch, outputs, output_tokens, time.monotonic() - started)

    def _finish(
        self,
        batch: list[_Item],
        outputs: Sequence[str | BaseException],
        output_tokens: int,
        seconds: float,
    ) -> None:
        """Report and resolve one batch. Nothing here may end the worker: one that died would
        leave every later request waiting for its timeout while the server looked ready."""
        # Metrics first, so they already count this call when its clients get answers.
        try:
            self._report(batch, output_tokens, seconds)
        except Exception:
            log.exception("batch listener failed")
        try:
            self._resolve(batch, outputs)
        except Exception as exc:
            log.exception("resolving a batch failed")
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)

    async def _next_batch(self) -> list[_Item] | None:
        """Wait until a batch is due; None once stopping and the queue is empty."""
        max_wait_s = self.config.max_wait_ms / 1000
        max_hold_s = max(self.config.max_hold_ms / 1000, max_wait_s)
        while True:
            self._discard_dropped_head()
            if not self._queue:
                if self._stopping:
                    return None
                self._arrived.clear()
                await self._arrived.wait()
                continue
            remaining = self._time_to_fire(max_wait_s, max_hold_s)
            if self._stopping or remaining <= 0 or self._batch_is_full():
                return self._take_batch()
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def _time_to_fire(self, max_wait_s: float, max_hold_s: float) -> float:
        """Seconds until a batch that is not full is due (<= 0: now).

        Due ``max_wait_ms`` after the newest arrival once no announced request is still being
        prepared — a burst keeps filling one batch — and never later than ``max_hold_ms`` after
        the oldest segment. With ``max_hold_ms`` 0 this is simply ``max_wait_ms`` after the oldest.
        """
        now = time.monotonic()
        deadline = self._queue[0].enqueued + max_hold_s
        if self._preparing == 0:
            deadline = min(deadline, self._last_arrival + max_wait_s)
        return deadline - now

    def _batch_is_full(self) -> bool:
        cfg = self.config
        return self._live >= cfg.max_batch_size or self._live_tokens >= cfg.max_batch_tokens

    def _discard_dropped_head(self) -> None:
        while self._queue and self._queue[0].future.done():
            self._queue.popleft()

    def _take_batch(self) -> list[_Item]:
        """Oldest live segment plus the following ones with the same options, within limits."""
        cfg = self.config
        options = self._queue[0].options
        batch: list[_Item] = []
        rest: deque[_Item] = deque()
        longest = 0
        for item in self._queue:
            if item.future.done():
                continue  # dropped: never reaches the model
            fits = len(batch) < cfg.max_batch_size and (
                not batch or max(longest, item.tokens) * (len(batch) + 1) <= cfg.max_batch_tokens
            )
            if item.options == options and fits:
                batch.append(item)
                longest = max(longest, item.tokens)
            else:
                rest.append(item)
        self._queue = rest
        for item in batch:
            item.taken = True
            self._live -= 1
            self._live_tokens -= item.tokens
        batch.sort(key=lambda it: it.tokens)
        return batch

    def _call_model(self, batch: list[_Item]) -> tuple[list[str | BaseException], int]:
        """Runs on the model thread: the outputs, and the tokens generated (approximated with
        the engine's token counter, which keeps tokenising off the event loop)."""
        outputs = self._translate(batch)
        return outputs, self._count(outputs)

    def _translate(self, batch: list[_Item]) -> list[str | BaseException]:
        """A failing batch is retried one segment at a time so one bad segment fails only its
        own request."""
        texts = [item.text for item in batch]
        try:
            return self._checked(texts, batch[0].options)
        except Exception as exc:
            if len(batch) == 1:
                return [exc]
            log.warning("batch of %d failed (%s); retrying one by one", len(batch), exc)
        results: list[str | BaseException] = []
        for item in batch:
            try:
                results.extend(self._checked([item.text], item.options))
            except Exception as exc:
                results.append(exc)
        return results

    def _checked(self, texts: list[str], options: DecodeOptions) -> list[str | BaseException]:
        """One engine call, which must return one output per input (any other count would pair
        translations with the wrong segments)."""
        outputs: list[str | BaseException] = list(self.engine.translate_batch(texts, options))
        if len(outputs) != len(texts):
            raise ModelOutputError(
                f"the engine returned {len(outputs)} outputs for {len(texts)} segments"
            )
        return outputs

    def _resolve(self, batch: list[_Item], outputs: Sequence[str | BaseException]) -> None:
        for item, output in zip(batch, outputs, strict=True):
            if item.future.done():
                continue  # client left while its batch was running
            if isinstance(output, BaseException):
                item.future.set_exception(output)
            else:
                item.future.set_result(output)
        self.stats.model_calls += 1
        self.stats.segments += len(batch)

    def _count(self, outputs: Sequence[str | BaseException]) -> int:
        """Approximate tokens generated: the engine's counter applied to the outputs."""
        texts = [o for o in outputs if isinstance(o, str)]
        try:
            return sum(self.engine.token_lengths(texts, remember=False)) if texts else 0
        except Exception:  # metrics must never fail a request
            return 0

    def _report(self, batch: list[_Item], output_tokens: int, seconds: float) -> None:
        now = time.monotonic()
        self._listener.batch_finished(
            BatchReport(
                size=len(batch),
                source_tokens=sum(item.tokens for item in batch),
                output_tokens=output_tokens,
                seconds=seconds,
                segment_latencies=[now - item.enqueued for item in batch],
            )
        )
