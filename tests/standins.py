"""Helpers for tests: a Backend stand-in whose "model" is a Python function, and shortcuts for
driving a real backend with plain texts.

The stand-in is a real :class:`models.backend.Backend` as far as the engine, the batcher and the
pipeline are concerned (token ids in, :class:`ModelOutput` out); only the model is replaced by
``respond(masked_text) -> output``, so tests can make it misbehave deterministically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from models.backend import Backend, DecodeOptions, ModelOutput, check_budget


def default_count(text: str) -> int:
    """A token count that grows with the text (words and characters)."""
    return len(text.split()) + len(text) // 8 + 2


class StandInBackend:
    """Ids are opaque: the first one names the text, the rest pad it to ``count(text)``."""

    name = "standin"
    model_id = "standin"
    revision = "0"
    family = "marian"
    precision = "none"

    def __init__(
        self,
        respond: Callable[[str], str] = lambda text: text,
        max_input_tokens: int = 64,
        count: Callable[[str], int] = default_count,
        score: Callable[[str], float | None] = lambda text: None,
    ) -> None:
        self.respond = respond
        self.max_input_tokens = max_input_tokens
        self.count = count
        self.score = score  # the model's mean token log-prob for its output to a text
        self.encoded: list[str] = []  # every text encoded, in order (repeats included)
        self._ids: dict[str, int] = {}
        self._texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        self.encoded += texts
        return [[self._id(t)] + [0] * (max(1, self.count(t)) - 1) for t in texts]

    def translate_batch(
        self, inputs: Sequence[Sequence[int]], options: DecodeOptions
    ) -> list[ModelOutput]:
        check_budget(inputs, self.max_input_tokens)
        outputs = []
        for ids in inputs:
            text = self.respond(self._texts[ids[0]])
            # n-best: distinct hypotheses, as a beam search returns them
            others = tuple(f"alt{k} {text}" for k in range(1, 1 + options.alternatives))
            score = self.score(self._texts[ids[0]]) if options.scores else None
            outputs.append(ModelOutput(text, len(text.split()), others, score))
        return outputs

    def _id(self, text: str) -> int:
        if text not in self._ids:
            self._ids[text] = len(self._texts)
            self._texts.append(text)
        return self._ids[text]


def translate_texts(backend: Backend, texts: Sequence[str], options: DecodeOptions) -> list[str]:
    """A real backend driven with plain texts: encode, then one translate_batch call."""
    return [o.text for o in backend.translate_batch(backend.encode(texts), options)]


def token_lengths(backend: Backend, texts: Sequence[str]) -> list[int]:
    return [len(ids) for ids in backend.encode(texts)]


def translate_html(html: str, translate: Callable[[list[str]], list[str]]) -> str:
    """An HTML document or fragment through the HTML format with ``translate`` (a batch of texts
    with PUA markers → their translations), both rounds (see ``Extracted.fallback_texts``)."""
    from service.formats.html import HtmlFormat
    from service.formats.rounds import translation_rounds_sync

    extracted = HtmlFormat().extract(html)
    rounds = translation_rounds_sync([extracted], translate)
    return extracted.rebuild(rounds.first[0], rounds.fallbacks[0])


def rebuild_files(
    extracted: Sequence[Any], translate: Callable[[list[str]], list[str]]
) -> list[Any]:
    """Extracted files through both format rounds with ``translate``, each rebuilt."""
    from service.formats.rounds import translation_rounds_sync

    rounds = translation_rounds_sync(extracted, translate)
    return [
        e.rebuild(first, fallbacks)
        for e, first, fallbacks in zip(extracted, rounds.first, rounds.fallbacks, strict=True)
    ]


class PlaceholderDroppingBackend:
    """A real backend whose outputs lose every placeholder (so HTML inline markers are lost and
    the pipeline has to put the spans back together on its own)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def translate_batch(self, *args: Any, **kwargs: Any) -> list[ModelOutput]:
        from service.text.protect import TOLERANT_PLACEHOLDER

        outputs = self._inner.translate_batch(*args, **kwargs)
        return [replace(o, text=TOLERANT_PLACEHOLDER.sub("", o.text)) for o in outputs]


# Distinct English words for CorruptingBackend's clean outputs (a cycle far longer than the
# repetition guard's 40-character unit, so a clean output never looks like a loop).
WORDS = [
    "market",
    "report",
    "shows",
    "steady",
    "growth",
    "across",
    "several",
    "regional",
    "sectors",
    "while",
    "government",
    "officials",
    "expect",
    "further",
    "investment",
    "from",
    "foreign",
    "partners",
    "during",
    "the",
    "coming",
    "quarter",
    "although",
    "some",
    "analysts",
    "remain",
    "cautious",
    "about",
    "exports",
    "prices",
    "wages",
    "and",
    "local",
    "demand",
]
CORRUPTIONS = ("drop_placeholder", "repeat", "leave_thai", "low_score")


class CorruptingBackend(StandInBackend):
    """A model with a known good output for every segment, which spoils the segments named in
    ``corrupt`` (masked text → one of CORRUPTIONS) the way a real model goes wrong.

    Clean output: each Thai run of the masked text becomes distinct English words of about its
    length, placeholders kept in place (no flag can fire). Corruptions: ``drop_placeholder``
    loses every placeholder; ``repeat`` ends in a loop ("again again ..."); ``leave_thai`` keeps
    a Thai run untranslated; ``low_score`` is the clean text with the low score the test gives
    it. ``scores`` is the model's mean token log-prob per masked text (``default_score``
    otherwise), so a test decides what the model "thought" of each output."""

    def __init__(
        self,
        corrupt: Mapping[str, str],
        scores: Mapping[str, float],
        default_score: float = -0.3,
    ) -> None:
        super().__init__(self._respond, max_input_tokens=512)
        self.corrupt = dict(corrupt)
        self.score = lambda text: scores.get(text, default_score)

    def _respond(self, masked: str) -> str:
        import regex

        from service.text.protect import TOLERANT_PLACEHOLDER

        words = iter(WORDS * 20)

        def english(run: regex.Match[str]) -> str:
            out: list[str] = []
            while sum(len(w) + 1 for w in out) < len(run.group()):
                out.append(next(words))
            return " ".join(out)

        clean = regex.sub(r"\p{Thai}+", english, masked)
        kind = self.corrupt.get(masked)
        if kind == "drop_placeholder":
            return " ".join(TOLERANT_PLACEHOLDER.sub(" ", clean).split())
        if kind == "repeat":
            return clean + " again" * 8
        if kind == "leave_thai":
            return clean + " " + regex.findall(r"\p{Thai}+", masked)[0]
        return clean
