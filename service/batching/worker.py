"""The model worker: runs one batch at a time on its own thread, so the event loop stays free.

A failed batch is retried one segment at a time, so one bad segment fails only its own request;
an engine that answers with the wrong number of outputs is an error for that batch, never a
mismatched translation. Nothing the model does can end the worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from models.backend import DecodeOptions, ModelOutput, Segment

log = logging.getLogger(__name__)

MODEL_THREAD = "thaimt-model"

Outcome = ModelOutput | BaseException


class BatchEngine(Protocol):
    """What the worker needs from the engine (``service.engine.Engine`` satisfies it)."""

    def run_batch(
        self, segments: Sequence[Segment], options: DecodeOptions
    ) -> list[ModelOutput]: ...


class ModelOutputError(RuntimeError):
    """The engine answered a batch with the wrong number of outputs."""


class ModelWorker:
    def __init__(self, engine: BatchEngine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=MODEL_THREAD)

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

    async def direct(self, segments: Sequence[Segment], options: DecodeOptions) -> float:
        """One model call outside the queue (warm-up); returns its seconds."""
        outcomes, seconds = await self.run(segments, options)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        if errors:
            raise errors[0]
        return seconds

    def shutdown(self) -> None:
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
