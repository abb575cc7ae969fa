"""The open-loop mix: Poisson schedules, articles, and the mean segments per request."""

from __future__ import annotations

import itertools
import random

import pytest

from bench.inputs import (
    MIX_WEIGHTS,
    MixRequest,
    RequestPool,
    make_articles,
    saturating_stream,
    schedule,
)


def pool() -> RequestPool:
    return RequestPool(
        {
            "sentence": [MixRequest("sentence", "/v1/translate", {"text": "a"}, 1)],
            "libre": [MixRequest("libre", "/translate", {"q": "b"}, 2)],
            "article": [
                MixRequest("article", "/v1/translate", {"text": "c"}, 10),
                MixRequest("article", "/v1/translate", {"text": "d"}, 20),
            ],
        }
    )


def test_segments_per_request_weights_each_kind() -> None:
    expected = 0.7 * 1 + 0.2 * 2 + 0.1 * 15
    assert pool().segments_per_request() == pytest.approx(expected)


def test_schedule_is_a_poisson_process_within_the_window() -> None:
    arrivals = schedule(pool(), rate_rps=50.0, seconds=20.0, rng=random.Random(1))
    times = [t for t, _ in arrivals]
    assert times == sorted(times) and times[0] > 0 and times[-1] < 20.0
    assert 800 < len(arrivals) < 1200  # 1000 expected; the bounds are > 6 standard deviations
    kinds = [r.kind for _, r in arrivals]
    for kind, weight in MIX_WEIGHTS.items():
        assert abs(kinds.count(kind) / len(kinds) - weight) < 0.06
    articles = [r.body["text"] for _, r in arrivals if r.kind == "article"]
    assert articles[:4] == ["c", "d", "c", "d"]  # taken in turn from the pool


def test_schedule_is_reproducible_from_its_seed() -> None:
    first = schedule(pool(), 5.0, 10.0, random.Random(7))
    assert first == schedule(pool(), 5.0, 10.0, random.Random(7))
    assert first != schedule(pool(), 5.0, 10.0, random.Random(8))


def test_articles_have_3_to_10_paragraphs_of_consecutive_sentences() -> None:
    sentences = [f"s{i}" for i in range(50)]
    for article in make_articles(sentences, 30, random.Random(0)):
        paragraphs = article.split("\n")
        assert 3 <= len(paragraphs) <= 10
        words = [w for p in paragraphs for w in p.split(" ")]
        assert all(1 <= len(p.split(" ")) <= 4 for p in paragraphs)
        numbers = [int(w[1:]) for w in words]
        assert all((b - a) % 50 == 1 for a, b in itertools.pairwise(numbers))


def test_saturating_stream_draws_the_mix() -> None:
    stream = saturating_stream(pool(), random.Random(0), 100)
    assert len(stream) == 100 and {r.kind for r in stream} == set(MIX_WEIGHTS)
