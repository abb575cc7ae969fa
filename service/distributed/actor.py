"""The Ray actor: one engine (the run's model, loaded once per actor process) translating the
batches the driver formed.

Ray restarts an actor whose process dies and runs its batch again on the new one (see
:mod:`service.distributed.pool`); a batch always gets the same outputs, so a retry changes
nothing. The pool turns the class into an actor; Ray is imported here only to learn the actor's id.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from models.backend import DecodeOptions, ModelOutput, Segment
from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.testhold import hold_for_tests

# Encoded by every actor and by the driver: equal ids mean both tokenise alike (the same
# tokenizer files and library versions), so the driver's token budgets hold on the actors.
PROBE_TEXT = "ทดสอบระบบ Startup Digital Hub ราคา 1,402.35 บาท"


@dataclass(frozen=True)
class ModelIdentity:
    """What the driver needs to know of the actors' model: the backend's identity (manifest,
    cache keys), its token budget and the ids of :data:`PROBE_TEXT`."""

    name: str
    model_id: str
    revision: str
    family: str  # model family name (models.families)
    precision: str
    max_input_tokens: int
    probe: tuple[int, ...]


@dataclass(frozen=True)
class ActorInfo:
    identity: ModelIdentity
    pid: int
    host: str
    device: str
    actor_id: str | None  # Ray's id of the actor (None outside Ray)


class EngineActor:
    """Holds one engine; each :meth:`translate` call is exactly one model call."""

    def __init__(self, spec: ModelSpec) -> None:
        self.engine = Engine(load_backend(spec))
        self._batches = 0  # batches started by this process (the test hook counts them)

    def describe(self) -> ActorInfo:
        backend = self.engine.backend
        identity = ModelIdentity(
            backend.name,
            backend.model_id,
            backend.revision,
            backend.family,
            backend.precision,
            backend.max_input_tokens,
            tuple(backend.encode([PROBE_TEXT])[0]),
        )
        device = str(getattr(backend, "device", "?"))
        return ActorInfo(identity, os.getpid(), platform.node(), device, _ray_actor_id())

    def translate(
        self, number: int, segments: list[Segment], options: DecodeOptions
    ) -> tuple[int, list[ModelOutput]]:
        """The outputs of batch ``number`` (returned with it: the pool collects out of order)."""
        hold_for_tests(TEST_HOLD_ENV, self._batches)
        self._batches += 1
        return number, self.engine.run_batch(segments, options)


def _ray_actor_id() -> str | None:
    import ray

    return ray.get_runtime_context().get_actor_id() if ray.is_initialized() else None


# For the acceptance tests only (tests/integration/batch/test_batch_ray.py), which set it in the
# environment of the Ray runtime they start so that they can kill a process while a batch is
# provably in flight. Unset, as everywhere else, it costs one lookup per batch.
TEST_HOLD_ENV = "THAIMT_TEST_RAY_HOLD"
