"""Connection hygiene for uvicorn: a header deadline, a connection cap that keeps ``/health``
answering, a file-descriptor budget, and logs that cannot flood.

uvicorn closes idle keep-alive connections, but never a connection that sends its headers
slowly or not at all, and its ``limit_concurrency`` answers every route, ``/health`` too, with
503. So ``thaimt serve`` runs uvicorn's h11 protocol with these additions
(``uvicorn_options(settings)`` gives the ``uvicorn.Config`` arguments):

- A header deadline: a request's headers must be in within ``header_timeout_s`` of the
  connection opening (or of the previous response); then 408 if part of a request came, a plain
  close if nothing did. (The body deadline is ``body.py``'s, in the app.)
- A cap of ``max_connections``. At the cap, a new connection makes room by closing the
  connection idle the longest (nginx reuses idle connections the same way when it runs out).
  When none is idle, it is still accepted, up to a small overflow, and its requests get 503 +
  ``Retry-After`` except ``/health``, ``/ready`` and ``/metrics``; past the overflow it is closed
  at once.
- The cap fits the descriptors the process may open: the soft ``RLIMIT_NOFILE`` is raised to
  the hard one, and the cap and the accept batch (the listen backlog) are sized so ``accept()``
  never fails with EMFILE.
- Repeated log lines (asyncio's "socket.accept() out of system resource", uvicorn's "Invalid
  HTTP request received.", ...) are written once a minute with a count of those dropped.
- A lingering close: a connection closed while its client is still sending a body (a refusal
  answered without reading it all) is half-closed instead, and what the client still sends is
  dropped at the socket for up to the body deadline; then it is closed. Closing at once would
  make the kernel answer the unread bytes with a reset, which destroys the answer before a
  client that sends its whole body first (urllib, requests, httpx) reads it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import resource
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import h11
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from service.http.body import LINGER_S, refuse
from service.settings import Settings

log = logging.getLogger(__name__)

# Answered even at the cap: liveness, readiness and the metrics an operator needs right then.
ALWAYS_ANSWERED = frozenset({"/health", "/ready", "/metrics"})
RESERVED_FDS = 32  # what the process opens while serving: the cache, logs, /proc reads
MAX_BACKLOG = 2048
RETRY_AFTER_S = 1


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float  # for reading (and dropping) the body of a request refused at the cap
    max_body_bytes: int
    max_connections: int
    overflow: int  # connections past the cap, kept to answer /health, /ready or 503
    backlog: int = MAX_BACKLOG


@dataclass(frozen=True)
class FdBudget:
    backlog: int  # the listen backlog, which is also how many connections one wake-up accepts
    max_connections: int
    overflow: int


def fit_connections(requested: int, fd_limit: int, fds_in_use: int) -> FdBudget:
    """The cap, overflow and backlog that fit ``fd_limit`` descriptors.

    asyncio accepts up to ``backlog`` connections per wake-up, and a few wake-ups pass before
    the protocol sees them (and can close one), so four backlogs are kept free."""
    spare = max(0, fd_limit - fds_in_use - RESERVED_FDS)
    backlog = min(MAX_BACKLOG, max(8, spare // 16))
    total = max(2, spare - 4 * backlog)
    overflow = max(1, min(max(8, requested // 8), total // 9))
    cap = max(1, min(requested, total - overflow))
    return FdBudget(backlog, cap, overflow)


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return soft


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 64  # not Linux: a guess


@dataclass(eq=False)
class ConnectionPool:
    """The open connections of one server: those within the cap and the overflow."""

    limits: ConnectionLimits
    regular: set[GuardedH11Protocol] = field(default_factory=set)
    overflow: set[GuardedH11Protocol] = field(default_factory=set)

    def admit(self, conn: GuardedH11Protocol) -> bool:
        """Take in a new connection, closing an idle one to make room; False: close it."""
        if len(self.regular) >= self.limits.max_connections:
            self._evict_idle(self.regular)
        if len(self.regular) < self.limits.max_connections:
            self.regular.add(conn)
            return True
        if len(self.overflow) >= self.limits.overflow:
            self._evict_idle(self.overflow)
        if len(self.overflow) < self.limits.overflow:
            self.overflow.add(conn)
            return True
        return False

    def remove(self, conn: GuardedH11Protocol) -> None:
        if conn in self.regular:
            self.regular.discard(conn)
            if self.overflow:  # the longest waiting (any will do) moves within the cap
                self.regular.add(self.overflow.pop())
        else:
            self.overflow.discard(conn)

    def _evict_idle(self, group: set[GuardedH11Protocol]) -> None:
        idle = [c for c in group if c.idle_since is not None]
        if idle:
            oldest = min(idle, key=lambda c: c.idle_since or 0.0)
            self.remove(oldest)
            oldest.close_idle()
            log.info(
                "connection limit (%d) reached: closed the longest idle connection",
                self.limits.max_connections,
            )


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the header deadline and the connection cap.

    ``protocol_class(limits)`` makes a subclass bound to one server's limits; this class used
    as is (``uvicorn --http service.http.connections:GuardedH11Protocol``) reads THAIMT_*."""

    pool: ClassVar[ConnectionPool | None] = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.connection_pool = self._pool()
        self.idle_since: float | None = None  # None while a request is in progress
        self.header_timer: asyncio.TimerHandle | None = None
        self.lingering = False
        self.served_app = self.app
        self.app = self.admit_request

    @classmethod
    def _pool(cls) -> ConnectionPool:
        if cls.pool is None:
            from_env: dict[str, object] = {}  # every field has a default; THAIMT_* fill them in
            cls.pool = ConnectionPool(configure_process(Settings(**from_env)))  # type: ignore[arg-type]
        return cls.pool

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.raw_transport = transport
        super().connection_made(cast(asyncio.Transport, LingeringTransport(transport, self)))
        self.idle_since = time.monotonic()
        if not self.connection_pool.admit(self):
            log.warning(
                "connection limit (%d) and overflow reached, every connection busy: "
                "closing new connections",
                self.connection_pool.limits.max_connections,
            )
            transport.abort()
            return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.connection_pool.remove(self)
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.lingering:
            return  # a refused client's late bytes, read so that closing does not reset
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        self._track_idle()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track_idle()

    def _track_idle(self) -> None:
        if self.transport.is_closing():  # it no longer counts toward the cap
            self.connection_pool.remove(self)
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            self.idle_since = None  # headers in: from here on the body deadline applies
            self._cancel_header_timer()
        elif self.idle_since is None:  # a response done, waiting for the next request
            self.idle_since = time.monotonic()
            self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        timeout_s = self.connection_pool.limits.header_timeout_s
        self.header_timer = self.loop.call_later(timeout_s, self._header_deadline)

    def _cancel_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _header_deadline(self) -> None:
        self.header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        partial, _ = self.conn.trailing_data
        if not partial:
            self.transport.close()  # an idle connection: nothing to answer
            return
        timeout_s = self.connection_pool.limits.header_timeout_s
        log.info("closed a connection whose request headers took over %g s (408)", timeout_s)
        message = f"the request headers did not arrive within {timeout_s:g} s"
        self.transport.write(raw_response(408, "Request Timeout", message))
        self.linger()

    def linger(self, seconds: float = LINGER_S) -> None:
        """Half-close: the answer is sent, late bytes are still read (and dropped) for
        ``seconds``, or until the client closes its side."""
        raw = self.raw_transport
        if raw.is_closing():
            return
        self.lingering = True
        self._cancel_header_timer()
        if raw.can_write_eof():
            raw.write_eof()
        raw.resume_reading()  # uvicorn may have paused reading a body it had no room for
        self.loop.call_later(seconds, raw.close)

    def client_sending(self) -> bool:
        """Whether the client may still be sending the body of its request."""
        return self.conn.their_state is h11.SEND_BODY

    def close_idle(self) -> None:
        self._cancel_header_timer()
        self.idle_since = None
        self.transport.close()

    async def admit_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, unless this connection is over the cap (503, but /health and /ready)."""
        pool = self.connection_pool
        if self not in pool.overflow or scope.get("path") in ALWAYS_ANSWERED:
            await self.served_app(scope, receive, send)
            return
        limits = pool.limits
        log.warning(
            "connection limit (%d) reached, every connection busy: answered 503 (%s)",
            limits.max_connections,
            scope.get("path"),
        )
        message = f"the server is at its connection limit ({limits.max_connections}); retry"
        retry = {"Retry-After": str(RETRY_AFTER_S)}
        await refuse(
            receive,
            send,
            503,
            message,
            limits.max_body_bytes,
            limits.body_timeout_s,
            retry,
            path=scope.get("path", ""),
        )


class LingeringTransport:
    """The connection's transport as the protocol sees it, except that ``close()`` while the
    client is still sending a body lingers (see the module doc) instead."""

    def __init__(self, transport: asyncio.Transport, protocol: GuardedH11Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._closing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self._closing or self._transport.is_closing()

    def close(self) -> None:
        if self._closing or self._transport.is_closing():
            self._transport.close()
            return
        self._closing = True
        if self._protocol.client_sending():
            limits = self._protocol.connection_pool.limits
            self._protocol.linger(max(LINGER_S, limits.body_timeout_s))
        else:
            self._transport.close()


def raw_response(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP/1.1 response with ``{"error": message}``, for answers outside h11's flow."""
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


