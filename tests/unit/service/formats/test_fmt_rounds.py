"""The format rounds, written once: async for the server, the same code in this thread for the
batch runner; one call per round for every file together, none for an empty round."""

from __future__ import annotations

import asyncio

import pytest
from fmt_standins import lose_markers, shout

from service.formats.registry import get_format
from service.formats.rounds import translation_rounds, translation_rounds_sync

FILES = ["<p>ผม <b>กวิน</b> ไปโรงเรียน</p>", "<p>ไม่มีแท็ก</p>", '<p>อ่าน <a href="/x">ข่าว</a></p>']


class Model:
    """Loses the inline markers in round one (so HTML asks for a second round), shouts after."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[str]:
        self.calls.append(list(texts))
        return [(lose_markers if len(self.calls) == 1 else shout)(t) for t in texts]


def test_sync_and_async_rounds_are_the_same_calls_and_results() -> None:
    html = get_format("html")
    sync_model, async_model = Model(), Model()
    extracted = [html.extract(f) for f in FILES]
    done = translation_rounds_sync(extracted, sync_model)

    async def call(texts: list[str]) -> list[str]:
        return async_model(texts)

    awaited = asyncio.run(translation_rounds(extracted, call, str))
    assert (done.first, done.fallbacks) == (awaited.first, awaited.fallbacks)
    assert sync_model.calls == async_model.calls and len(sync_model.calls) == 2
    assert [len(f) for f in done.first] == [len(e.texts) for e in extracted]
    assert done.fallbacks[1] == []  # a file without inline elements asks for nothing
    rebuilt = [
        e.rebuild(t, f) for e, t, f in zip(extracted, done.first, done.fallbacks, strict=True)
    ]
    assert all(out.startswith("<p>") for out in rebuilt)


def test_no_fallbacks_means_one_call() -> None:
    model = Model()
    model.calls.append([])  # past round one: the model shouts, keeping every marker
    extracted = [get_format("html").extract(f) for f in FILES]
    done = translation_rounds_sync(extracted, model)
    assert len(model.calls) == 2 and done.fallbacks == [[], [], []]


def test_an_interrupt_reaches_the_caller_as_from_a_plain_call() -> None:
    def interrupted(texts: list[str]) -> list[str]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        translation_rounds_sync([get_format("txt").extract("ข่าว\n")], interrupted)


def test_nothing_to_translate_calls_nothing() -> None:
    model = Model()
    done = translation_rounds_sync([], model)
    assert (done.first, done.fallbacks, model.calls) == ([], [], [])
