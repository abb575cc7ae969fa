"""The batch policy as a table: queue state + clock → decision. No model, no loop, no sleeping.

Times are in seconds on a fake clock; W = max_wait (0.05), H = max_hold (0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.batching.policy import Decision, Pending, PolicyConfig, QueueState, decide

W, H = 0.05, 0.5
CFG = PolicyConfig(max_batch_size=4, max_batch_tokens=400, max_wait_s=W, max_hold_s=H)
GREEDY, BEAM = "greedy", "beam4"


def seg(request: int, at: float, tokens: int = 10, options: str = GREEDY) -> Pending:
    return Pending(request=request, tokens=tokens, options=options, enqueued=at)


def job(request: int, at: float, tokens: int = 10, options: str = GREEDY) -> Pending:
    """A document job's (background) segment."""
    return Pending(request, tokens, options, at, background=True)


@dataclass(frozen=True)
class Row:
    name: str
    pending: tuple[Pending, ...]
    now: float
    expected: Decision
    preparing: int = 0
    last_arrival: float | None = None  # default: the newest segment's arrival
    stopping: bool = False
    config: PolicyConfig = CFG

    def state(self) -> QueueState:
        last = self.last_arrival
        if last is None:
            last = max((p.enqueued for p in self.pending), default=0.0)
        return QueueState(self.pending, self.preparing, last, self.stopping)


def take(*indexes: int) -> Decision:
    return Decision(take=indexes)


def wait(until: float | None) -> Decision:
    return Decision(wake_at=until)


