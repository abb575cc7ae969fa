"""The driver's tokenizer-only backend against the real backend an actor loads (no Ray: the
actor class runs in this process)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.backend import DecodeOptions, encode_segments
from models.loading import ModelSpec
from service.cache.keys import segment_key
from service.distributed.actor import EngineActor
from service.distributed.driver_backend import DriverBackend
from service.distributed.errors import PoolError

TEXTS = ["นายสมคิดกล่าวว่า", "Startup Digital Hub ราคา 1,402.35 บาท", ""]


@pytest.fixture(scope="module")
def actor(tiny_model_dir):  # type: ignore[no-untyped-def]
    return EngineActor(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=1))


def test_the_driver_tokenises_and_keys_the_cache_as_the_actors_backend(actor, tiny_model_dir):
    info = actor.describe()
    driver = DriverBackend(info.identity, ModelSpec(model=str(tiny_model_dir)))
    backend = actor.engine.backend
    assert driver.encode(TEXTS) == backend.encode(TEXTS)
    assert driver.max_input_tokens == backend.max_input_tokens
    options = DecodeOptions()
    assert segment_key(driver, options, TEXTS[0]) == segment_key(backend, options, TEXTS[0])
    assert info.actor_id is None and info.device == "cpu"  # outside Ray
    with pytest.raises(RuntimeError, match="run on the Ray actors"):
        driver.translate_batch([[5, 0]], options)


def test_a_tokenizer_that_differs_from_the_actors_is_refused(actor, tiny_model_dir):
    identity = actor.describe().identity
    other = replace(identity, probe=(*identity.probe, 7))
    with pytest.raises(PoolError, match="encodes text differently"):
        DriverBackend(other, ModelSpec(model=str(tiny_model_dir)))


def test_an_actor_batch_is_one_model_call_returned_with_its_number(actor, tiny_engine):
    segments = encode_segments(tiny_engine.backend, TEXTS[:2])
    number, outputs = actor.translate(7, segments, DecodeOptions())
    assert number == 7
    assert outputs == tiny_engine.run_batch(segments, DecodeOptions())
