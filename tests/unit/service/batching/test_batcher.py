"""The dynamic batcher on a real engine (tiny random-weight model, real tokenizer).

Outputs are forced to a few tokens so model calls are cheap; batch composition is observed
through the engine's own counters and a recording subclass that still runs the real model.
The batch policy's timing rules are tested on their own, with a fake clock, in
tests/unit/service/batching/test_policy.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from models.backend import DecodeOptions, ModelOutput, Segment, encode_segments
from service.batching import (
    Batcher,
    BatcherConfig,
    BatcherStopped,
    BatchReport,
    ModelOutputError,
    Overloaded,
)
from service.engine import Engine

GREEDY = DecodeOptions(beam_size=1, forced_output_tokens=4)
BEAM2 = DecodeOptions(beam_size=2, forced_output_tokens=4)
SENTENCES = [
    "สวัสดีครับ",
    "วันนี้อากาศดีมาก",
    "ผมชอบกินข้าวผัด",
    "แมวนอนอยู่บนโต๊ะ",
    "รถไฟฟ้ามาถึงสถานีแล้ว",
    "เขาอ่านหนังสือทุกวัน",
    "ตลาดเปิดตอนเช้า",
    "ฝนตกหนักเมื่อคืนนี้",
    "น้ำในแม่น้ำเจ้าพระยาสูงขึ้น",
    "นักเรียนไปโรงเรียน",
]


class RecordingEngine(Engine):
    """The real engine, remembering what each model call carried."""

    def __init__(self, *args, fail_on: str | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[list[str], DecodeOptions]] = []
        self.fail_on = fail_on
        self.lose_last_output = False  # a broken engine: one output fewer than inputs

    def run_batch(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        texts = [s.text for s in segments]
        self.calls.append((texts, options))
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model failed on this segment")
        outputs = super().run_batch(segments, options)
        return outputs[:-1] if self.lose_last_output else outputs

    def text(self, text: str, options: DecodeOptions) -> str:
        """One segment's translation, straight from the model."""
        return self.run_batch(encode_segments(self.backend, [text]), options)[0].text


class Reports:
    def __init__(self) -> None:
        self.batches: list[BatchReport] = []
        self.dropped = 0

    def batch_finished(self, report: BatchReport) -> None:
        self.batches.append(report)

    def segments_dropped(self, count: int) -> None:
        self.dropped += count


@pytest.fixture()
def engine(tiny_backend) -> RecordingEngine:  # type: ignore[no-untyped-def]
    return RecordingEngine(tiny_backend)


def _segments(engine: Engine, texts: Sequence[str]) -> list[Segment]:
    return encode_segments(engine.backend, texts)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def translated(
    batcher: Batcher, engine: Engine, texts: Sequence[str], options: DecodeOptions
) -> list[str]:
    """Texts through the batcher (as the workflow sends them: segments with their ids)."""
    return [o.text for o in await batcher.translate(_segments(engine, texts), options)]


def queued(batcher: Batcher, engine: Engine, texts: Sequence[str], options: DecodeOptions):  # type: ignore[no-untyped-def]
    return batcher.submit(_segments(engine, texts), options)


def test_concurrent_requests_share_model_calls_without_cross_talk(engine: RecordingEngine) -> None:
    expected = {t: engine.text(t, GREEDY) for t in SENTENCES}
    engine.calls.clear()

    async def scenario() -> list[str]:
        batcher = Batcher(engine, BatcherConfig(max_batch_size=32, max_wait_ms=200))
        batcher.start()
        groups = [SENTENCES[i : i + 2] for i in range(0, len(SENTENCES), 2)]
        results = await asyncio.gather(*(translated(batcher, engine, g, GREEDY) for g in groups))
        await batcher.stop()
        return [r for group in results for r in group]

    outputs = run(scenario())
    assert outputs == [expected[t] for t in SENTENCES]
    assert len(engine.calls) < len(SENTENCES)  # requests shared calls
    assert max(len(texts) for texts, _ in engine.calls) > 2  # more than one request's worth


def test_unbatched_config_sends_exactly_one_segment_per_call(engine: RecordingEngine) -> None:
    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig.unbatched())
        batcher.start()
        await asyncio.gather(
            *(translated(batcher, engine, SENTENCES[i : i + 3], GREEDY) for i in (0, 3, 6))
        )
        await batcher.stop()

    run(scenario())
    assert [len(texts) for texts, _ in engine.calls] == [1] * 9
    assert engine.stats.segments == 9


