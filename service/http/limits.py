"""Request admission: API keys and the per-key character budget (body size: ``body.py``).

Keys travel the same way on every route: ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``,
and on the LibreTranslate routes also as their ``api_key`` parameter. The character budget
charges the API key when keys are configured, otherwise the client's address (an IPv6 client
by its /64 network, since one host commonly has a whole /64), as uvicorn resolves it from
``X-Forwarded-For`` sent by ``THAIMT_TRUSTED_PROXIES`` only; made-up or missing keys cannot
escape it.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.requests import Request

from service.batching import BatcherStopped, Overloaded, TooExpensive
from service.http.errors import ApiError
from service.settings import Settings
from service.state.budgets import Budget, BudgetUnavailable, Charge, LocalBudget, OverBudget

KEY_TRANSPORT = "header X-API-Key or Authorization: Bearer"


def request_api_key(request: Request, params: Mapping[str, Any] | None = None) -> str | None:
    """The key a request carries: ``X-API-Key``, ``Authorization: Bearer``, or (LibreTranslate
    routes, which pass their ``params``) the ``api_key`` parameter. 400 if that is no string."""
    key: Any = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not key and auth[:7].lower() == "bearer ":
        key = auth[7:].strip()
    if not key and params is not None:
        key = params.get("api_key")
        if key is not None and not isinstance(key, str):
            raise ApiError(400, "Invalid request: api_key must be a string")
    return key or None


def check_api_key(
    key: str | None,
    accepted: list[str],
    *,
    missing_status: int = 401,
    transport: str = KEY_TRANSPORT,
) -> None:
    """No keys configured: everyone may call. Otherwise a missing key is ``missing_status``
    (401 on /v1; LibreTranslate answers 403) and a wrong key is 403."""
    if not accepted:
        return
    if not key:
        raise ApiError(missing_status, f"an API key is required ({transport})")
    if not key_is_accepted(key, accepted):
        raise ApiError(403, "Invalid API key")


def key_is_accepted(key: str, accepted: list[str]) -> bool:
    """Constant-time comparison against every accepted key, so neither the response time nor
    an early exit tells how much of a guess was right or which key it was close to."""
    given = key.encode("utf-8")
    matched = False
    for candidate in accepted:
        matched |= hmac.compare_digest(given, candidate.encode("utf-8"))
    return matched


def budget_identity(request: Request, key: str | None, settings: Settings) -> str:
    """Whom the character budget charges: the (already accepted) API key when keys are
    configured, otherwise the client's address; a key given to an open server is ignored."""
    if settings.api_keys and key:
        return f"key:{key}"
    host = request.client.host if request.client else ""
    return f"addr:{client_network(host)}"


def client_network(host: str) -> str:
    """An IPv4 address as is, an IPv6 address as its /64 network, anything else verbatim."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def check_sizes(texts: list[str], max_texts: int, max_chars: int, extra_chars: int = 0) -> int:
    """Refuse requests with too many texts or characters (413); returns the character count.

    ``extra_chars`` are other characters the request makes the server process (glossary and
    do-not-translate terms); they count toward the same limit."""
    if len(texts) > max_texts:
        raise ApiError(413, f"too many texts: {len(texts)}, the limit is {max_texts} per request")
    chars = sum(len(t) for t in texts) + extra_chars
    if chars > max_chars:
        raise ApiError(413, f"too many characters: {chars}, the limit is {max_chars} per request")
    return chars


# Refusals that mean the server did not do the work: the characters are not charged.
NOT_SERVED = (503, 504)


@asynccontextmanager
async def charged(budget: Budget | None, identity: str | None, chars: int) -> AsyncIterator[None]:
    """Charge ``identity``'s budget for the work done inside the block, refunding it when the
    server turns out to be overloaded, stopping or too slow (503, 504). A request larger than
    the whole budget is 413: no wait would let it through."""
    if budget is None or identity is None:
        yield
        return
    window = f"{budget.window_s:g} s"
    if chars > budget.limit:
        raise ApiError(
            413,
            f"this request has {chars} characters, more than the {budget.limit} allowed per "
            f"{window} per {_whom(identity)}; send it in smaller requests",
        )
    charge = await _spend(budget, identity, chars)
    try:
        yield
    except (Overloaded, BatcherStopped, TooExpensive):
        await _refund(budget, charge)
        raise
    except ApiError as exc:
        if exc.status in NOT_SERVED:
            await _refund(budget, charge)
        raise


async def _spend(budget: Budget, identity: str, chars: int) -> Charge:
    try:
        if isinstance(budget, LocalBudget):  # a dictionary: no thread hop needed
            return budget.spend(identity, chars)
        return await asyncio.to_thread(budget.spend, identity, chars)  # a Redis round trip
    except OverBudget as exc:
        raise ApiError(
            429,
            f"character limit reached for this {_whom(identity)}: {exc.used} of {exc.limit} "
            f"used in this {budget.window_s:g} s window, this request has {chars}",
            {"Retry-After": str(exc.retry_after_s)},
        ) from None
    except BudgetUnavailable as exc:
        message = f"cannot check the character budget: {exc}"
        raise ApiError(503, message, {"Retry-After": "5"}) from None


async def _refund(budget: Budget, charge: Charge) -> None:
    if isinstance(budget, LocalBudget):
        budget.refund(charge)
    else:
        await asyncio.to_thread(budget.refund, charge)


def _whom(identity: str) -> str:
    return "API key" if identity.startswith("key:") else "client address"
