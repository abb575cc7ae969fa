"""Request admission: API keys and the per-key character budget (body size: ``body.py``)."""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from service.batcher import BatcherStopped, Overloaded
from service.http.errors import ApiError


def check_api_key(key: str | None, accepted: list[str], *, missing_status: int = 401) -> None:
    """No keys configured: everyone may call. Otherwise a missing key is ``missing_status``
    (401 on /v1; LibreTranslate answers 403) and a wrong key is 403."""
    if not accepted:
        return
    if not key:
        raise ApiError(missing_status, "an API key is required (header X-API-Key or api_key)")
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


class CharBudget:
    """Characters each API key may send per fixed one-minute window (429 beyond it)."""

    def __init__(
        self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def spend(self, key: str, chars: int) -> float:
        """Charge ``chars`` to ``key`` (429 when over the limit); returns the window charged,
        for ``refund``."""
        now = self._clock()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, used = now, 0
        if used + chars > self.limit:
            retry = max(1, math.ceil(start + self.window_s - now))
            raise ApiError(
                429,
                f"character limit reached for this API key: {used} of {self.limit} used this "
                f"minute, this request has {chars}",
                {"Retry-After": str(retry)},
            )
        self._windows[key] = (start, used + chars)
        return start

    def refund(self, key: str, chars: int, window: float) -> None:
        """Give back a charge (the work was not done); nothing if that window has ended."""
        start, used = self._windows.get(key, (window, 0))
        if start == window:
            self._windows[key] = (start, max(0, used - chars))


# Refusals that mean the server did not do the work: the characters are not charged.
NOT_SERVED = (503, 504)


@contextmanager
def charged(budget: CharBudget | None, key: str | None, chars: int) -> Iterator[None]:
    """Charge ``key``'s budget for the work done inside the block, refunding it when the server
    turns out to be overloaded, stopping or too slow (503, 504)."""
    if budget is None or key is None:
        yield
        return
    window = budget.spend(key, chars)
    try:
        yield
    except (Overloaded, BatcherStopped):
        budget.refund(key, chars, window)
        raise
    except ApiError as exc:
        if exc.status in NOT_SERVED:
            budget.refund(key, chars, window)
        raise
