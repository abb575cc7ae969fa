"""Which batcher the server runs: the scheduler setting against the loaded backend.

- ``continuous`` (:mod:`.continuous`): torch; segments join and leave a running batch at every
  decoding step, so a new sentence waits one step, not for a whole batch;
- ``lanes``: CTranslate2 cannot add rows to a running batch, so its replicas each take a batch
  of their own, several in flight: a new sentence waits for the first free replica, not for
  the whole batch (one batch shared out between the replicas is the ``static`` way);
- ``static``: one batch at a time, run to its end (also what ``batching`` off means, with one
  segment per call).

``auto`` picks continuous on torch and lanes on CTranslate2 with two replicas or more, as
measured by ``thaimt bench`` (docs/batching.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.batching.batcher import Batcher, BatcherConfig, BatchListener

if TYPE_CHECKING:
    from service.engine import Engine
    from service.settings import Settings

SCHEDULERS = ("auto", "continuous", "lanes", "static")


class SchedulerError(ValueError):
    """The scheduler asked for cannot run on the loaded backend."""


def replicas_of(backend: object) -> int:
    """Model replicas that can each take a batch (CTranslate2's ``inter_threads``)."""
    layout = getattr(backend, "layout", None)
    return int(getattr(layout, "inter", 1)) if hasattr(backend, "split_batches") else 1


def scheduler_for(requested: str, backend: object, batching: bool = True) -> str:
    """The scheduler that runs: ``requested`` checked against ``backend``, ``auto`` resolved."""
    from models.continuous import continuous_decoder

    if requested not in SCHEDULERS:
        raise SchedulerError(f"unknown scheduler {requested!r}; use {', '.join(SCHEDULERS)}")
    if not batching:
        return "static"
    steps = getattr(backend, "name", None) == "torch" and continuous_decoder(backend) is not None
    if requested == "auto":
        if steps:
            return "continuous"
        return "lanes" if replicas_of(backend) > 1 else "static"
    if requested == "continuous" and not steps:
        raise SchedulerError(
            "the continuous scheduler needs the torch backend (--backend torch) and a Marian, "
            "NLLB or M2M100 model; CTranslate2 runs with --scheduler lanes or static"
        )
    if requested == "lanes" and replicas_of(backend) < 2:
        raise SchedulerError(
            "the lanes scheduler needs CTranslate2 with two replicas or more "
            "(--backend ct2, THAIMT_INTER_THREADS >= 2)"
        )
    return requested


def make_batcher(
    engine: Engine, settings: Settings, listener: BatchListener | None = None
) -> tuple[Batcher, str]:
    """The server's batcher for ``engine`` and the scheduler it runs."""
    from dataclasses import replace

    config = BatcherConfig.from_settings(settings)
    backend = engine.backend
    scheduler = scheduler_for(settings.scheduler, backend, settings.batching)
    if scheduler == "continuous":
        from models.continuous import continuous_decoder
        from service.batching.continuous import ContinuousBatcher

        decoder = continuous_decoder(backend)
        assert decoder is not None  # scheduler_for checked
        return ContinuousBatcher(engine, decoder, config, listener), scheduler
    if scheduler == "lanes":
        lanes = replicas_of(backend)
        backend.split_batches = False  # type: ignore[attr-defined]  # one replica per batch
        engine.allow_lanes(lanes)
        return Batcher(engine, replace(config, lanes=lanes), listener), scheduler
    return Batcher(engine, config, listener), scheduler
