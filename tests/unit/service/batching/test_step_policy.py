"""The step policy as a table: waiting and decoding rows + clock → what joins the next step.
No model, no loop, no sleeping; times are seconds on a fake clock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.batching.step_policy import (
    Decoding,
    StepConfig,
    StepPlan,
    StepState,
    Waiting,
    plan_step,
)

CFG = StepConfig(max_rows=4, max_tokens=400)
HELD = StepConfig(max_rows=4, max_tokens=400, min_join=2, max_join_wait_s=0.02)
PATIENT_BEAMS = StepConfig(max_rows=4, max_tokens=400, max_join_wait_s=0.02)
GREEDY, BEAM = "greedy", "beam4"


def wait(request: int, at: float, source: int = 10, decode: int = 20) -> Waiting:
    return Waiting(request, source, decode, at, GREEDY)


def job(request: int, at: float) -> Waiting:
    """A document job's segment (background)."""
    return Waiting(request, 10, 20, at, GREEDY, background=True)


def beam(request: int, at: float, source: int = 10) -> Waiting:
    return Waiting(request, source, 25, at, BEAM, joins=False, beam_width=4)


def running(request: int, source: int = 10, remaining: int = 20) -> Decoding:
    return Decoding(request, source, remaining)


@dataclass(frozen=True)
class Row:
    name: str
    waiting: tuple[Waiting, ...]
    expected: StepPlan
    decoding: tuple[Decoding, ...] = ()
    now: float = 1.0
    config: StepConfig = CFG
    stopping: bool = False


def join(*indexes: int) -> StepPlan:
    return StepPlan(join=indexes)


ARTICLE = tuple(wait(1, 0.5) for _ in range(6))  # request 1: six sentences

ROWS = [
    Row("nothing waits: wait for an arrival", (), StepPlan()),
    Row("an idle batch takes a lone segment at once", (wait(1, 1.0),), join(0)),
    Row(
        "an idle batch fills up to max_rows, requests taking turns",
        (wait(1, 0.1), wait(1, 0.1), wait(1, 0.1), wait(2, 0.2), wait(3, 0.3)),
        join(0, 3, 4, 1),
    ),
    Row(
        "a running batch takes joiners into its free places only",
        (wait(5, 0.9), wait(6, 0.95)),
        join(0),
        decoding=(running(1), running(2), running(3)),
    ),
    Row("a full batch takes nobody", (wait(5, 0.9),), StepPlan(), decoding=(running(1),) * 4),
    Row(
        "a sentence that arrived after an article takes the next free place",
        (*ARTICLE, wait(2, 0.9)),
        join(6),
        decoding=(running(1), running(1), running(1)),
    ),
    Row(
        "... and the article gets the places the sentence does not need",
        (*ARTICLE, wait(2, 0.9)),
        join(6, 0),
        decoding=(running(1), running(1)),
    ),
    Row(
        "fewest decoding rows first: the article with none beats a request with one",
        (wait(1, 0.1), wait(2, 0.2), wait(2, 0.2)),
        join(0, 1),
        decoding=(running(2), running(3)),
    ),
    Row(
        "the token budget counts source plus remaining decode tokens",
        (wait(5, 0.9, source=40, decode=70), wait(6, 0.95, source=10, decode=20)),
        join(1),
        decoding=(running(1, 100, 200),),  # 300 of 400 used: 110 does not fit, 30 does
    ),
    Row(
        "a segment over the whole budget joins an idle batch alone",
        (wait(1, 0.5, source=300, decode=460), wait(2, 0.6)),
        join(0),
    ),
    Row(
        "while rows decode, a join is held for more joiners (min_join)...",
        (wait(5, 0.99),),
        StepPlan(wake_at=0.99 + 0.02),
        decoding=(running(1),),
        config=HELD,
    ),
    Row(
        "... until the oldest has waited max_join_wait",
        (wait(5, 0.97),),
        join(0),
        decoding=(running(1),),
        config=HELD,
    ),
    Row(
        "... or min_join can join",
        (wait(5, 0.99), wait(6, 0.995)),
        join(0, 1),
        decoding=(running(1),),
        config=HELD,
    ),
    Row(
        "an idle batch holds nothing, whatever min_join says",
        (wait(5, 0.99),),
        join(0),
        config=HELD,
    ),
    Row(
        "draining holds nothing",
        (wait(5, 0.99),),
        join(0),
        decoding=(running(1),),
        config=HELD,
        stopping=True,
    ),
    Row(
        "the oldest is a beam segment and the batch is idle: a static micro-batch of its beams",
        (beam(1, 0.5), wait(2, 0.6), beam(3, 0.7)),
        StepPlan(static=(0, 2)),
    ),
    Row(
        "a beam segment waits for the greedy rows up to max_join_wait; greedy ones still join",
        (beam(1, 0.99), wait(2, 0.995)),
        join(1),
        decoding=(running(7),),
        config=PATIENT_BEAMS,
    ),
    Row(
        "... then runs, pausing the greedy rows for one static call",
        (beam(1, 0.95), wait(2, 0.995)),
        StepPlan(static=(0,)),
        decoding=(running(7),),
        config=HELD,
    ),
    Row(
        "a sentence joins before an older document job's segment (interactive first)",
        (job(1, 0.1), job(1, 0.1), wait(4, 0.95)),
        join(2),
        decoding=(running(2), running(2), running(3)),
    ),
    Row(
        "a job's segment that waited background_max_wait_s ranks as interactive",
        (job(1, 0.1), job(1, 0.1), wait(4, 0.95)),
        join(0),
        decoding=(running(2), running(2), running(3)),
        now=0.1 + CFG.background_max_wait_s + 1,
    ),
    Row(
        "only beam segments waiting behind a running batch: wake when the oldest is due",
        (beam(1, 0.99),),
        StepPlan(wake_at=0.99 + 0.02),
        decoding=(running(7),),
        config=HELD,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_step_policy(row: Row) -> None:
    state = StepState(row.waiting, row.decoding, row.stopping)
    assert plan_step(state, row.config, row.now) == row.expected


def test_an_article_is_never_starved_by_a_stream_of_sentences() -> None:
    """Step after step the oldest row ends and a new one-sentence request arrives. Each request
    holds an equal share of the rows: the sentences one each, and the article (request 1) one
    too, from its first join to its last sentence; it is never left with none."""
    waiting = list(ARTICLE)
    decoding: list[Decoding] = [running(100 + k) for k in range(4)]
    article_joins = 0
    for step in range(40):
        decoding.pop(0)  # the oldest row ends
        waiting.append(wait(10 + step, 0.9 + step))
        plan = plan_step(StepState(tuple(waiting), tuple(decoding)), CFG, 50.0)
        (index,) = plan.join
        chosen = waiting.pop(index)
        article_joins += chosen.request == 1
        decoding.append(running(chosen.request))
        if article_joins < len(ARTICLE):
            assert any(d.request == 1 for d in decoding), step
    assert article_joins == len(ARTICLE)
