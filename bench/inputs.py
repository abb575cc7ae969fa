"""What the bench translates: FLORES-200 Thai devtest sentences, and the open-loop request mix.

The mix is what a newsroom's server sees (the proportions are a choice, recorded in every
report): editors sending one sentence (``/v1/translate``, 70 %), LibreTranslate clients sending
one sentence (``/translate``, 20 %), and the CMS sending whole articles of 3–10 paragraphs of
1–4 consecutive FLORES sentences each (``/v1/translate``, 10 %).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.adapters import model_segments, source_lengths

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions

MIX_WEIGHTS: dict[str, float] = {"sentence": 0.7, "libre": 0.2, "article": 0.1}
ARTICLE_PARAGRAPHS = (3, 10)
PARAGRAPH_SENTENCES = (1, 4)


def bench_sentences(count: int | None = None) -> list[str]:
    """FLORES-200 Thai devtest sentences, in file order (repeated if more are asked for)."""
    from models.corpus import eval_data_dir

    path = eval_data_dir() / "flores200" / "tha_Thai.devtest"
    lines = [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]
    if count is None:
        return lines
    return [lines[i % len(lines)] for i in range(count)]


def single_segment_sentences(
    counter: Backend, options: DecodeOptions, limit: int, tokens: tuple[int, int] = (20, 40)
) -> list[str]:
    """FLORES sentences, in file order, that the pipeline sends to the model as one segment of
    ``tokens[0]``..``tokens[1]`` source tokens.

    Every request (server) and input (engine) then costs about the same model work, so
    throughputs compare across configurations and batches pad alike on both sides.
    """
    chosen: list[str] = []
    for sentence in bench_sentences():
        requests = model_segments([sentence], counter, options)[0]
        if len(requests) == 1 and tokens[0] <= source_lengths(counter, requests)[0] <= tokens[1]:
            chosen.append(sentence)
            if len(chosen) == limit:
                break
    return chosen


@dataclass(frozen=True)
class MixRequest:
    """One request of the open-loop mix: where it goes, what it sends, what it costs."""

    kind: str  # "sentence", "libre" or "article"
    path: str
    body: dict[str, Any]
    segments: int  # distinct model segments the pipeline makes of it


@dataclass
class RequestPool:
    """Requests of each kind, drawn from in turn by ``schedule``."""

    by_kind: dict[str, list[MixRequest]] = field(default_factory=dict)

    def segments_per_request(self) -> float:
        """Mean model segments of one request of the mix (weights applied)."""
        total = 0.0
        for kind, weight in MIX_WEIGHTS.items():
            items = self.by_kind[kind]
            total += weight * sum(r.segments for r in items) / len(items)
        return total / sum(MIX_WEIGHTS.values())


def make_articles(sentences: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """``count`` articles of consecutive sentences: 3–10 paragraphs (one per line) of 1–4
    sentences each, starting at random places in the file."""
    articles = []
    for _ in range(count):
        at = rng.randrange(len(sentences))
        paragraphs = []
        for _ in range(rng.randint(*ARTICLE_PARAGRAPHS)):
            n = rng.randint(*PARAGRAPH_SENTENCES)
            paragraphs.append(" ".join(sentences[(at + i) % len(sentences)] for i in range(n)))
            at += n
        articles.append("\n".join(paragraphs))
    return articles


def request_pool(
    counter: Backend,
    options: DecodeOptions,
    seed: int = 0,
    sentences: int = 120,
    articles: int = 12,
) -> RequestPool:
    """The mix's requests, their segment counts measured with the pipeline itself."""
    rng = random.Random(seed)
    lines = bench_sentences()
    singles = rng.sample(lines, min(sentences, len(lines)))
    texts = make_articles(lines, articles, rng)
    pool = RequestPool()
    counts = [len(set(s)) for s in model_segments(singles + texts, counter, options)]
    split = max(1, len(singles) // 4)  # a quarter of the sentences go to the Libre route
    pool.by_kind["libre"] = [
        MixRequest("libre", "/translate", {"q": t, "source": "th", "target": "en"}, n)
        for t, n in zip(singles[:split], counts[:split], strict=True)
    ]
    pool.by_kind["sentence"] = [
        MixRequest("sentence", "/v1/translate", {"text": t}, n)
        for t, n in zip(singles[split:], counts[split : len(singles)], strict=True)
    ]
    pool.by_kind["article"] = [
        MixRequest("article", "/v1/translate", {"text": t}, n)
        for t, n in zip(texts, counts[len(singles) :], strict=True)
    ]
    return pool


def schedule(
    pool: RequestPool, rate_rps: float, seconds: float, rng: random.Random
) -> list[tuple[float, MixRequest]]:
    """Poisson arrivals at ``rate_rps`` for ``seconds``: (offset in seconds, request), each
    request's kind drawn by ``MIX_WEIGHTS`` and its text taken in turn from the pool."""
    kinds = list(MIX_WEIGHTS)
    weights = [MIX_WEIGHTS[k] for k in kinds]
    turn = dict.fromkeys(kinds, 0)
    arrivals: list[tuple[float, MixRequest]] = []
    t = rng.expovariate(rate_rps)
    while t < seconds:
        kind = rng.choices(kinds, weights)[0]
        items = pool.by_kind[kind]
        arrivals.append((t, items[turn[kind] % len(items)]))
        turn[kind] += 1
        t += rng.expovariate(rate_rps)
    return arrivals


def saturating_stream(pool: RequestPool, rng: random.Random, count: int) -> list[MixRequest]:
    """``count`` requests of the mix in random order, for the closed loop that measures
    capacity (every client sends the next as soon as its answer is in)."""
    kinds = list(MIX_WEIGHTS)
    weights = [MIX_WEIGHTS[k] for k in kinds]
    turn = dict.fromkeys(kinds, 0)
    stream = []
    for kind in rng.choices(kinds, weights, k=count):
        items = pool.by_kind[kind]
        stream.append(items[turn[kind] % len(items)])
        turn[kind] += 1
    return stream
