"""Admission: refuse, before any work is done, what the server cannot finish in time.

A request is weighed by its tokens times the beam width (what it costs the model; n-best
alternatives widen the beam to ``1 + alternatives``), against the model's measured speed:

- its own cost alone would take longer than the request timeout → :class:`TooExpensive`
  (HTTP 413: it could never succeed; the client should send less);
- the queue already holds ``capacity`` segments, or the work queued ahead plus its own would
  not finish within the timeout → :class:`Overloaded` (HTTP 503 + ``Retry-After``: it may
  succeed later).

The decision is made once, when the request arrives, before it is prepared (so a refusal costs
microseconds, not the seconds of sentence splitting), on an estimate from its characters; the
request then holds its estimated places in the queue while it is prepared, so a long article,
whose preparation takes longer, cannot lose its place to short requests that arrived after it
and were quicker to prepare. When its segments are queued, only its exact size alone is checked
again (413). A request is admitted whole while the queue is below its bound, whatever its size,
so a long article has the same chance to get in as a short request.

Without a configured ``queue_size`` the bound is what the measured speed serves in half the
request timeout, so a full queue means a fast 503 rather than a 504 minutes later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from service import defaults

_SMOOTHING = 0.2  # weight of the newest observation in the running averages


class Overloaded(Exception):
    """The queue is full; the client should retry after ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


class TooExpensive(Exception):
    """The request alone needs more model time than its timeout allows (never servable)."""


class BatcherStopped(Exception):
    """The batcher is shutting down and accepts no new work."""


@dataclass
class SpeedEstimate:
    """Running averages of the model's speed and of tokens per character."""

    tokens_per_s: float | None = None  # weighted tokens per second of model time
    tokens_per_char: float = 0.5
    tokens_per_segment: float = 32.0

    def observe_batch(self, tokens: int, seconds: float) -> None:
        if tokens > 0 and seconds > 0:
            self.tokens_per_s = _average(self.tokens_per_s, tokens / seconds)

    def observe_request(self, characters: int, tokens: int, segments: int) -> None:
        if characters > 0 and tokens > 0:
            self.tokens_per_char = _average(self.tokens_per_char, tokens / characters)
        if segments > 0 and tokens > 0:
            self.tokens_per_segment = _average(self.tokens_per_segment, tokens / segments)

    def seconds_for(self, tokens: float) -> float | None:
        return tokens / self.tokens_per_s if self.tokens_per_s else None


def _average(old: float | None, new: float) -> float:
    return new if old is None else (1 - _SMOOTHING) * old + _SMOOTHING * new


@dataclass
class Admission:
    queue_size: int | None  # configured bound (segments); None = derived from the speed
    deadline_s: float | None  # the request timeout; None = no time-based refusals
    speed: SpeedEstimate

    @property
    def capacity(self) -> int:
        """Queued segments beyond which new requests are refused."""
        if self.queue_size is not None:
            return self.queue_size
        if self.deadline_s is None or self.speed.tokens_per_s is None:
            return defaults.QUEUE_SIZE_MAX
        served = self.speed.tokens_per_s * self.deadline_s * defaults.QUEUE_SHARE_OF_TIMEOUT
        bound = int(served / max(1.0, self.speed.tokens_per_segment))
        return min(defaults.QUEUE_SIZE_MAX, max(defaults.QUEUE_SIZE_MIN, bound))

    def check(self, queued_segments: int, queued_tokens: int, own_tokens: float) -> None:
        """Refuse (raise) a request of ``own_tokens`` weighted tokens, or let it in."""
        self.check_alone(own_tokens)
        own_s = self.speed.seconds_for(own_tokens)
        capacity = self.capacity
        ahead_s = self.speed.seconds_for(queued_tokens) or 0.0
        if queued_segments >= capacity and queued_segments > 0:
            raise Overloaded(
                f"server is busy: {queued_segments} segments queued (capacity {capacity}); "
                "retry later",
                math.ceil(ahead_s),
            )
        if self.deadline_s is not None and own_s is not None and ahead_s + own_s > self.deadline_s:
            raise Overloaded(
                f"server is busy: the work queued ahead ({ahead_s:.0f} s) would not let this "
                f"request finish within the {self.deadline_s:g} s timeout; retry later",
                math.ceil(ahead_s + own_s - self.deadline_s),
            )

    def check_alone(self, own_tokens: float) -> None:
        """Refuse a request whose own model time alone exceeds the timeout (never servable)."""
        own_s = self.speed.seconds_for(own_tokens)
        if self.deadline_s is not None and own_s is not None and own_s > self.deadline_s:
            raise TooExpensive(
                f"this request needs about {own_s:.0f} s of model time, more than the "
                f"{self.deadline_s:g} s request timeout; send less text (or ask for a smaller "
                "beam or fewer alternatives) per request"
            )