def test_batches_respect_size_and_token_limits_and_are_length_sorted(
    engine: RecordingEngine,
) -> None:
    lengths = {s.text: s.tokens for s in _segments(engine, SENTENCES)}
    token_cap = max(lengths.values()) * 3  # at most three of the longest fit

    async def scenario() -> None:
        config = BatcherConfig(max_batch_size=4, max_batch_tokens=token_cap, max_wait_ms=0)
        batcher = Batcher(engine, config)
        futures = queued(batcher, engine, SENTENCES, GREEDY)  # queued before the worker runs
        batcher.start()
        await asyncio.gather(*futures)
        await batcher.stop()

    run(scenario())
    sizes = [len(texts) for texts, _ in engine.calls]
    assert sum(sizes) == len(SENTENCES)
    assert max(sizes) <= 4
    for texts, _ in engine.calls:
        tokens = [lengths[t] for t in texts]
        assert tokens == sorted(tokens)
        assert len(texts) == 1 or max(tokens) * len(texts) <= token_cap


def test_different_decode_options_never_share_a_call(engine: RecordingEngine) -> None:
    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig(max_batch_size=32, max_wait_ms=0))
        first = queued(batcher, engine, SENTENCES[:4], GREEDY)
        second = queued(batcher, engine, SENTENCES[4:8], BEAM2)
        third = queued(batcher, engine, SENTENCES[8:], GREEDY)
        batcher.start()
        await asyncio.gather(*first, *second, *third)
        await batcher.stop()

    run(scenario())
    for texts, options in engine.calls:
        assert all((t in SENTENCES[4:8]) == (options == BEAM2) for t in texts)
    assert {options for _, options in engine.calls} == {GREEDY, BEAM2}
    assert len(engine.calls) == 2  # both greedy requests still went together


def test_cancelled_segments_never_reach_the_model(engine: RecordingEngine) -> None:
    reports = Reports()

    async def scenario() -> ModelOutput:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0), reports)
        gone = queued(batcher, engine, SENTENCES[:3], GREEDY)
        kept = queued(batcher, engine, SENTENCES[3:4], GREEDY)
        for future in gone:
            future.cancel()  # the client disconnected
        await asyncio.sleep(0)  # done-callbacks run on the next loop turn
        assert batcher.queue_depth == 1
        batcher.start()
        result = await kept[0]
        await batcher.stop()
        return result

    assert run(scenario())
    assert [texts for texts, _ in engine.calls] == [[SENTENCES[3]]]
    assert reports.dropped == 3
    assert [r.size for r in reports.batches] == [1]


def test_cancelling_translate_drops_its_queued_segments(engine: RecordingEngine) -> None:
    async def scenario() -> Batcher:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0))
        task = asyncio.ensure_future(translated(batcher, engine, SENTENCES, GREEDY))
        while batcher.queue_depth == 0:
            await asyncio.sleep(0)  # until the segments are queued (worker not started)
        task.cancel()
        await asyncio.wait({task})
        batcher.start()
        await batcher.stop()
        return batcher

    batcher = run(scenario())
    assert batcher.stats.dropped == len(SENTENCES)
    assert engine.calls == []


def test_queue_is_bounded(engine: RecordingEngine) -> None:
    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig(queue_size=4))
        # An empty queue admits a request larger than the queue: slow, not impossible.
        big = queued(batcher, engine, SENTENCES[:6], GREEDY)
        assert batcher.queue_depth >= batcher.capacity == 4
        with pytest.raises(Overloaded):
            queued(batcher, engine, SENTENCES[6:7], GREEDY)
        with pytest.raises(Overloaded), batcher.admitted(SENTENCES[6:7], GREEDY):
            pass  # refused on arrival, before any work, from its size alone
        batcher.start()
        await asyncio.gather(*big)
        assert batcher.queue_depth == 0
        await translated(batcher, engine, SENTENCES[6:8], GREEDY)
        await batcher.stop()

    run(scenario())


