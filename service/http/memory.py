"""Giving memory back to the operating system after large requests.

glibc keeps what a program frees in its heaps, one arena per allocating thread (up to eight per
core): after a large request (thousands of segments prepared in worker threads, large batches
through the model) the freed memory stays in the process, and its RSS stays near the peak.
Two remedies, for glibc only (elsewhere both do nothing):

- ``limit_malloc_arenas()``: at most two arenas (what ``MALLOC_ARENA_MAX=2`` does), so freed
  memory is reused instead of spread over a heap per thread. It must run before threads start:
  ``thaimt serve`` calls it first thing.
- ``MemoryTrim``: after a request whose body was large, ``malloc_trim(0)`` in a worker thread,
  at most once per ``min_interval_s``: it hands the free pages of every arena back.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

M_ARENA_MAX = -8  # glibc's mallopt parameter
TRIM_AFTER_BYTES = 100_000  # a request this large (about 30,000 Thai characters) is followed
TRIM_EVERY_S = 2.0  # by a trim, at most this often


@functools.cache
def glibc() -> Any | None:
    """The C library, if it is glibc (has ``malloc_trim``); None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = 2) -> None:
    libc = glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


def trim_now() -> bool:
    """Return free heap memory to the OS; whether any was."""
    libc = glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


class Trimmer:
    """Runs ``trim_now`` in a worker thread when asked, at most once per ``min_interval_s``
    (a request made meanwhile is served by one trim at the end of the interval)."""

    def __init__(self, min_interval_s: float = TRIM_EVERY_S) -> None:
        self.min_interval_s = min_interval_s
        self._last = float("-inf")
        self._scheduled = False
        self.trims = 0

    def request(self) -> None:
        if glibc() is None or self._scheduled:
            return
        self._scheduled = True
        delay = max(0.0, self._last + self.min_interval_s - time.monotonic())
        asyncio.get_running_loop().call_later(delay, self._start)

    def _start(self) -> None:
        self._scheduled = False
        self._last = time.monotonic()
        self.trims += 1
        asyncio.get_running_loop().run_in_executor(None, trim_now)


class MemoryTrim:
    """ASGI middleware: a trim after each request whose body had ``trim_after_bytes`` or more
    (when its response is done and its memory freed)."""

    def __init__(self, app: ASGIApp, trim_after_bytes: int = TRIM_AFTER_BYTES) -> None:
        self.app = app
        self.trim_after_bytes = trim_after_bytes
        self.trimmer = Trimmer()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = 0

        async def counting() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            return message

        try:
            await self.app(scope, counting, send)
        finally:
            if size >= self.trim_after_bytes:
                self.trimmer.request()
