"""Dynamic batching shared by every request the server handles.

A model call on 32 segments costs far less per segment than 32 calls on one, so the server puts
segments from different requests into the same call. The parts: :mod:`.policy` (when to fire and
which segments to take: a pure function of the queue's state and a clock), :mod:`.admission`
(refuse early what cannot be served in time), :mod:`.queue` (bookkeeping, per-segment futures),
:mod:`.worker` (the model thread, per-segment retry) and :mod:`.batcher` (the loop).
"""

from service.batching.admission import BatcherStopped, Overloaded, TooExpensive
from service.batching.batcher import (
    Batcher,
    BatcherConfig,
    BatcherStats,
    BatchListener,
    BatchReport,
)
from service.batching.queue import PrepareTicket
from service.batching.worker import MODEL_THREAD, ModelOutputError

__all__ = [
    "MODEL_THREAD",
    "BatchListener",
    "BatchReport",
    "Batcher",
    "BatcherConfig",
    "BatcherStats",
    "BatcherStopped",
    "ModelOutputError",
    "Overloaded",
    "PrepareTicket",
    "TooExpensive",
]