ROWS = [
    Row("empty queue: wait for an arrival", (), now=5.0, expected=wait(None)),
    Row(
        "a lone segment waits max_wait after its arrival",
        (seg(1, 1.0),),
        now=1.01,
        expected=wait(1.0 + W),
    ),
    Row("a lone segment fires once max_wait has passed", (seg(1, 1.0),), 1.0 + W, take(0)),
    Row(
        "a burst keeps the batch open: due max_wait after the newest arrival",
        (seg(1, 1.0), seg(2, 1.04), seg(3, 1.08)),
        now=1.09,
        expected=wait(1.08 + W),
    ),
    Row(
        "... but never later than max_hold after the oldest",
        (seg(1, 1.0), seg(2, 1.46), seg(3, 1.49)),
        now=1.495,
        expected=wait(1.0 + H),
    ),
    Row(
        "an announced request still being prepared holds the batch (until max_hold)",
        (seg(1, 1.0),),
        now=1.2,
        expected=wait(1.0 + H),
        preparing=1,
    ),
    Row(
        "held too long: fires at max_hold even while a request is being prepared",
        (seg(1, 1.0),),
        now=1.0 + H,
        expected=take(0),
        preparing=2,
    ),
    Row(
        "a withdrawn announcement (prepared nothing) no longer holds: max_wait rule again",
        (seg(1, 1.0),),
        now=1.2,
        expected=take(0),
        preparing=0,
        last_arrival=1.0,
    ),
    Row(
        "max_hold 0 is the plain rule: max_wait after the oldest, announcements ignored",
        (seg(1, 1.0), seg(2, 1.04)),
        now=1.0 + W,
        expected=take(0, 1),
        preparing=3,
        config=PolicyConfig(4, 400, W, 0.0),
    ),
    Row(
        "max_hold shorter than max_wait counts as max_wait",
        (seg(1, 1.0),),
        now=1.03,
        expected=wait(1.0 + W),
        preparing=1,
        config=PolicyConfig(4, 400, W, 0.01),
    ),
    Row(
        "full by segment count: fires at once",
        tuple(seg(i, 1.0) for i in range(1, 5)),
        now=1.0,
        expected=take(0, 1, 2, 3),
        preparing=5,
    ),
    Row(
        "full by tokens: fires at once",
        (seg(1, 1.0, tokens=250), seg(2, 1.0, tokens=150)),
        now=1.0,
        expected=take(0),  # both would pad to 2 x 250 = 500 > 400
        preparing=1,
        config=PolicyConfig(8, 400, W, H),
    ),
    Row(
        "stopping: drains at once",
        (seg(1, 1.0),),
        now=1.0,
        expected=take(0),
        preparing=1,
        stopping=True,
    ),
    Row(
        "at most max_batch_size segments, the oldest requests first",
        tuple(seg(i, 1.0 + i / 100) for i in range(1, 7)),
        now=2.0,
        expected=take(0, 1, 2, 3),
    ),
    Row(
        "the oldest segment's decoding options decide; others wait for their own batch",
        (seg(1, 1.0, options=BEAM), seg(2, 1.01), seg(3, 1.02, options=BEAM), seg(4, 1.03)),
        now=2.0,
        expected=take(0, 2),
    ),
    Row(
        "padded tokens: a segment that would overflow is skipped, shorter ones still fit",
        (seg(1, 1.0, 90), seg(2, 1.0, 200), seg(3, 1.0, 95), seg(4, 1.0, 80)),
        now=2.0,
        expected=take(3, 0, 2),
        config=PolicyConfig(8, 300, W, H),
    ),
    Row(
        "a single segment over the token budget still runs (alone), never starves",
        (seg(1, 1.0, 900), seg(2, 1.0, 10)),
        now=2.0,
        expected=take(0),
    ),
    Row(
        "requests take turns: an article's first segment and each short request's",
        (*(seg(1, 1.0) for _ in range(5)), seg(2, 1.01), seg(3, 1.02), seg(4, 1.03)),
        now=2.0,
        expected=take(0, 5, 6, 7),
    ),
    Row(
        "an article gets the slots short requests leave free (in its own order)",
        (*(seg(1, 1.0) for _ in range(5)), seg(2, 1.01)),
        now=2.0,
        expected=take(0, 1, 2, 5),
    ),
    Row(
        "an older article is not starved by newer short requests: it is in every batch",
        (seg(7, 1.0), *(seg(8 + i, 1.1 + i / 100) for i in range(6))),
        now=2.0,
        expected=take(0, 1, 2, 3),
    ),
    Row(
        "under load a batch keeps to similar lengths (within 1.5x), in turn order",
        (
            seg(1, 1.0, 20),
            seg(2, 1.01, 60),
            seg(3, 1.02, 22),
            seg(4, 1.03, 58),
            seg(5, 1.04, 18),
            seg(6, 1.05, 21),
            seg(7, 1.06, 62),
        ),
        now=2.0,
        expected=take(4, 0, 5, 2),
    ),
    Row(
        "with few segments waiting, different lengths still share the next call",
        (seg(1, 1.0, 20), seg(2, 1.01, 60)),
        now=2.0,
        expected=take(0, 1),
    ),
    Row(
        "the oldest segment anchors every batch, whatever its length",
        (seg(1, 1.0, 60), *(seg(2 + i, 1.1, 20) for i in range(5))),
        now=2.0,
        expected=take(1, 2, 3, 0),
    ),
    Row(
        "each batch is sorted by length (ties: queue order)",
        (seg(1, 1.0, 40), seg(2, 1.0, 10), seg(3, 1.0, 40), seg(4, 1.0, 20)),
        now=2.0,
        expected=take(1, 3, 0, 2),
    ),
    Row(
        "interactive first: a sentence queued after a job's segments is in the next batch",
        (*(job(1, 1.0) for _ in range(6)), seg(2, 1.5)),
        now=2.0,
        expected=take(0, 1, 2, 6),
    ),
    Row(
        "job segments fill what interactive ones leave, an older job first",
        (job(1, 1.0), job(1, 1.0), job(2, 1.1), seg(3, 1.5), seg(4, 1.6)),
        now=2.0,
        expected=take(0, 2, 3, 4),
    ),
    Row(
        "similar lengths never put a job segment before an interactive one",
        (job(1, 1.0, 20), job(1, 1.0, 20), job(1, 1.0, 20), seg(2, 1.5, 20), seg(3, 1.5, 90)),
        now=2.0,
        expected=take(0, 1, 3, 4),
    ),
    Row(
        "the oldest interactive segment's options decide, not an older job's",
        (job(1, 1.0, options=BEAM), job(1, 1.0), seg(2, 1.5), seg(3, 1.6, options=BEAM)),
        now=2.0,
        expected=take(1, 2),
    ),
    Row(
        "only job segments: they fire on the usual clock",
        (job(1, 1.0),),
        now=1.01,
        expected=wait(1.0 + W),
    ),
    Row(
        "no starvation: before background_max_wait_s a job waits for a full batch of others",
        (job(1, 1.0), *(seg(2 + i, 20.0) for i in range(4))),
        now=20.1,
        expected=take(1, 2, 3, 4),
    ),
    Row(
        "... after it, the job's segment ranks as interactive and, oldest, goes first",
        (job(1, 1.0), *(seg(2 + i, 40.0) for i in range(4))),
        now=40.1,
        expected=take(0, 1, 2, 3),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_policy(row: Row) -> None:
    assert decide(row.state(), row.config, row.now) == row.expected


def test_the_table_is_big_enough() -> None:
    assert len(ROWS) >= 15


def test_waiting_then_firing_on_one_clock() -> None:
    """The same state asked again later: the wake-up time it gave is when it fires."""
    state = QueueState((seg(1, 1.0), seg(2, 1.02)), preparing=0, last_arrival=1.02)
    first = decide(state, CFG, now=1.03)
    assert first.take == () and first.wake_at == pytest.approx(1.02 + W)
    assert decide(state, CFG, now=first.wake_at).take == (0, 1)
