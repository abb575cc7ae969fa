"""Counting a dependency's faults without letting them flood the log or fail a request.

A cache or a budget store that fails turns the failure into a miss (or a fallback) and records
it here: one counter per kind of fault (for ``/metrics``), one log line per kind at most every
``log_every_s`` (not one per request), and a "degraded" flag while faults are recent (for
``/ready``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

LOG_EVERY_S = 300.0  # a kind of fault that keeps happening is logged again this often
DEGRADED_FOR_S = 60.0  # a component is reported degraded this long after its last fault


class FaultTracker:
    """Faults of one component (``"cache"``, ``"key budget"``), by kind."""

    def __init__(
        self,
        component: str,
        logger: logging.Logger,
        *,
        log_every_s: float = LOG_EVERY_S,
        degraded_for_s: float = DEGRADED_FOR_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.component = component
        self._log = logger
        self._log_every_s = log_every_s
        self._degraded_for_s = degraded_for_s
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._logged_at: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}
        self._last_fault: float | None = None

    def record(self, kind: str, error: BaseException | str, consequence: str) -> None:
        """Count a fault of ``kind``; log it if this kind was not logged recently.
        ``consequence`` says what the service does instead ("served as a miss")."""
        now = self._clock()
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._last_fault = now
            last = self._logged_at.get(kind)
            if last is not None and now - last < self._log_every_s:
                self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
                return
            self._logged_at[kind] = now
            hidden = self._unlogged.pop(kind, 0)
        since = f" ({hidden} more since the last message)" if hidden else ""
        self._log.warning(
            "%s error (%s): %s; %s. Further %s errors are counted, not logged, for %g s%s",
            self.component, kind, error, consequence, kind, self._log_every_s, since,
        )  # fmt: skip

    def count(self, kind: str) -> None:
        """Count a fault that the caller reports in its own words (no log line here)."""
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._last_fault = self._clock()

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def degraded(self) -> bool:
        """Whether a fault happened within the last ``degraded_for_s`` seconds."""
        with self._lock:
            last = self._last_fault
        return last is not None and self._clock() - last < self._degraded_for_s
