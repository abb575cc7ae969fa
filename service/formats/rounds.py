"""The two translation rounds of formatted files, written once.

Round one translates every extracted text of every file in one ``translate`` call. The format
then names the texts it wants translated on their own after seeing those translations (HTML: an
inline element whose markers the model lost; usually none), and round two translates all of them
in one more call (none when there are none). :func:`translation_rounds` is the one orchestration
(async: the server awaits its shared batcher); :func:`translation_rounds_sync` runs it for the
batch runner's plain function. Rebuilding each file from its rounds is the caller's step
(``Extracted.rebuild``), so that a file that cannot be put back fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from service.formats.base import Extracted, fallback_asks, split_by

R = TypeVar("R")  # what a translation of one text is: a string, or the workflow's result
T = TypeVar("T")

# Moves a blocking step (a format's fallback search parses markup) off the event loop.
Offload = Callable[..., Awaitable[Any]]


@dataclass
class Rounds(Generic[R]):
    """Per file: the translations of its texts, and of its fallback texts (usually none)."""

    first: list[list[R]]
    fallbacks: list[list[R]]


async def translation_rounds(
    extracted: Sequence[Extracted],
    translate: Callable[[list[str]], Awaitable[list[R]]],
    text_of: Callable[[R], str],
    offload: Offload = asyncio.to_thread,
) -> Rounds[R]:
    """Both rounds for ``extracted`` files; ``text_of`` reads the translated text of a result."""
    first = await _round(translate, [e.texts for e in extracted])
    translations = [[text_of(r) for r in part] for part in first]
    asks = await offload(fallback_asks, extracted, translations)
    return Rounds(first, await _round(translate, asks))


def translation_rounds_sync(
    extracted: Sequence[Extracted], translate: Callable[[list[str]], list[str]]
) -> Rounds[str]:
    """:func:`translation_rounds` with a plain function, run in this thread (no event loop:
    Ctrl-C and errors reach the caller exactly as from a plain call)."""

    async def call(texts: list[str]) -> list[str]:
        return translate(texts)

    return _run_inline(translation_rounds(extracted, call, str, offload=_inline))


async def _round(
    translate: Callable[[list[str]], Awaitable[list[R]]], groups: Sequence[Sequence[str]]
) -> list[list[R]]:
    """One ``translate`` call for every group's texts (none when there are none), split back."""
    flat = [t for group in groups for t in group]
    results = await translate(flat) if flat else []
    return split_by([len(g) for g in groups], results)


async def _inline(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


def _run_inline(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits on anything (every await in it is an
    ``async def`` that returns without suspending)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("an inline coroutine suspended; it needs an event loop")
