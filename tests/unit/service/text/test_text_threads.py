"""Module-level state on the request path is safe to share between threads (issue 12,
point 11): the term-table memo of ``protect`` is read, filled and evicted from many threads at
once without KeyError or RuntimeError, and every thread gets its own glossary's spans.

The race needs a thread switch between two dictionary operations of the eviction. Making that
path hot (a new glossary object on every call, so every call builds a table and evicts one) and
asking the interpreter to switch threads as often as it can makes it show up in every run on the
old code, without any timing assumption: the test only counts failures.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from service.text.protect import _term_tables, find_spans

THREADS = 16
CALLS = 5000
DISTINCT = 64  # glossaries, much more than the memo holds, so it evicts all the time


@pytest.fixture()
def frequent_thread_switches() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def hammer(worker: int, barrier: threading.Barrier, errors: list[str]) -> None:
    barrier.wait()
    for call in range(CALLS):
        k = (worker * 7 + call) % DISTINCT
        glossary = {f"คำ{k}": f"word{k}"}  # a new object: a miss, a build and an eviction
        try:
            find_spans("", glossary)
            if call % 50 == 0:
                spans = find_spans(f"มี คำ{k} ที่นี่", glossary)
                assert [s.output for s in spans] == [f"word{k}"], spans
        except Exception as exc:  # KeyError / RuntimeError on the old memo
            errors.append(repr(exc))


@pytest.mark.usefixtures("frequent_thread_switches")
def test_term_table_memo_survives_many_threads_evicting_at_once() -> None:
    errors: list[str] = []
    barrier = threading.Barrier(THREADS)
    threads = [threading.Thread(target=hammer, args=(n, barrier, errors)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, (len(errors), errors[:3])
    assert len(_term_tables) <= _term_tables.size


def test_a_reused_glossary_keeps_its_table() -> None:
    glossary = {"กวิน": "Kawin"}
    first = find_spans("กวิน ไป", glossary)
    for k in range(_term_tables.size - 1):  # others come and go, this one stays used
        find_spans("", {f"คำ{k}": "x"})
        assert find_spans("กวิน ไป", glossary) == first
    glossary["ไป"] = "go"  # mutated: rebuilt, never served stale
    assert [s.output for s in find_spans("กวิน ไป", glossary)] == ["Kawin", "go"]
