"""A pool of engine actors sized to the cluster, fed batches through ``ray.util.ActorPool``.

Each actor reserves ``threads`` CPUs (its intra-op threads) and, with GPUs, a share of one;
by default the pool takes every actor the cluster's resources fit when the run starts. Ray
replaces an actor whose process dies (a kill, the OOM killer, a lost node) up to
:data:`ACTOR_RESTARTS` times and runs its batch again on the replacement; a batch that kills
its actor every time fails its files instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from models.backend import DecodeOptions, ModelOutput, Segment
from models.loading import ModelSpec
from service.distributed.actor import ActorInfo, EngineActor, ModelIdentity
from service.distributed.errors import PoolError

ACTOR_RESTARTS = 3  # per actor, and as many retries of the batch it was running


@dataclass(frozen=True)
class PoolSize:
    actors: int
    cpus_per_actor: int
    gpus_per_actor: float


def size_pool(
    resources: Mapping[str, float], threads: int, gpus_per_actor: float, actors: int | None
) -> PoolSize:
    """How many actors of ``threads`` CPUs (0 = 1) and ``gpus_per_actor`` GPUs the cluster's
    ``resources`` fit; ``actors`` when given, if they fit."""
    cpus = max(threads, 1)
    total_cpus, total_gpus = resources.get("CPU", 0.0), resources.get("GPU", 0.0)
    fit = int(total_cpus / cpus + 1e-9)
    if gpus_per_actor > 0:
        fit = min(fit, int(total_gpus / gpus_per_actor + 1e-9))
    wanted = fit if actors is None else actors
    if wanted < 1 or wanted > fit:
        need = f"{wanted} actor(s)" if actors is not None else "one actor"
        each = f"{cpus} CPU" + (f" + {gpus_per_actor:g} GPU" if gpus_per_actor > 0 else "")
        raise PoolError(
            f"the cluster cannot hold {need} of {each} each: it has {total_cpus:g} CPUs and "
            f"{total_gpus:g} GPUs (fewer --threads, --ray-gpus-per-actor or --ray-actors)"
        )
    return PoolSize(wanted, cpus, gpus_per_actor)


def actor_spec(spec: ModelSpec, size: PoolSize) -> ModelSpec:
    """The model as each actor loads it: its own threads; ``auto`` means CPU without a GPU."""
    device = spec.device
    if size.gpus_per_actor == 0 and device == "auto":
        device = "cpu"  # Ray hides no GPU from an actor that reserved none: never share one
    elif size.gpus_per_actor == 0 and device.startswith("cuda"):
        raise PoolError(f"--device {device} on Ray needs --ray-gpus-per-actor")
    elif size.gpus_per_actor > 0 and device == "cpu":
        raise PoolError("--ray-gpus-per-actor reserves GPUs that --device cpu would not use")
    return replace(spec, device=device, threads=size.cpus_per_actor)


class EnginePool:
    """The actors of one run; :meth:`run` translates batches of segments on them."""

    def __init__(self, ray: ModuleType, spec: ModelSpec, size: PoolSize) -> None:
        self._ray = ray
        self.size = size
        remote: Any = ray.remote(EngineActor).options(
            num_cpus=size.cpus_per_actor,
            num_gpus=size.gpus_per_actor,
            max_restarts=ACTOR_RESTARTS,
            max_task_retries=ACTOR_RESTARTS,
        )
        model = actor_spec(spec, size)
        self._started: list[Any] = [remote.remote(model) for _ in range(size.actors)]
        self.actors: dict[str | None, Any] = {}  # the live ones by Ray's id, once described

    def describe(self) -> list[ActorInfo]:
        """Every actor, once it has loaded the model (a model that cannot load fails here)."""
        handles = self._started
        try:
            infos: list[ActorInfo] = self._ray.get([a.describe.remote() for a in handles])
        except self._ray.exceptions.RayError as exc:
            raise PoolError(f"the Ray actors could not load the model: {reason(exc)}") from exc
        self.actors = {info.actor_id: handle for info, handle in zip(infos, handles, strict=True)}
        return infos

    def run(
        self, batches: Sequence[Sequence[Segment]], options: DecodeOptions
    ) -> list[list[ModelOutput]]:
        """The outputs of each batch, in order; the actors take batches as they become free."""
        from ray.util import ActorPool

        if not self.actors:
            raise PoolError(f"every Ray actor has died (each was replaced {ACTOR_RESTARTS} times)")
        pool = ActorPool(list(self.actors.values()))  # fresh: nothing of a failed call lingers
        numbered = [(number, list(batch)) for number, batch in enumerate(batches)]
        outputs: dict[int, list[ModelOutput]] = {}
        try:
            for number, done in pool.map_unordered(
                lambda actor, item: actor.translate.remote(item[0], item[1], options), numbered
            ):
                outputs[number] = done
        except self._ray.exceptions.RayError as exc:
            if isinstance(exc, self._ray.exceptions.ActorDiedError):
                self.actors.pop(exc.actor_id, None)  # out of restarts: go on without it
            raise PoolError(f"a batch failed on the Ray actors: {reason(exc)}") from exc
        return [outputs[number] for number in range(len(numbered))]


def common_identity(infos: Sequence[ActorInfo]) -> ModelIdentity:
    """The one model every actor runs (cache keys and the manifest need one identity)."""
    identities = {info.identity for info in infos}
    if len(identities) != 1:
        seen = "; ".join(f"{i.model_id}@{i.revision} {i.name}:{i.precision}" for i in identities)
        raise PoolError(f"the Ray actors do not all run the same model ({seen})")
    return identities.pop()


def reason(exc: BaseException) -> str:
    """One line for a Ray error: the actor's own exception when there is one."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
