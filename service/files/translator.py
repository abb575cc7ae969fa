"""Document translators for the batch runner: in-process (the engine) or a running server.

Both take whole documents (plain text, possibly with PUA inline markers) and return their
translations, so the runner does not care where the model runs. The in-process one prepares every
document with the article pipeline, sends all masked segments of a chunk of files to the engine in
one call (the engine batches and de-duplicates them), and keeps a run-level memory of finished
segments so boilerplate repeated across chunks is translated once per run. ``--ray``'s translator
(:mod:`service.files.ray_translator`) is the in-process one with the model calls on Ray actors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from service.pipeline import TranslateOptions
from service.review import ReviewItem, least_confident
from service.text.normalize import has_thai
from service.workflow import translate_documents

if TYPE_CHECKING:
    from models.backend import DecodeOptions, ModelOutput, Segment
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
    # Per document of the last translate_documents call: its least confident segments (at most
    # REVIEW_COUNT, least first; empty where unknown), for the run's summary.
    last_review: list[list[ReviewItem]]

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
        self._memory: dict[str, ModelOutput] = {}  # masked segment -> model output, this run
        self._memory_limit = memory_limit
        self.last_review: list[list[ReviewItem]] = []

    def translate_documents(self, texts: Sequence[str]) -> list[str]:
        results = translate_documents(self.engine, texts, self.options, run=self._run)
        self.stats.documents += len(texts)
        self.stats.characters += sum(len(t) for t in texts)
        self.stats.segments += sum(
            1 for r in results for p in r.paragraphs for seg in p.segments if has_thai(seg.masked)
        )
        self.last_review = [least_confident([r]) for r in results]
        return [result.text for result in results]

    def _run(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """The engine, for the segments not seen earlier in this run (one call for all)."""
        known = {s.text: self._memory[s.text] for s in segments if s.text in self._memory}
        todo = [s for s in segments if s.text not in known]
        if todo:
            fresh = dict(zip((s.text for s in todo), self._model(todo, options), strict=True))
            if len(self._memory) + len(fresh) > self._memory_limit:
                self._memory.clear()  # bounds memory on huge archives; outputs are unaffected
            self._memory.update(fresh)
            known.update(fresh)
        return [known[s.text] for s in segments]

    def _model(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        """The engine, in its own batches (another translator may run them elsewhere)."""
        calls, sent = self.engine.stats.model_calls, self.engine.stats.segments
        outputs = self.engine.run(segments, options)
        self.stats.model_calls += self.engine.stats.model_calls - calls
        self.stats.model_segments += self.engine.stats.segments - sent
        return outputs
