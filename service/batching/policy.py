"""When to run the model, and on which waiting segments: a pure function of state and clock.

Nothing here waits, locks or calls the model (the loop in :mod:`service.batching.batcher`
does), so every rule can be tested with a table of arrival patterns and a fake clock.

**When.** A batch fires at once when it is full (``max_batch_size`` segments, or
``max_batch_tokens`` weighted tokens waiting). Otherwise it fires ``max_wait`` after the newest
arrival once no announced request is still being prepared (a burst of requests, whose sentence
splitting runs in threads, thus fills one call instead of two half-full ones), and never later
than ``max_hold`` after its oldest segment. ``max_hold`` 0 gives the plain rule "``max_wait``
after the oldest".

**Which.** The oldest waiting segment decides the decoding options (a beam-4 segment cannot
share a call with a greedy one); among segments with those options, requests take turns in
the order they arrived: the first segment of each waiting request, then the second of each, and
so on, while the batch fits. A short request is thus never stuck behind a long article, and an
article, being among the oldest requests, gets a place in every batch until it is done (it is
never starved by a stream of short ones). The batch is sorted by length before the call.

**Similar lengths.** Every row of a batch decodes as many steps as its longest row needs (a
model that never stops early pays them all, and the encoder pads every row to the longest), so
a batch is filled first with segments whose lengths stay within ``LENGTH_SPREAD`` of each other,
in the same turn order, starting from the oldest segment; only when that leaves room are other
segments added. Under load the queue holds plenty of similar segments and batches come out
even; with few segments waiting, everyone still goes in the next call. The oldest segment is in
every batch, so no length is starved.

**Interactive first.** A segment is *interactive* (a request someone is waiting on) or
*background* (a document job's). Every rule above applies to the interactive segments first:
the batch is anchored on the oldest interactive segment, takes interactive segments in turn
order, and only then fills what is left with background segments (in their own turn order, under
the same options and limits). A sentence sent while a 300-page job runs thus goes into the next
batch, ahead of every job segment already queued; a job never waits for a batch to fill (its
segments fire on the same clock). **No starvation:** a background segment that has waited
``background_max_wait_s`` ranks as interactive from then on (in the order of its arrival), so
under a flood of interactive requests a job still gets its turn in every batch, at most that
long after each of its segments was queued.

Tokens are weighted by the beam width: a beam-16 segment costs the model about 16 greedy ones,
so it takes 16 times as much of ``max_batch_tokens``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyConfig:
    max_batch_size: int
    max_batch_tokens: int  # padded: segments x longest segment's weighted tokens
    max_wait_s: float
    max_hold_s: float
    # A background segment that has waited this long ranks as interactive ("No starvation").
    background_max_wait_s: float = 30.0


@dataclass(frozen=True)
class Pending:
    """A queued segment as the policy sees it."""

    request: int  # the request's number, in arrival order
    tokens: int  # source tokens x beam width
    options: Hashable  # the decoding options; only equal ones share a batch
    enqueued: float
    background: bool = False  # a document job's segment: runs in the room interactive ones leave


@dataclass(frozen=True)
class QueueState:
    pending: Sequence[Pending]  # live segments (not cancelled, not taken), in queue order
    preparing: int = 0  # announced requests whose segments are still being prepared
    last_arrival: float = 0.0
    stopping: bool = False  # drain: fire whatever waits, at once


@dataclass(frozen=True)
class Decision:
    """Run ``take`` (indexes into ``pending``, length-sorted) now; or, when ``take`` is empty,
    wait for an arrival or until ``wake_at`` (None: only an arrival)."""

    take: tuple[int, ...] = ()
    wake_at: float | None = None


def decide(state: QueueState, config: PolicyConfig, now: float) -> Decision:
    if not state.pending:
        return Decision()
    due = fire_time(state, config)
    if state.stopping or is_full(state, config) or now >= due:
        return Decision(take=select(state, config, now))
    return Decision(wake_at=due)


def fire_time(state: QueueState, config: PolicyConfig) -> float:
    """When a batch that is not full is due."""
    oldest = min(p.enqueued for p in state.pending)
    deadline = oldest + max(config.max_hold_s, config.max_wait_s)
    if state.preparing == 0:
        deadline = min(deadline, state.last_arrival + config.max_wait_s)
    return deadline


def is_full(state: QueueState, config: PolicyConfig) -> bool:
    tokens = sum(p.tokens for p in state.pending)
    return len(state.pending) >= config.max_batch_size or tokens >= config.max_batch_tokens


# Longest over shortest segment a batch keeps to while it can (see "Similar lengths").
LENGTH_SPREAD = 1.5


def select(state: QueueState, config: PolicyConfig, now: float) -> tuple[int, ...]:
    """The segments of the next batch: interactive first, requests take turns, within the
    batch limits, similar lengths first."""
    pending = state.pending
    taken: list[int] = []
    chosen: set[int] = set()
    low = high = 0
    for group in ranked(pending, config, now):
        for similar_only in (True, False):
            for index in group:
                if len(taken) >= config.max_batch_size:
                    break
                tokens = pending[index].tokens
                if index in chosen or not _fits(taken, high, tokens, config):
                    continue
                if similar_only and taken and max(high, tokens) > LENGTH_SPREAD * min(low, tokens):
                    continue
                taken.append(index)
                chosen.add(index)
                low = min(low, tokens) if len(taken) > 1 else tokens
                high = max(high, tokens)
    return tuple(sorted(taken, key=lambda i: (pending[i].tokens, i)))


def _fits(taken: list[int], longest: int, tokens: int, config: PolicyConfig) -> bool:
    """Whether one more segment of ``tokens`` keeps the padded batch within the token budget
    (a first segment always fits: an over-long one runs alone rather than never)."""
    return not taken or max(longest, tokens) * (len(taken) + 1) <= config.max_batch_tokens


def ranked(
    pending: Sequence[Pending], config: PolicyConfig, now: float
) -> tuple[list[int], list[int]]:
    """The segments that may share the next batch, as two groups in the order they get
    places: interactive (and aged background) ones in turns, then background ones in turns;
    all with the decoding options of the first of them (the anchor)."""
    aged = now - config.background_max_wait_s
    first = [i for i, p in enumerate(pending) if not p.background or p.enqueued <= aged]
    rest = [i for i, p in enumerate(pending) if p.background and p.enqueued > aged]
    options = pending[(first or rest)[0]].options
    return (
        turns(pending, [i for i in first if pending[i].options == options]),
        turns(pending, [i for i in rest if pending[i].options == options]),
    )


def turns(pending: Sequence[Pending], indexes: Sequence[int]) -> list[int]:
    """``indexes`` (in queue order) round robin over their requests in arrival order."""
    per_request: dict[int, list[int]] = {}
    for index in indexes:
        per_request.setdefault(pending[index].request, []).append(index)
    queues = [per_request[r] for r in sorted(per_request)]
    order: list[int] = []
    for rank in range(max((len(q) for q in queues), default=0)):
        order.extend(q[rank] for q in queues if rank < len(q))
    return order
