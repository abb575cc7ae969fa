"""The request lifecycle's pieces without a request (as a background job uses them), and the
repository rule that keeps it the only one: no route re-spells the charge/guard/count sequence
or imports another route module."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from service.batching import Overloaded, TooExpensive
from service.http.auth import Caller
from service.http.errors import ApiError
from service.http.lifecycle import (
    ClientGone,
    Size,
    charge,
    charged,
    check_size,
    refund,
    run_job,
    within,
)
from service.http.state import ServerState
from service.settings import Settings
from service.state.budgets import LocalBudget

HTTP = Path(__file__).resolve().parents[4] / "service" / "http"
CALLER = Caller("key:k")


def state(limit: int = 100) -> ServerState:
    settings = Settings(api_keys=["k"], key_char_limit=limit, max_chars_per_request=50)
    return ServerState(settings, char_budget=LocalBudget(limit, 60.0))


def test_size_limits() -> None:
    settings = Settings(max_texts_per_request=2, max_chars_per_request=10)
    assert check_size(Size.of_texts(["abc", "de"], extra_chars=5), settings) == 10
    with pytest.raises(ApiError, match="too many texts: 3, the limit is 2"):
        check_size(Size.of_texts(["a", "b", "c"]), settings)
    with pytest.raises(ApiError, match="too many characters: 11, the limit is 10"):
        check_size(Size.of_texts(["a" * 11]), settings)
    with pytest.raises(ApiError, match="the file has 11 to translate"):
        check_size(Size.of_file(11), settings)


def test_a_job_charges_at_upload_and_refunds_later_without_a_request() -> None:
    async def run() -> None:
        s = state(limit=100)
        receipt = await charge(s, CALLER, 60)
        with pytest.raises(ApiError) as spent:
            await charge(s, CALLER, 60)  # 120 > 100 in this window
        assert spent.value.status == 429 and "Retry-After" in spent.value.headers
        await refund(receipt)  # the job failed on the server's side
        await refund(await charge(s, CALLER, 60))  # so there is room again

    asyncio.run(run())


def test_a_job_runs_later_through_run_job() -> None:
    """Charged at upload; run when the server is ready (counted), refunded when it is not."""

    async def work(engine: object, batcher: object) -> str:
        return "translated"

    async def run() -> None:
        s = state(limit=100)
        receipt = await charge(s, CALLER, 60)
        with pytest.raises(ApiError) as loading:
            await run_job(s, receipt, work)  # the model is still loading: 503, refunded
        assert loading.value.status == 503
        s.ready, s.engine, s.batcher = True, object(), object()  # type: ignore[assignment]
        receipt = await charge(s, CALLER, 60)  # fits: the first charge was refunded
        done = await run_job(s, receipt, work)
        assert (done.value, done.chars) == ("translated", 60)
        assert s.metrics.registry.get_sample_value("thaimt_characters_total") == 60

    asyncio.run(run())


@pytest.mark.parametrize(
    ("raised", "refunded"),
    [
        (ApiError(500, "fault"), True),
        (ApiError(503, "busy"), True),
        (ApiError(504, "slow"), True),
        (Overloaded("queue full"), True),
        (TooExpensive("too long"), True),
        (ApiError(400, "bad html"), False),  # the client's fault: charged
        (ClientGone(), False),
    ],
)
def test_the_charge_is_refunded_only_when_the_server_failed_to_serve(
    raised: Exception, refunded: bool
) -> None:
    async def run() -> None:
        s = state(limit=100)
        with pytest.raises(type(raised)):
            async with charged(s, CALLER, 80):
                raise raised
        if refunded:
            await charge(s, CALLER, 80)  # fits again
        else:
            with pytest.raises(ApiError, match="character limit reached"):
                await charge(s, CALLER, 80)

    asyncio.run(run())


def test_more_than_the_whole_budget_is_413() -> None:
    with pytest.raises(ApiError) as refused:
        asyncio.run(charge(state(limit=10), CALLER, 11))
    assert refused.value.status == 413


def test_within_times_out_and_cancels_the_work() -> None:
    cancelled = asyncio.Event()

    async def work() -> None:
        try:
            await asyncio.Event().wait()  # never set: only the guard ends it
        finally:
            cancelled.set()

    async def run() -> None:
        with pytest.raises(ApiError) as late:
            await within(work(), 0.01, limit_s=30)
        assert late.value.status == 504 and "30 s" in late.value.message
        assert cancelled.is_set()
        with pytest.raises(ClientGone):
            await within(asyncio.Event().wait(), 60, abandon=asyncio.sleep(0))
        assert await within(asyncio.sleep(0, "done"), 60) == "done"

    asyncio.run(run())


def _imports(path: Path) -> list[str]:
    """Every module a file imports from, function-level imports included."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


ROUTES = sorted(HTTP.glob("routes_*.py"))


@pytest.mark.parametrize("route", ROUTES, ids=[p.stem for p in ROUTES])
def test_no_route_module_imports_another(route: Path) -> None:
    others = [m for m in _imports(route) if m.startswith("service.http.routes_")]
    assert not others, f"{route.name} imports {others}: shared parsing goes in parsing.py"


def test_the_charge_and_the_count_are_spelled_once() -> None:
    """``charged(``, ``charge(`` and ``metrics.characters.inc`` only in lifecycle.py."""
    spelled = {
        path.name
        for path in HTTP.glob("*.py")
        for needle in ("charged(", "await charge(", "characters.inc(")
        if needle in path.read_text(encoding="utf-8")
    }
    assert spelled == {"lifecycle.py"}
