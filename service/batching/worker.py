"""The model worker: runs batches on its own thread (one per lane), so the event loop stays free.

A failed batch is retried one segment at a time, so one bad segment fails only its own request;
an engine that answers with the wrong number of outputs is an error for that batch, never a
mismatched translation. Nothing the model does can end the worker.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from models.backend import DecodeOptions, ModelOutput, Segment

log = logging.getLogger(__name__)

MODEL_THREAD = "thaimt-model"

Outcome = ModelOutput | BaseException
T = TypeVar("T")


class BatchEngine(Protocol):
    """What the worker needs from the engine (``service.engine.Engine`` satisfies it)."""

    def run_batch(
        self, segments: Sequence[Segment], options: DecodeOptions
    ) -> list[ModelOutput]: ...


class ModelOutputError(RuntimeError):
    """The engine answered a batch with the wrong number of outputs."""


@functools.cache
def model_thread() -> ThreadPoolExecutor:
    """The process's model thread: the server loads its model and makes every model call on it.

    torch computes with GNU OpenMP, whose worker threads wait for the next parallel region by
    spinning (a few milliseconds) only while the threads it manages in all are no more than the
    cores; otherwise they sleep on a futex after ~100 spins and every region pays a wake-up.
    Each thread that starts parallel regions gets a team of its own, so a model loaded on one
    thread (its weights copied in parallel) and run on another makes two teams, and on a
    2-core machine every decoding step of the server then paid those wake-ups (measured: its
    model threads switched context ~1,000 times per batch of 32, the bench's own engine ~5;
    docs/batching.md). One thread for both keeps one team."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=MODEL_THREAD)


class ModelWorker:
    def __init__(self, engine: BatchEngine, lanes: int = 1) -> None:
        self.engine = engine
        # One lane: the process's model thread. Several (CTranslate2 replicas, whose compute
        # runs on the library's own threads): a thread per lane, batches in flight at once.
        self._owned = lanes > 1
        self._executor = (
            ThreadPoolExecutor(max_workers=lanes, thread_name_prefix=MODEL_THREAD)
            if self._owned
            else model_thread()
        )

    async def run(
        self, segments: Sequence[Segment], options: DecodeOptions
    ) -> tuple[list[Outcome], float]:
        """One outcome per segment (an output or the error that segment met), and the seconds
        the model took."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        try:
            outcomes = await loop.run_in_executor(
                self._executor, self._translate, list(segments), options
            )
        except Exception as exc:  # a bug in the retry itself must not end the loop either
            log.exception("model call failed")
            outcomes = [exc] * len(segments)
        return outcomes, time.monotonic() - started

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the model thread (a decoding step of the continuous loop)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    async def direct(self, segments: Sequence[Segment], options: DecodeOptions) -> float:
        """One model call outside the queue (warm-up); returns its seconds."""
        outcomes, seconds = await self.run(segments, options)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:
            raise errors[0]
        return seconds

    def shutdown(self) -> None:
        if self._owned:  # the model thread outlives a server (tests run several in a process)
            self._executor.shutdown(wait=True)

    def _translate(self, segments: list[Segment], options: DecodeOptions) -> list[Outcome]:
        try:
            return list(self._checked(segments, options))
        except Exception as exc:
            if len(segments) == 1:
                return [exc]
            log.warning("batch of %d failed (%s); retrying one by one", len(segments), exc)
        outcomes: list[Outcome] = []
        for segment in segments:
            try:
                outcomes.extend(self._checked([segment], options))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    def _checked(self, segments: list[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """One engine call, which must return one output per input (any other count would pair
        translations with the wrong segments)."""
        outputs = list(self.engine.run_batch(segments, options))
        if len(outputs) != len(segments):
            raise ModelOutputError(
                f"the engine returned {len(outputs)} outputs for {len(segments)} segments"
            )
        return outputs