def test_an_article_is_admitted_whole_while_the_queue_is_below_its_bound(
    engine: RecordingEngine,
) -> None:
    """Admission is per request: with 3 of 4 places taken, a 6-segment article still gets in
    (refusing it for want of 6 free places — while one-sentence requests keep fitting — is
    how articles starved under load); and in the next batch it has its turn beside the
    requests queued before it."""

    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig(queue_size=4, max_batch_size=4, max_wait_ms=0))
        short = [queued(batcher, engine, [t], GREEDY) for t in SENTENCES[:3]]
        article = queued(batcher, engine, SENTENCES[3:9], GREEDY)  # 3 + 6 > 4: still admitted
        assert batcher.queue_depth == 9
        with pytest.raises(Overloaded):  # now the queue is at its bound: refused
            queued(batcher, engine, SENTENCES[9:10], GREEDY)
        batcher.start()
        await asyncio.gather(*(f for group in short for f in group), *article)
        await batcher.stop()

    run(scenario())
    first_batch = engine.calls[0][0]
    assert set(SENTENCES[:3]) < set(first_batch) and SENTENCES[3] in first_batch


def test_an_admitted_article_keeps_its_place_while_it_is_prepared(
    engine: RecordingEngine,
) -> None:
    """Admission is decided on arrival: while an admitted article is still being prepared
    (sentence splitting takes longer for it), short requests that arrive after it fill the
    queue to its bound and are then refused — but the article's segments, when they come, are
    queued. (Checked again at that point, the article would lose its place to them.)"""

    async def scenario() -> tuple[list[ModelOutput], int, int]:
        batcher = Batcher(engine, BatcherConfig(queue_size=3, max_wait_ms=0))
        article = SENTENCES[:6]
        shorts: list[asyncio.Future[ModelOutput]] = []
        refused = 0
        with batcher.admitted(article, GREEDY) as ticket:
            reserved = batcher.queue.occupied
            for text in SENTENCES[6:]:  # requests that arrive while the article is prepared
                try:
                    with batcher.admitted([text], GREEDY) as other:
                        shorts += batcher.submit(_segments(engine, [text]), GREEDY, other)
                except Overloaded:
                    refused += 1
            assert batcher.queue.occupied >= batcher.capacity  # the queue is at its bound
            futures = batcher.submit(_segments(engine, article), GREEDY, ticket)
        batcher.start()
        done = await asyncio.gather(*futures)
        await asyncio.gather(*shorts)
        await batcher.stop()
        return list(done), reserved, refused

    done, reserved, refused = run(scenario())
    assert reserved >= 1 and refused >= 1  # its place was held; later arrivals were refused
    assert len(done) == 6 and all(o.text for o in done)


def test_stop_finishes_queued_work_then_refuses_new_work(engine: RecordingEngine) -> None:
    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=10_000))  # would wait for a batch
        batcher.start()
        futures = queued(batcher, engine, SENTENCES[:3], GREEDY)
        await batcher.stop()
        assert all(f.done() and f.result().text for f in futures)
        with pytest.raises(BatcherStopped):
            queued(batcher, engine, SENTENCES[:1], GREEDY)

    run(scenario())


def test_a_failing_segment_fails_only_its_own_request(tiny_backend) -> None:  # type: ignore[no-untyped-def]
    engine = RecordingEngine(tiny_backend, fail_on=SENTENCES[0])

    async def scenario() -> tuple[BaseException | list[str], BaseException | list[str]]:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0))
        bad = asyncio.ensure_future(translated(batcher, engine, SENTENCES[:1], GREEDY))
        good = asyncio.ensure_future(translated(batcher, engine, SENTENCES[1:3], GREEDY))
        while batcher.queue_depth < 3:
            await asyncio.sleep(0)
        batcher.start()
        results = await asyncio.gather(bad, good, return_exceptions=True)
        await batcher.stop()
        return results[0], results[1]

    bad, good = run(scenario())
    assert isinstance(bad, RuntimeError)
    assert isinstance(good, list) and len(good) == 2
    assert len(engine.calls[0][0]) == 3  # they were batched, then retried one by one


