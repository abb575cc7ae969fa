"""Admission rules on a known speed: 413 for what could never finish, 503 for what cannot
finish now, a queue bound derived from the speed and the timeout."""

from __future__ import annotations

import pytest

from service import defaults
from service.batching.admission import Admission, Overloaded, SpeedEstimate, TooExpensive


def admission(queue_size: int | None = None, deadline_s: float | None = 10.0) -> Admission:
    # 1,000 weighted tokens per second, 40 tokens per segment.
    speed = SpeedEstimate(tokens_per_s=1000.0, tokens_per_segment=40.0)
    return Admission(queue_size, deadline_s, speed)


def test_a_request_that_alone_exceeds_the_timeout_is_too_expensive() -> None:
    with pytest.raises(TooExpensive, match="about 12 s of model time"):
        admission().check(queued_segments=0, queued_tokens=0, own_tokens=12_000)


def test_an_empty_queue_admits_any_request_that_fits_the_timeout() -> None:
    admission(queue_size=4).check(queued_segments=0, queued_tokens=0, own_tokens=9_000)


def test_a_full_queue_refuses_with_the_time_to_drain() -> None:
    with pytest.raises(Overloaded) as refused:
        admission(queue_size=4).check(queued_segments=4, queued_tokens=3_500, own_tokens=10)
    assert refused.value.retry_after_s == 4  # 3.5 s of work ahead, rounded up


def test_below_the_bound_a_request_is_admitted_whole_whatever_its_size() -> None:
    admission(queue_size=4).check(queued_segments=3, queued_tokens=100, own_tokens=5_000)


def test_work_ahead_that_would_push_it_past_the_timeout_is_a_503() -> None:
    with pytest.raises(Overloaded, match="would not let this request finish") as refused:
        admission().check(queued_segments=10, queued_tokens=8_000, own_tokens=3_000)
    assert refused.value.retry_after_s == 1


def test_the_bound_is_derived_from_speed_and_timeout() -> None:
    # 1,000 tokens/s x 10 s x half the timeout / 40 tokens per segment = 125 segments
    assert admission().capacity == 125
    assert admission(queue_size=7).capacity == 7
    slow = Admission(None, 10.0, SpeedEstimate(tokens_per_s=1.0))
    assert slow.capacity == defaults.QUEUE_SIZE_MIN
    assert Admission(None, None, SpeedEstimate()).capacity == defaults.QUEUE_SIZE_MAX


def test_without_a_measured_speed_nothing_is_refused_for_time() -> None:
    Admission(None, 10.0, SpeedEstimate()).check(0, 0, own_tokens=10**9)


def test_the_speed_estimate_follows_observations() -> None:
    speed = SpeedEstimate()
    speed.observe_batch(tokens=1000, seconds=1.0)
    assert speed.tokens_per_s == 1000.0
    speed.observe_batch(tokens=2000, seconds=1.0)
    assert 1000.0 < speed.tokens_per_s < 2000.0
    speed.observe_request(characters=100, tokens=50, segments=2)
    assert speed.tokens_per_char < 0.5 + 1e-9 and speed.tokens_per_segment < 32.0
