"""What joins the running batch at the next decoding step: a pure function of state and clock.

The continuous loop (:mod:`service.batching.continuous`) advances a running batch one token per
step; rows that end leave at once. Before each step it asks :func:`plan_step` which waiting
segments join. Nothing here waits or calls the model, so every rule is a row of a table test.

**Budget.** A row costs its source tokens plus the tokens it may still decode (its
``max_new_tokens`` bound less what it has generated): what its caches will hold at most. The
running rows and the joining ones stay within ``max_rows`` and ``max_tokens``; a segment that
alone exceeds the budget joins an idle batch (it runs alone rather than never).

**Order.** Free places go one at a time to the waiting request with the fewest rows decoding
(counting those just chosen), the older request first on a tie. An article of forty sentences
thus fills an idle batch, but a one-sentence request that arrives meanwhile takes the next free
place, ahead of the article's remaining sentences; and the article, among the oldest, never
waits behind a stream of short requests for more than its fair share. Within a request,
segments join in their order.

**When.** Joining costs a prefill (an encoder call and a decoder call for the joiners), so while
rows are decoding, a join waits until ``min_join`` segments can join or the oldest waiting one
has waited ``max_join_wait``; an idle batch takes whatever waits at once.

**Beam search** cannot join a greedy batch: when the oldest waiting segment is a beam one and
the batch is idle (or it has waited ``max_join_wait``), the beam segments of its options run as
one static micro-batch (chosen by :func:`service.batching.policy.select`) before the next step.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from service.batching.policy import Pending, PolicyConfig, QueueState, select


@dataclass(frozen=True)
class StepConfig:
    max_rows: int  # rows decoding at once
    max_tokens: int  # sum over rows of source tokens + tokens they may still decode
    min_join: int = 1  # while rows decode, join once this many can...
    max_join_wait_s: float = 0.0  # ...or the oldest waiting has waited this long
    max_static_tokens: int = 4096  # padded, beam-weighted tokens of a static micro-batch
    # A background segment (a document job's) that has waited this long ranks as interactive.
    background_max_wait_s: float = 30.0


@dataclass(frozen=True)
class Waiting:
    """A queued segment as the step policy sees it."""

    request: int  # arrival order of its request
    source_tokens: int
    decode_tokens: int  # its max_new_tokens bound
    enqueued: float
    options: Hashable  # decoding options; beam segments share a static batch only if equal
    joins: bool = True  # False: a beam segment (static micro-batch)
    beam_width: int = 1
    background: bool = False  # a document job's: joins in the places interactive ones leave

    @property
    def cost(self) -> int:
        return self.source_tokens + self.decode_tokens


@dataclass(frozen=True)
class Decoding:
    """A running row as the step policy sees it."""

    request: int
    source_tokens: int
    remaining_tokens: int  # decode tokens it may still generate

    @property
    def cost(self) -> int:
        return self.source_tokens + self.remaining_tokens


@dataclass(frozen=True)
class StepState:
    waiting: Sequence[Waiting]  # live queued segments, in queue order
    decoding: Sequence[Decoding] = ()
    stopping: bool = False  # drain: join whatever fits, hold nothing


@dataclass(frozen=True)
class StepPlan:
    """Join ``join`` (indexes into ``waiting``) at the next step; or run ``static`` (indexes)
    as one static micro-batch first; with neither and nothing decoding, wait for an arrival or
    until ``wake_at``."""

    join: tuple[int, ...] = ()
    static: tuple[int, ...] = ()
    wake_at: float | None = None


def plan_step(state: StepState, config: StepConfig, now: float) -> StepPlan:
    waiting = state.waiting
    if not waiting:
        return StepPlan()
    idle = not state.decoding
    oldest = min(range(len(waiting)), key=lambda i: (waiting[i].enqueued, i))
    due = waiting[oldest].enqueued + config.max_join_wait_s
    if not waiting[oldest].joins and (idle or state.stopping or now >= due):
        return StepPlan(static=_static_batch(waiting, config, now))
    joinable = [i for i, w in enumerate(waiting) if w.joins]
    if not joinable:
        return StepPlan(wake_at=None if idle else due)
    first = min(waiting[i].enqueued for i in joinable)
    ready = len(joinable) >= config.min_join or now >= first + config.max_join_wait_s
    if not (idle or state.stopping or ready):
        return StepPlan(wake_at=first + config.max_join_wait_s)
    return StepPlan(join=choose_joins(waiting, joinable, state.decoding, config, now))


def choose_joins(
    waiting: Sequence[Waiting],
    joinable: Sequence[int],
    decoding: Sequence[Decoding],
    config: StepConfig,
    now: float = 0.0,
) -> tuple[int, ...]:
    """The segments that join: interactive before background (unless aged), then fewest rows
    per request first, within the row and token budget."""
    aged = now - config.background_max_wait_s
    places = config.max_rows - len(decoding)
    tokens = config.max_tokens - sum(d.cost for d in decoding)
    rows: dict[int, int] = {}
    for d in decoding:
        rows[d.request] = rows.get(d.request, 0) + 1
    queues: dict[int, list[int]] = {}
    for index in joinable:
        queues.setdefault(waiting[index].request, []).append(index)
    chosen: list[int] = []
    while places > 0 and queues:
        request = min(
            queues,
            key=lambda r: (_deferred(waiting[queues[r][0]], aged), rows.get(r, 0), r),
        )
        index = queues[request][0]
        alone = not decoding and not chosen
        if waiting[index].cost > tokens and not alone:
            del queues[request]  # its next segment does not fit; others' may
            continue
        chosen.append(index)
        places -= 1
        tokens -= waiting[index].cost
        rows[request] = rows.get(request, 0) + 1
        queues[request].pop(0)
        if not queues[request]:
            del queues[request]
    return tuple(chosen)


def _deferred(segment: Waiting, aged: float) -> bool:
    """A background segment that has not yet waited long enough to rank as interactive."""
    return segment.background and segment.enqueued > aged


def _static_batch(waiting: Sequence[Waiting], config: StepConfig, now: float) -> tuple[int, ...]:
    """The oldest beam segment's micro-batch, chosen as the static batcher chooses."""
    static = [i for i, w in enumerate(waiting) if not w.joins]
    static.sort(key=lambda i: (waiting[i].enqueued, i))
    pending = [
        Pending(
            waiting[i].request,
            waiting[i].source_tokens * waiting[i].beam_width,
            waiting[i].options,
            waiting[i].enqueued,
            waiting[i].background,
        )
        for i in static
    ]
    policy = PolicyConfig(
        config.max_rows,
        config.max_static_tokens,
        0.0,
        0.0,
        background_max_wait_s=config.background_max_wait_s,
    )
    picked = select(QueueState(pending), policy, now)
    return tuple(static[k] for k in picked)
