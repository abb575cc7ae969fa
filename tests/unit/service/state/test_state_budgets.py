"""The in-process character budget: a pure function of its table and a clock (a fake one)."""

from __future__ import annotations

import pytest

from service.state.budgets import LocalBudget, OverBudget


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def test_spends_up_to_the_limit_then_refuses_with_the_wait(clock: Clock) -> None:
    budget = LocalBudget(100, 60, clock=clock)
    budget.spend("a", 60)
    clock.now += 20
    with pytest.raises(OverBudget) as refused:
        budget.spend("a", 41)
    assert (refused.value.used, refused.value.retry_after_s) == (60, 40)
    budget.spend("a", 40)  # exactly the limit
    budget.spend("b", 100)  # identities are separate


def test_a_new_window_starts_after_the_old_one_ends(clock: Clock) -> None:
    budget = LocalBudget(100, 60, clock=clock)
    budget.spend("a", 100)
    clock.now += 60
    budget.spend("a", 100)


def test_refund_gives_back_only_within_the_same_window(clock: Clock) -> None:
    budget = LocalBudget(100, 60, clock=clock)
    charge = budget.spend("a", 80)
    budget.refund(charge)
    budget.spend("a", 100)
    clock.now += 61
    late = budget.spend("a", 90)
    clock.now += 61
    budget.spend("a", 50)  # a new window
    budget.refund(late)  # from the window before: nothing given back
    with pytest.raises(OverBudget):
        budget.spend("a", 51)


@pytest.mark.parametrize(
    ("identities", "step_s", "expected_size"),
    [
        (10, 0.0, 3),  # all live: the windows that end soonest are forgotten
        (10, 30.0, 2),  # each window ends 60 s after it starts: expired ones go first
    ],
)
def test_the_table_is_bounded(
    clock: Clock, identities: int, step_s: float, expected_size: int
) -> None:
    budget = LocalBudget(100, 60, max_tracked=3, clock=clock)
    for i in range(identities):
        budget.spend(f"id{i}", 10)
        clock.now += step_s
    assert len(budget) == expected_size
    with pytest.raises(OverBudget):  # the newest identity is still tracked
        budget.spend(f"id{identities - 1}", 91)


def test_usage_is_the_running_windows_count(clock: Clock) -> None:
    """What DeepL's /v2/usage reports: the count of the window running now, refunds taken."""
    budget = LocalBudget(100, 60, clock=clock)
    assert budget.usage("k").used == 0 and budget.usage("k").started is None
    budget.spend("k", 30)
    refunded = budget.spend("k", 20)
    budget.refund(refunded)
    clock.now += 10
    usage = budget.usage("k")
    assert (usage.used, usage.limit, usage.window_s) == (30, 100, 60)
    assert usage.started is not None
    clock.now += 50  # the window is over: nothing counts
    assert budget.usage("k").used == 0
