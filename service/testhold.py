"""A gate the test suite can hold a process at, to act on it at a known point (send it a signal,
kill it) instead of racing it. Product code calls :func:`hold_for_tests` at the points the tests
need; with its environment variable unset, as everywhere outside the tests, it costs one lookup.

With ``<ENV>=DIR``, step ``number`` (from 0) of the calling process waits until ``DIR/go-<number>``
or ``DIR/go`` exists, and leaves ``DIR/held-<pid>-<number>`` meanwhile. The wait is a sleep loop,
so Ctrl-C (SIGINT) interrupts it as it would interrupt real work.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def hold_for_tests(env: str, number: int) -> None:
    folder = os.environ.get(env)
    if not folder:
        return
    gates = (Path(folder) / f"go-{number}", Path(folder) / "go")
    if any(gate.exists() for gate in gates):
        return
    (Path(folder) / f"held-{os.getpid()}-{number}").touch()
    while not any(gate.exists() for gate in gates):
        time.sleep(0.05)


async def hold_for_tests_async(env: str, number: int) -> None:
    """:func:`hold_for_tests` for a coroutine: the event loop (and with it the server, its
    signal handling and a cancellation) goes on while it waits."""
    import asyncio

    folder = os.environ.get(env)
    if not folder:
        return
    gates = (Path(folder) / f"go-{number}", Path(folder) / "go")
    if any(gate.exists() for gate in gates):
        return
    (Path(folder) / f"held-{os.getpid()}-{number}").touch()
    while not any(gate.exists() for gate in gates):
        await asyncio.sleep(0.05)
