"""Document translators for the batch runner: in-process (the engine) or a running server.

Both take whole documents (plain text, possibly with PUA inline markers) and return their
translations, so the runner does not care where the model runs. The in-process one prepares every
document with the article pipeline, sends all masked segments of a chunk of files to the engine in
one call (the engine batches and de-duplicates them), and keeps a run-level memory of finished
segments so boilerplate repeated across chunks is translated once per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from service.pipeline import (
    TranslateOptions,
    assemble_documents,
    prepare_documents,
    unique_requests,
)

if TYPE_CHECKING:
    from service.engine import Engine


@dataclass
class TranslatorStats:
    documents: int = 0
    characters: int = 0
    segments: int = 0  # segments the pipeline produced, repeats included
    model_segments: int = 0  # segments that reached the model
    model_calls: int = 0


class DocumentTranslator(Protocol):
    identity: str  # names the model and backend; recorded in the manifest
    stats: TranslatorStats

    def translate_documents(self, texts: Sequence[str]) -> list[str]: ...


class LocalTranslator:
    """The article pipeline and the engine, in this process."""

    def __init__(
        self, engine: Engine, options: TranslateOptions, memory_limit: int = 500_000
    ) -> None:
        self.engine = engine
        self.options = options
        backend = engine.backend
        self.identity = f"{backend.model_id}@{backend.revision} ({backend.name})"
        self.stats = TranslatorStats()
        self._memory: dict[str, str] = {}  # masked segment -> model output, for this run
        self._memory_limit = memory_limit

    def translate_documents(self, texts: Sequence[str]) -> list[str]:
        prepared = prepare_documents(texts, self.options, self.engine)
        known = self._translate_new(unique_requests(prepared))
        self.stats.documents += len(texts)
        self.stats.characters += sum(len(t) for t in texts)
        self.stats.segments += sum(len(doc.requests) for doc in prepared)
        return [result.text for result in assemble_documents(prepared, known)]

    def _translate_new(self, unique: list[str]) -> dict[str, str]:
        """Translations of ``unique``; only segments not seen earlier in this run reach the
        engine, all in one call."""
        known = {r: self._memory[r] for r in unique if r in self._memory}
        todo = [r for r in unique if r not in known]
        if not todo:
            return known
        calls_before, segments_before = self.engine.stats.model_calls, self.engine.stats.segments
        fresh = dict(zip(todo, self.engine.translate(todo, self.options.decode), strict=True))
        self.stats.model_calls += self.engine.stats.model_calls - calls_before
        self.stats.model_segments += self.engine.stats.segments - segments_before
        if len(self._memory) + len(fresh) > self._memory_limit:
            self._memory.clear()  # bounds memory on huge archives; outputs are unaffected
        self._memory.update(fresh)
        known.update(fresh)
        return known