def protocol_class(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """A protocol class with its own pool: one per server (tests run several per process)."""
    return type("ThaimtH11Protocol", (GuardedH11Protocol,), {"pool": ConnectionPool(limits)})


def configure_process(settings: Settings) -> ConnectionLimits:
    """Raise the descriptor limit, fit the cap into it, keep logs from flooding."""
    install_log_rate_limit()
    fd_limit = raise_fd_limit()
    budget = fit_connections(settings.max_connections, fd_limit, open_fds())
    if budget.max_connections < settings.max_connections:
        log.warning(
            "THAIMT_MAX_CONNECTIONS lowered from %d to %d: this process may open %d files "
            "(ulimit -n)",
            settings.max_connections,
            budget.max_connections,
            fd_limit,
        )
    return ConnectionLimits(
        header_timeout_s=settings.header_timeout_s,
        body_timeout_s=settings.body_timeout_s,
        max_body_bytes=settings.max_body_bytes,
        max_connections=budget.max_connections,
        overflow=budget.overflow,
        backlog=budget.backlog,
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """``uvicorn.Config`` keyword arguments for connection hygiene (see the module doc)."""
    limits = configure_process(settings)
    return {
        "http": protocol_class(limits),
        "timeout_keep_alive": settings.keep_alive_s,
        "backlog": limits.backlog,
        "limit_concurrency": None,  # the protocol's cap, which keeps /health answering
    }


NOISY_LOGGERS = ("asyncio", "uvicorn.error", __name__, "service.http.errors")


def install_log_rate_limit(interval_s: float = 60.0) -> None:
    """At most one line per kind of message per ``interval_s`` on the loggers that a flood of
    connections or bad requests can make noisy (idempotent)."""
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimitFilter) for f in logger.filters):
            logger.addFilter(RateLimitFilter(interval_s))


_VARYING = re.compile(r"0x[0-9a-fA-F]+|\d+")


class RateLimitFilter(logging.Filter):
    """Passes the first record of each kind per ``interval_s``, then the next one after the
    interval with the number of those dropped meanwhile. A kind is the logger, the level and
    the message's first line with its numbers (ports, addresses, times) taken out."""

    def __init__(
        self,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 256,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self.max_kinds = max_kinds
        self._kinds: OrderedDict[tuple[str, int, str], list[float]] = OrderedDict()

    def filter(self, record: logging.LogRecord) -> bool:
        first_line = str(record.msg).split("\n", 1)[0]
        kind = (record.name, record.levelno, _VARYING.sub("#", first_line))
        now = self.clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.interval_s:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            dropped = int(seen[1])
            record.msg = f"{record.msg} ({dropped} more like this in {self.interval_s:g} s)"
        self._kinds[kind] = [now, 0]
        self._kinds.move_to_end(kind)
        while len(self._kinds) > self.max_kinds:
            self._kinds.popitem(last=False)
        return True
