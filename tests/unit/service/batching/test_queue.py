"""The segment queue's bookkeeping on a fake clock: announcements, cancellations, taking."""

from __future__ import annotations

import asyncio

from models.backend import DecodeOptions, Segment
from service.batching.policy import PolicyConfig, decide
from service.batching.queue import SegmentQueue, weighted_tokens

GREEDY = DecodeOptions()
BEAM4 = DecodeOptions(beam_size=4)


def segments(*texts: str) -> list[Segment]:
    return [Segment(t, tuple(range(len(t)))) for t in texts]


def test_cancelled_segments_leave_the_state_and_the_counts() -> None:
    async def scenario() -> None:
        now = [1.0]
        dropped: list[int] = []
        queue = SegmentQueue(clock=lambda: now[0], on_dropped=dropped.append)
        gone = queue.add(segments("aaa", "bb"), GREEDY)
        now[0] = 2.0
        kept = queue.add(segments("c"), BEAM4)
        assert (queue.live, queue.live_tokens) == (3, 3 + 2 + 4 * 1)
        for future in gone:
            future.cancel()
        await asyncio.sleep(0)  # done-callbacks run on the next loop turn
        assert (queue.live, queue.live_tokens, dropped) == (1, 4, [1, 1])
        state = queue.state()
        assert [(p.request, p.tokens, p.enqueued) for p in state.pending] == [(2, 4, 2.0)]
        (item,) = queue.take((0,))
        assert item.future is kept[0] and (queue.live, queue.live_tokens) == (0, 0)

    asyncio.run(scenario())


def test_alternatives_weigh_like_the_beam_they_widen() -> None:
    """n-best alternatives widen the beam to 1 + alternatives, and the cost with it (admission,
    the batch token budget and the speed estimate all count weighted tokens)."""
    (segment,) = segments("abcde")
    assert weighted_tokens(segment, DecodeOptions(alternatives=3)) == 5 * 4
    assert weighted_tokens(segment, DecodeOptions(beam_size=6, alternatives=3)) == 5 * 6
    assert weighted_tokens(segment, DecodeOptions(beam_size=2, alternatives=0)) == 5 * 2

    async def scenario() -> None:
        queue = SegmentQueue(clock=lambda: 1.0)
        queue.add(segments("abc"), DecodeOptions(alternatives=2))
        assert queue.live_tokens == 3 * 3

    asyncio.run(scenario())


def test_an_announcement_holds_until_released_or_withdrawn() -> None:
    async def scenario() -> None:
        wakes: list[int] = []
        queue = SegmentQueue(clock=lambda: 1.0, on_change=lambda: wakes.append(1))
        with queue.announce() as ticket:
            assert queue.preparing == 1
            queue.add(segments("x"), GREEDY)
            ticket.release()  # the request's segments are queued
            assert queue.preparing == 0
        with queue.announce():
            assert queue.preparing == 1  # a request that fails before queueing anything
        assert queue.preparing == 0 and len(wakes) == 3

    asyncio.run(scenario())


def test_the_state_feeds_the_policy() -> None:
    async def scenario() -> None:
        queue = SegmentQueue(clock=lambda: 1.0)
        queue.add(segments("aa", "b"), GREEDY)
        decision = decide(queue.state(), PolicyConfig(8, 100, 0.05, 0.5), now=1.1)
        assert decision.take == (1, 0)  # the shorter first
        assert [i.segment.text for i in queue.take(decision.take)] == ["b", "aa"]

    asyncio.run(scenario())