def test_reports_describe_each_model_call(engine: RecordingEngine) -> None:
    reports = Reports()

    async def scenario() -> None:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0), reports)
        futures = queued(batcher, engine, SENTENCES[:5], GREEDY)
        batcher.start()
        outputs.extend(await asyncio.gather(*futures))
        await batcher.stop()

    outputs: list[ModelOutput] = []
    run(scenario())
    (report,) = reports.batches
    assert report.size == 5
    assert report.source_tokens == sum(s.tokens for s in _segments(engine, SENTENCES[:5]))
    assert report.output_tokens == sum(o.tokens for o in outputs) == 5 * 4  # forced: 4 each
    assert len(report.segment_latencies) == 5


class FailingListener(Reports):
    """A metrics listener with a bug: it raises on every report."""

    def batch_finished(self, report: BatchReport) -> None:
        super().batch_finished(report)
        raise RuntimeError("listener bug")


def test_an_over_budget_segment_fails_its_request_and_the_next_one_is_served(
    engine: RecordingEngine,
) -> None:
    too_long = "แมว" * (engine.backend.max_input_tokens + 10)  # the backend itself refuses it

    async def scenario() -> tuple[BaseException | list[str], list[str]]:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0))
        batcher.start()
        failed = await asyncio.gather(
            translated(batcher, engine, [too_long], GREEDY), return_exceptions=True
        )
        served = await asyncio.wait_for(translated(batcher, engine, SENTENCES[:2], GREEDY), 60)
        await batcher.stop()
        return failed[0], served

    failed, served = run(scenario())
    assert isinstance(failed, ValueError) and "token budget" in str(failed)
    assert len(served) == 2 and all(served)


def test_a_wrong_number_of_outputs_fails_the_batch_not_the_worker(
    engine: RecordingEngine,
) -> None:
    async def scenario() -> tuple[list[BaseException | list[str]], list[str]]:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0))
        engine.lose_last_output = True
        broken = [
            asyncio.ensure_future(translated(batcher, engine, SENTENCES[i : i + 1], GREEDY))
            for i in range(3)
        ]
        while batcher.queue_depth < 3:
            await asyncio.sleep(0)  # all three queued before the worker starts: one batch
        batcher.start()
        failed = await asyncio.wait_for(asyncio.gather(*broken, return_exceptions=True), 60)
        engine.lose_last_output = False
        served = await asyncio.wait_for(translated(batcher, engine, SENTENCES[3:5], GREEDY), 60)
        await batcher.stop()
        return list(failed), served

    failed, served = run(scenario())
    assert all(isinstance(f, ModelOutputError) for f in failed), failed
    assert len(engine.calls[0][0]) == 3  # the batch, then each segment alone: all short
    assert len(served) == 2 and all(served)


def test_a_failing_listener_does_not_stop_the_worker(engine: RecordingEngine) -> None:
    listener = FailingListener()

    async def scenario() -> list[list[str]]:
        batcher = Batcher(engine, BatcherConfig(max_wait_ms=0), listener)
        batcher.start()
        results = [
            await asyncio.wait_for(translated(batcher, engine, [t], GREEDY), 60)
            for t in SENTENCES[:3]
        ]
        await batcher.stop()
        return results

    results = run(scenario())
    assert [len(r) for r in results] == [1, 1, 1] and all(r[0] for r in results)
    assert len(listener.batches) == 3  # every call was reported (and the listener raised)


def test_background_segments_wait_behind_interactive_ones_and_skip_admission(
    engine: RecordingEngine,
) -> None:
    """A document job's chunk is queued whatever the queue bound (its job bounds it), does not
    count against interactive admission, and fills only what interactive segments leave."""
    job_texts, asked = SENTENCES[:8], SENTENCES[8:]

    async def scenario() -> None:
        config = BatcherConfig(max_batch_size=4, max_wait_ms=0, queue_size=4)
        batcher = Batcher(engine, config)
        background = batcher.submit(
            encode_segments(engine.backend, job_texts), GREEDY, background=True
        )
        interactive = queued(batcher, engine, asked, GREEDY)  # not refused: 8 > 4 are jobs'
        batcher.start()
        await asyncio.gather(*background, *interactive)
        await batcher.stop()
        assert batcher.stats.background == len(job_texts)

    run(scenario())
    first = engine.calls[0][0]
    assert set(asked) <= set(first) and len(first) == 4  # interactive first, then 2 of the job
    assert sorted(t for texts, _ in engine.calls for t in texts) == sorted(SENTENCES)
