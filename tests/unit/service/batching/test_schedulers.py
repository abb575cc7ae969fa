"""Which batcher runs on which backend (service/batching/factory.py), and CTranslate2 lanes:
one batch per replica, several in flight, on a real two-replica CTranslate2 model."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from models.backend import DecodeOptions, ModelOutput, Segment, encode_segments
from models.convert import convert_model
from models.ct2_backend import Ct2Backend, ThreadLayout
from service.batching import Batcher, BatcherConfig
from service.batching.continuous import ContinuousBatcher
from service.batching.factory import SchedulerError, make_batcher, scheduler_for
from service.engine import Engine
from service.settings import Settings
from tests.standins import StandInBackend

GREEDY = DecodeOptions(forced_output_tokens=4)
SENTENCES = ["สวัสดีครับ", "วันนี้อากาศดีมาก", "ผมชอบกินข้าวผัด", "แมวนอนอยู่บนโต๊ะ"]


def segments(engine: Engine, texts: list[str]) -> list[Segment]:
    return encode_segments(engine.backend, texts)


@pytest.fixture(scope="module")
def two_replicas(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Ct2Backend:
    """The tiny model on CTranslate2, two one-thread replicas (converted once per session:
    pytest's base temp dir is shared by every test file)."""
    out = tmp_path_factory.getbasetemp() / f"ct2-{tiny_model_dir.name}-float32"
    if not (out / "model.bin").is_file():
        convert_model(str(tiny_model_dir), out, quantization="float32", force=True)
    return Ct2Backend(out, layout=ThreadLayout(intra=1, inter=2))


def test_auto_is_continuous_on_torch_lanes_on_ct2_replicas_else_static(
    tiny_backend, two_replicas: Ct2Backend
) -> None:  # type: ignore[no-untyped-def]
    assert scheduler_for("auto", tiny_backend) == "continuous"
    assert scheduler_for("auto", two_replicas) == "lanes"
    assert scheduler_for("auto", StandInBackend()) == "static"
    assert scheduler_for("continuous", tiny_backend, batching=False) == "static"
    assert scheduler_for("static", tiny_backend) == "static"


def test_schedulers_a_backend_cannot_run_are_refused_with_the_fix(
    tiny_backend, two_replicas: Ct2Backend
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchedulerError, match="--backend torch"):
        scheduler_for("continuous", two_replicas)
    with pytest.raises(SchedulerError, match="THAIMT_INTER_THREADS"):
        scheduler_for("lanes", tiny_backend)
    with pytest.raises(SchedulerError, match="unknown scheduler"):
        scheduler_for("fastest", tiny_backend)


def test_make_batcher_builds_what_the_scheduler_names(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(cache=False)
    batcher, scheduler = make_batcher(Engine(tiny_backend), settings)
    assert (type(batcher), scheduler) == (ContinuousBatcher, "continuous")
    static = settings.model_copy(update={"scheduler": "static"})
    batcher, scheduler = make_batcher(Engine(tiny_backend), static)
    assert (type(batcher), scheduler) == (Batcher, "static")


class Overlap(Engine):
    """The real engine, counting the model calls in flight at once; while ``hold`` is set, a
    call waits until ``release`` after it started."""

    def __init__(self, backend: Ct2Backend) -> None:
        super().__init__(backend)
        self.in_flight = 0
        self.most = 0
        self.sizes: list[int] = []
        self.count = threading.Lock()
        self.two_in = threading.Event()
        self.release = threading.Event()

    def run_batch(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        with self.count:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.sizes.append(len(segments))
            if self.in_flight == 2:
                self.two_in.set()
        try:
            self.release.wait(60)
            return super().run_batch(segments, options)
        finally:
            with self.count:
                self.in_flight -= 1


def test_lanes_keep_a_batch_per_replica_in_flight(two_replicas: Ct2Backend) -> None:
    engine = Overlap(two_replicas)
    settings = Settings(cache=False, max_batch_size=2, max_wait_ms=0)
    expected = {
        t: two_replicas.translate_batch(engine.backend.encode([t]), GREEDY)[0] for t in SENTENCES
    }

    async def scenario() -> list[ModelOutput]:
        batcher, scheduler = make_batcher(engine, settings)
        assert scheduler == "lanes" and batcher.config.lanes == 2
        assert two_replicas.split_batches is False  # each batch on one replica, whole
        batcher.start()
        first = batcher.submit(segments(engine, SENTENCES[:2]), GREEDY)
        await asyncio.sleep(0)
        second = batcher.submit(segments(engine, SENTENCES[2:]), GREEDY)
        # Both batches reach the model while the first is still held: the second did not wait
        # for it.
        assert await asyncio.to_thread(engine.two_in.wait, 60)
        engine.release.set()
        outputs = list(await asyncio.gather(*first, *second))
        await batcher.stop()
        return outputs

    try:
        outputs = asyncio.run(scenario())
    finally:
        two_replicas.split_batches = True
    assert engine.most == 2 and engine.sizes == [2, 2]
    # Greedy text does not depend on batch-mates; the score only up to float rounding.
    assert [o.text for o in outputs] == [expected[t].text for t in SENTENCES]
    for output, text in zip(outputs, SENTENCES, strict=True):
        assert output.score == pytest.approx(expected[text].score, abs=1e-4)


def test_one_lane_is_the_static_batcher(two_replicas: Ct2Backend) -> None:
    assert BatcherConfig().lanes == 1
    settings = Settings(cache=False, scheduler="static")
    batcher, scheduler = make_batcher(Engine(two_replicas), settings)
    assert scheduler == "static" and batcher.config.lanes == 1
    assert two_replicas.split_batches is True  # one batch shared out between the replicas
