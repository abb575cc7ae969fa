"""Sizing the actor pool to a cluster, the model each actor loads, one identity, error lines."""

from __future__ import annotations

import pytest

from models.loading import ModelSpec
from service.distributed.actor import ActorInfo, ModelIdentity
from service.distributed.errors import PoolError
from service.distributed.pool import PoolSize, actor_spec, common_identity, reason, size_pool


@pytest.mark.parametrize(
    ("resources", "threads", "gpus", "actors", "expected"),
    [
        ({"CPU": 2.0}, 0, 0.0, None, PoolSize(2, 1, 0.0)),  # 0 threads = 1 CPU per actor
        ({"CPU": 2.0}, 1, 0.0, None, PoolSize(2, 1, 0.0)),
        ({"CPU": 16.0}, 4, 0.0, None, PoolSize(4, 4, 0.0)),
        ({"CPU": 17.0}, 4, 0.0, None, PoolSize(4, 4, 0.0)),  # what is left over stays free
        ({"CPU": 16.0}, 4, 0.0, 2, PoolSize(2, 4, 0.0)),
        ({"CPU": 16.0, "GPU": 2.0}, 1, 1.0, None, PoolSize(2, 1, 1.0)),  # GPUs bound it
        ({"CPU": 16.0, "GPU": 1.0}, 1, 0.5, None, PoolSize(2, 1, 0.5)),
        ({"CPU": 16.0, "GPU": 1.0}, 1, 1 / 3, None, PoolSize(3, 1, 1 / 3)),
        ({"CPU": 2.0, "GPU": 4.0}, 1, 1.0, None, PoolSize(2, 1, 1.0)),  # ... or the CPUs
    ],
)
def test_pool_takes_what_the_cluster_fits(resources, threads, gpus, actors, expected):
    assert size_pool(resources, threads, gpus, actors) == expected


@pytest.mark.parametrize(
    ("resources", "threads", "gpus", "actors", "message"),
    [
        ({"CPU": 2.0}, 1, 0.0, 3, "cannot hold 3 actor(s) of 1 CPU each: it has 2 CPUs"),
        ({"CPU": 16.0}, 1, 1.0, None, "one actor of 1 CPU + 1 GPU each: it has 16 CPUs and 0 GPUs"),
        ({"CPU": 1.0}, 2, 0.0, None, "one actor of 2 CPU each: it has 1 CPUs"),
        ({}, 1, 0.0, None, "it has 0 CPUs"),
    ],
)
def test_a_pool_the_cluster_cannot_hold_is_refused(resources, threads, gpus, actors, message):
    with pytest.raises(PoolError, match="cannot hold") as info:
        size_pool(resources, threads, gpus, actors)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("device", "gpus", "expected"),
    [("auto", 0.0, "cpu"), ("cpu", 0.0, "cpu"), ("auto", 1.0, "auto"), ("cuda:0", 0.5, "cuda:0")],
)
def test_each_actor_loads_the_model_on_its_own_device_and_threads(device, gpus, expected):
    spec = ModelSpec(model="m", device=device, threads=0)
    loaded = actor_spec(spec, PoolSize(2, 3, gpus))
    assert (loaded.device, loaded.threads, loaded.model) == (expected, 3, "m")


@pytest.mark.parametrize(
    ("device", "gpus", "message"),
    [("cuda", 0.0, "needs --ray-gpus-per-actor"), ("cpu", 1.0, "would not use")],
)
def test_devices_that_contradict_the_reservation_are_refused(device, gpus, message):
    with pytest.raises(PoolError, match=message):
        actor_spec(ModelSpec(device=device), PoolSize(1, 1, gpus))


def _info(precision: str, pid: int) -> ActorInfo:
    identity = ModelIdentity("torch", "m", "rev", "marian", precision, 512, (1, 2, 0))
    return ActorInfo(identity, pid, "host", "cpu", f"actor{pid}")


def test_the_actors_must_all_run_one_model():
    assert common_identity([_info("float32", 1), _info("float32", 2)]).precision == "float32"
    with pytest.raises(PoolError, match="do not all run the same model"):
        common_identity([_info("float32", 1), _info("float16", 2)])


class _Wrapped(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__("long\ntraceback")
        self.cause = cause


def test_a_ray_error_is_one_line_naming_the_actors_own_exception():
    assert reason(_Wrapped(ValueError("too long\nmore"))) == "ValueError: too long"
    assert reason(RuntimeError("The actor died.\n\tpid: 12")) == "The actor died."
    assert reason(RuntimeError("")) == "RuntimeError"
