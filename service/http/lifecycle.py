"""One request's way through the server, the same for every route and API style.

1. body bytes and read deadline — ``BodyGuard`` (``body.py``), before routing: 413, 408
2. authentication — ``ApiStyle.caller`` / ``ApiStyle.authenticate`` (``auth.py``): 401, 403.
   First, before the body is parsed, so a missing key is refused whatever the body.
3. the route parses its own shape: 400, 422
4. :func:`serve`: size limits (413) → ready (503) → character charge (429; refunded when the
   server fails to serve: 500, 503, 504) → the work, under the timeout guard (504; cancelled
   when the client leaves), in which the batcher's admission refuses what it cannot finish in
   time (413, 503) → metrics (characters served).

Every refusal is an exception; the route's API style answers it (``styles.py``). A stream is
charged before its first line; its later lines are guarded by :func:`guarded` one by one.

A background job has no request: :func:`check_size` and :func:`charge` when it is accepted
(the receipt kept with the job), :func:`run_job` when it runs — ready, the work under a
timeout, the refund when the server fails it, the count — with the batcher's admission inside
its work, as every request's work has it (the work chooses its priority).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from starlette.requests import Request

from service.batching import Batcher, BatcherStopped, Overloaded, TooExpensive
from service.http.auth import Caller
from service.http.errors import CLIENT_CLOSED, ApiError
from service.http.state import ServerState, get_state
from service.settings import Settings
from service.state.budgets import (
    Budget,
    BudgetUnavailable,
    Charge,
    LocalBudget,
    OverBudget,
    Usage,
)

if TYPE_CHECKING:
    from service.engine import Engine

T = TypeVar("T")
Work = Callable[["Engine", Batcher], Awaitable[T]]

log = logging.getLogger(__name__)

# Refusals that mean the server did not do the work (a fault, overload, a timeout): the
# characters are given back.
NOT_SERVED = (500, 503, 504)
BUSY_RETRY_S = 5


@dataclass(frozen=True)
class Size:
    """What a request asks to translate: how many texts and characters (glossary and
    do-not-translate terms count toward the characters)."""

    texts: int
    chars: int
    noun: str = ""  # "the file": what the 413 names

    @classmethod
    def of_texts(cls, texts: Sequence[str], extra_chars: int = 0) -> Size:
        return cls(len(texts), sum(len(t) for t in texts) + extra_chars)

    @classmethod
    def of_file(cls, chars: int) -> Size:
        return cls(1, chars, "the file")


def check_size(size: Size, settings: Settings) -> int:
    """413 over the per-request limits; the characters to charge."""
    max_texts, max_chars = settings.max_texts_per_request, settings.max_chars_per_request
    if size.texts > max_texts:
        raise ApiError(413, f"too many texts: {size.texts}, the limit is {max_texts} per request")
    if size.chars > max_chars:
        count = f"{size.noun} has {size.chars} to translate" if size.noun else str(size.chars)
        raise ApiError(413, f"too many characters: {count}, the limit is {max_chars} per request")
    return size.chars


@dataclass(frozen=True)
class Served(Generic[T]):
    value: T
    chars: int
    started: float  # perf_counter() when the work started

    @property
    def milliseconds(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


async def serve(request: Request, caller: Caller, size: Size, work: Work[T]) -> Served[T]:
    """Size limits → ready → charge → ``work(engine, batcher)`` under the timeout guard →
    metrics. The charge is refunded when the work fails on the server's side."""
    state = get_state(request)
    chars = check_size(size, state.settings)
    engine, batcher = serving(state)
    started = time.perf_counter()
    async with charged(state, caller, chars):
        value = await guarded(request, work(engine, batcher), state.settings.request_timeout_s)
    _count(state, chars)
    return Served(value, chars, started)


async def run_job(
    state: ServerState, receipt: Receipt, work: Work[T], timeout_s: float | None = None
) -> Served[T]:
    """Run a job whose characters were charged when it was accepted (``receipt``): ready →
    ``work(engine, batcher)`` within ``timeout_s`` (default: the request timeout) → count; the
    charge is refunded when the server fails to serve it (500, 503, 504, the batcher's
    refusals)."""
    started = time.perf_counter()
    async with refunded_on_failure(receipt):
        engine, batcher = serving(state)
        value = await within(work(engine, batcher), timeout_s or state.settings.request_timeout_s)
    _count(state, receipt.chars)
    return Served(value, receipt.chars, started)


def _count(state: ServerState, chars: int) -> None:
    state.metrics.characters.inc(chars)


def serving(state: ServerState) -> tuple[Engine, Batcher]:
    """The engine and batcher, or 503 while the model is loading (or failed to)."""
    return state.require_ready()


# -- the character charge ---------------------------------------------------------------


class BudgetSpent(ApiError):
    """429: the caller's character budget is spent for this window (an API style may answer it
    otherwise: DeepL's 456 "quota exceeded")."""


@dataclass(frozen=True)
class Receipt:
    """A charge that can be refunded (nothing to refund without a budget)."""

    budget: Budget | None
    charge: Charge | None
    chars: int


