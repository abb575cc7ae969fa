"""Helpers for tests: a Backend stand-in whose "model" is a Python function, and shortcuts for
driving a real backend with plain texts.

The stand-in is a real :class:`models.backend.Backend` as far as the engine, the batcher and the
pipeline are concerned (token ids in, :class:`ModelOutput` out); only the model is replaced by
``respond(masked_text) -> output``, so tests can make it misbehave deterministically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    ) -> None:
        self.respond = respond
        self.max_input_tokens = max_input_tokens
        self.count = count
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
            outputs.append(ModelOutput(text, len(text.split()), others))
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
