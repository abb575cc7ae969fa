"""The continuous loop on a real engine and a real step decoder (tiny model). Which segments join
when is the step policy's, tested with a table in test_step_policy.py; here: outputs, cancelling,
beams beside greedy rows, failures, draining."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Hashable, Sequence

import pytest

from models.backend import DecodeOptions, Segment, encode_segments
from models.continuous import JoiningRow, StepResult, continuous_decoder
from service.batching import BatcherConfig, BatcherStopped
from service.batching.continuous import ContinuousBatcher
from service.engine import Engine

GREEDY = DecodeOptions(max_output_tokens=16)
LONG = DecodeOptions(forced_output_tokens=40)
BEAM2 = DecodeOptions(beam_size=2, forced_output_tokens=4)
SENTENCES = [
    "สวัสดีครับ",
    "วันนี้อากาศดีมาก",
    "ผมชอบกินข้าวผัด",
    "แมวนอนอยู่บนโต๊ะ",
    "รถไฟฟ้ามาถึงสถานีแล้ว",
    "เขาอ่านหนังสือทุกวัน",
]


class Gated:
    """The real step decoder, recording each step; while ``hold`` is set, a step waits (after
    computing, before returning) until ``release`` is set."""

    def __init__(self, inner, fail_steps: Collection[int] = ()) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.steps: list[tuple[int, int]] = []  # (joining, leaving) per step
        self.fail_steps = set(fail_steps)
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()
        self.stepped = threading.Event()

    @property
    def running(self) -> int:
        return int(self.inner.running)

    def clear(self) -> list[Hashable]:
        return list(self.inner.clear())

    def step(
        self, joining: Sequence[JoiningRow] = (), leaving: Collection[Hashable] = ()
    ) -> StepResult:
        number = len(self.steps)
        self.steps.append((len(joining), len(leaving)))
        if number in self.fail_steps:
            raise RuntimeError("this step broke")
        result = self.inner.step(joining, leaving)
        if self.hold:
            self.entered.set()
            self.release.wait(30)
        self.stepped.set()
        return result  # type: ignore[no-any-return]


def segments(engine: Engine, texts: list[str]) -> list[Segment]:
    return encode_segments(engine.backend, texts)


@pytest.fixture()
def engine(tiny_backend) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(tiny_backend)


def batcher_for(engine: Engine, decoder: object | None = None) -> ContinuousBatcher:
    decoder = decoder or continuous_decoder(engine.backend)
    assert decoder is not None
    return ContinuousBatcher(engine, decoder, BatcherConfig(max_batch_size=4))  # type: ignore[arg-type]


def test_concurrent_requests_get_what_the_model_gives_each_alone(engine: Engine) -> None:
    expected = {t: engine.run_batch(segments(engine, [t]), GREEDY)[0] for t in SENTENCES}

    async def scenario() -> list[list[str]]:
        batcher = batcher_for(engine)
        batcher.start()
        requests = [SENTENCES[k : k + 3] for k in range(0, len(SENTENCES), 2)]
        done = await asyncio.gather(
            *(batcher.translate(segments(engine, r), GREEDY) for r in requests)
        )
        await batcher.stop()
        assert batcher.stats.segments == sum(len(r) for r in requests)
        assert batcher.steps < sum(o.tokens for outs in done for o in outs)  # rows shared steps
        return [[o.text for o in outs] for outs in done]

    texts = asyncio.run(scenario())
    requests = [SENTENCES[k : k + 3] for k in range(0, len(SENTENCES), 2)]
    assert texts == [[expected[t].text for t in r] for r in requests]


def test_cancelling_a_request_frees_its_rows_at_the_next_step(engine: Engine) -> None:
    inner = continuous_decoder(engine.backend)
    gated = Gated(inner)
    gated.hold = True

    async def scenario() -> None:
        batcher = batcher_for(engine, gated)
        batcher.start()
        task = asyncio.create_task(batcher.translate(segments(engine, SENTENCES[:2]), LONG))
        await asyncio.to_thread(gated.entered.wait, 30)  # step 0 ran: both rows decoding
        assert gated.running == 2 and len(batcher.running) == 2
        task.cancel()
        gated.hold = False
        gated.stepped.clear()
        gated.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        while len(gated.steps) < 2:
            await asyncio.to_thread(gated.stepped.wait, 30)
            gated.stepped.clear()
        assert gated.steps[:2] == [(2, 0), (0, 2)]  # the very next step dropped both rows
        assert gated.running == 0 and batcher.running == {}
        assert batcher.stats.dropped == 2
        await batcher.stop()
        assert len(gated.steps) == 2  # nothing decoded for the cancelled rows after that

    asyncio.run(scenario())


def test_beam_segments_run_statically_beside_greedy_rows(engine: Engine) -> None:
    greedy = {t: engine.run_batch(segments(engine, [t]), GREEDY)[0].text for t in SENTENCES[:3]}
    beam = {t: engine.run_batch(segments(engine, [t]), BEAM2)[0].text for t in SENTENCES[3:]}

    async def scenario() -> tuple[list[str], list[str]]:
        batcher = batcher_for(engine)
        batcher.start()
        first, second = await asyncio.gather(
            batcher.translate(segments(engine, SENTENCES[:3]), GREEDY),
            batcher.translate(segments(engine, SENTENCES[3:]), BEAM2),
        )
        await batcher.stop()
        return [o.text for o in first], [o.text for o in second]

    first, second = asyncio.run(scenario())
    assert first == [greedy[t] for t in SENTENCES[:3]]
    assert second == [beam[t] for t in SENTENCES[3:]]


def test_a_failing_step_fails_its_rows_and_the_loop_goes_on(engine: Engine) -> None:
    gated = Gated(continuous_decoder(engine.backend), fail_steps={0})

    async def scenario() -> None:
        batcher = batcher_for(engine, gated)
        batcher.start()
        with pytest.raises(RuntimeError, match="this step broke"):
            await batcher.translate(segments(engine, SENTENCES[:2]), GREEDY)
        after = await batcher.translate(segments(engine, SENTENCES[2:3]), GREEDY)
        assert after[0] == engine.run_batch(segments(engine, SENTENCES[2:3]), GREEDY)[0]
        await batcher.stop()

    asyncio.run(scenario())


def test_stop_finishes_running_rows_then_refuses_new_work(engine: Engine) -> None:
    async def scenario() -> None:
        batcher = batcher_for(engine)
        batcher.start()
        futures = batcher.submit(segments(engine, SENTENCES[:3]), GREEDY)
        await batcher.stop()
        assert all(f.done() and not f.cancelled() for f in futures)
        with pytest.raises(BatcherStopped):
            batcher.submit(segments(engine, SENTENCES[:1]), GREEDY)

    asyncio.run(scenario())