async def charge(state: ServerState, caller: Caller, chars: int) -> Receipt:
    """Charge ``caller``'s character budget: 413 when ``chars`` exceeds the whole budget (no
    wait would let it through), 429 + ``Retry-After`` when it is spent for now, 503 when the
    shared budget cannot be checked."""
    budget = state.char_budget
    if budget is None:
        return Receipt(None, None, chars)
    if chars > budget.limit:
        raise ApiError(
            413,
            f"this request has {chars} characters, more than the {budget.limit} allowed per "
            f"{budget.window_s:g} s per {_whom(caller.identity)}; send it in smaller requests",
        )
    return Receipt(budget, await _spend(budget, caller.identity, chars), chars)


async def refund(receipt: Receipt) -> None:
    if receipt.budget is None or receipt.charge is None:
        return
    if isinstance(receipt.budget, LocalBudget):  # a dictionary: no thread hop needed
        receipt.budget.refund(receipt.charge)
    else:
        await asyncio.to_thread(receipt.budget.refund, receipt.charge)


@asynccontextmanager
async def charged(state: ServerState, caller: Caller, chars: int) -> AsyncIterator[Receipt]:
    """Charge for the work done inside the block, refunding it when the server turns out to be
    overloaded, stopping, faulty or too slow."""
    receipt = await charge(state, caller, chars)
    async with refunded_on_failure(receipt):
        yield receipt


@asynccontextmanager
async def refunded_on_failure(receipt: Receipt) -> AsyncIterator[None]:
    """Refund ``receipt`` when the block fails on the server's side (see NOT_SERVED)."""
    try:
        yield
    except (Overloaded, BatcherStopped, TooExpensive):
        await refund(receipt)
        raise
    except ApiError as exc:
        if exc.status in NOT_SERVED:
            await refund(receipt)
        raise


async def _spend(budget: Budget, identity: str, chars: int) -> Charge:
    try:
        if isinstance(budget, LocalBudget):
            return budget.spend(identity, chars)
        return await asyncio.to_thread(budget.spend, identity, chars)  # a Redis round trip
    except OverBudget as exc:
        raise BudgetSpent(
            429,
            f"character limit reached for this {_whom(identity)}: {exc.used} of {exc.limit} "
            f"used in this {budget.window_s:g} s window, this request has {chars}",
            {"Retry-After": str(exc.retry_after_s)},
        ) from None
    except BudgetUnavailable as exc:
        message = f"cannot check the character budget: {exc}"
        raise ApiError(503, message, {"Retry-After": str(BUSY_RETRY_S)}) from None


async def usage(state: ServerState, caller: Caller) -> Usage | None:
    """The characters charged to ``caller`` in its current window (shared by every replica
    with Redis), or None when the server has no character budget."""
    budget = state.char_budget
    if budget is None:
        return None
    if isinstance(budget, LocalBudget):
        return budget.usage(caller.identity)
    return await asyncio.to_thread(budget.usage, caller.identity)


def _whom(identity: str) -> str:
    return "API key" if identity.startswith("key:") else "client address"


# -- the timeout guard ------------------------------------------------------------------


class ClientGone(ApiError):
    def __init__(self) -> None:
        super().__init__(CLIENT_CLOSED, "client closed the request")


async def guarded(
    request: Request, work: Awaitable[T], timeout_s: float, limit_s: float | None = None
) -> T:
    """Await ``work`` unless the client disconnects (ClientGone) or ``timeout_s`` runs out
    (504 naming ``limit_s``, the request's whole timeout, of which ``timeout_s`` may be what is
    left). Either way the work is cancelled, which drops its queued segments."""
    return await within(work, timeout_s, limit_s, wait_for_disconnect(request))


async def within(
    work: Awaitable[T],
    timeout_s: float,
    limit_s: float | None = None,
    abandon: Awaitable[None] | None = None,
) -> T:
    """Await ``work`` for at most ``timeout_s`` (then 504), or until ``abandon`` completes
    (then ClientGone); either way ``work`` is cancelled and unwound before this returns."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(abandon) if abandon is not None else None
    try:
        waited = {task} if watcher is None else {task, watcher}
        done, _ = await asyncio.wait(waited, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return outcome(task)
        if watcher is not None and watcher in done:
            raise ClientGone()
        limit = timeout_s if limit_s is None else limit_s
        raise ApiError(504, f"translation did not finish within {limit:g} s")
    finally:
        if watcher is not None:
            watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # let it unwind (drop its segments) before we go on


def outcome(task: asyncio.Future[T]) -> T:
    """The work's result. A model failure becomes a 500 answered like any refusal (an error
    that escaped to the server would also cost the client its keep-alive connection)."""
    try:
        return task.result()
    except (ApiError, Overloaded, BatcherStopped, TooExpensive):
        raise
    except Exception as exc:
        log.error("translation failed", exc_info=exc)
        raise ApiError(500, "internal error: the translation failed; see the server log") from exc


async def wait_for_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
