"""``--ray``: the batch runner's documents translated with the model on a pool of Ray actors.

This process (Ray's driver) keeps everything but the model: it prepares each chunk's documents,
de-duplicates their segments across files and with the run's memory, consults the cache, and
cuts what is left into the engine's length-sorted, token-budgeted batches; the actors translate
those batches in parallel and the driver stores and assembles the results. The driver loads
the tokenizer, not the weights. Outputs equal a local run's byte for byte: the same batches of
the same segments reach the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.batching.offline import run_in_batches
from service.files.translator import LocalTranslator

if TYPE_CHECKING:
    from models.backend import DecodeOptions, ModelOutput, Segment
    from service.distributed.pool import EnginePool
    from service.distributed.runtime import RayRuntime
    from service.engine import Engine
    from service.pipeline import TranslateOptions
    from service.settings import Settings


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # None: a private local runtime (or RAY_ADDRESS)
    actors: int | None = None  # None: as many as the cluster fits
    gpus_per_actor: float = 0.0


class RayTranslator(LocalTranslator):
    """The local translator's workflow, cache and run memory, with the model on the actors."""

    def __init__(
        self,
        engine: Engine,
        pool: EnginePool,
        runtime: RayRuntime,
        options: TranslateOptions,
        memory_limit: int = 500_000,
    ) -> None:
        super().__init__(engine, options, memory_limit)
        self.pool = pool
        self.runtime = runtime

    def _model(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """The engine's batches of ``segments``, translated on the actors."""

        def on_actors(batches: list[list[Segment]]) -> list[list[ModelOutput]]:
            done = self.pool.run(batches, options)
            self.stats.model_calls += len(batches)
            return done

        outputs = run_in_batches(segments, self.engine.limits, on_actors)
        self.stats.model_segments += len(segments)
        return outputs

    def close(self) -> None:
        """Leave Ray: the run's actors end with it (a private runtime is shut down)."""
        self.runtime.close()


def open_ray_translator(
    settings: Settings,
    options: TranslateOptions,
    ray_options: RayOptions,
    say: Callable[[str], None] = lambda _: None,
) -> RayTranslator:
    """Start or join Ray, start the actors and wait until each has loaded the model, and build
    the driver's engine (tokenizer, cache, batch limits) around their model's identity."""
    from service.distributed.driver_backend import DriverBackend
    from service.distributed.pool import EnginePool, common_identity, size_pool
    from service.distributed.runtime import start_runtime
    from service.engine import load_engine

    runtime = start_runtime(ray_options.address)
    try:
        resources = runtime.ray.cluster_resources()
        size = size_pool(
            resources, settings.threads, ray_options.gpus_per_actor, ray_options.actors
        )
        pool = EnginePool(runtime.ray, settings.model_spec(), size)
        infos = pool.describe()
        backend = DriverBackend(common_identity(infos), settings.model_spec())
        engine = load_engine(settings, backend=backend)
    except BaseException:
        runtime.close()
        raise
    where = ", ".join(f"pid {i.pid} on {i.host} ({i.device})" for i in infos)
    say(f"ray: {size.actors} actor(s) on {runtime.description}: {where}")
    return RayTranslator(engine, pool, runtime, options)
