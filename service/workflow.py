"""The one translation workflow every front end calls.

    prepare (pipeline) → de-duplicate → memory → cache lookup → model → cache store → assemble

:func:`stage` does the first four steps, :func:`complete` the last two; in between the model
segments are run by the engine (:func:`translate_documents`: ``translate``, ``batch``, ``eval``)
or by the server's shared batcher (:func:`translate_documents_async` for ``/v1/translate`` and
the LibreTranslate routes, :func:`start_stream` / :func:`stream_paragraphs` for
``/v1/translate/stream``; :func:`translate_documents_background` for document jobs, behind
interactive requests and a chunk at a time). Front ends differ only in their I/O;
:func:`translate_formatted` adds a file format (HTML, Markdown, ...) around either way of
running the model.

The translation memory (``options.memory``, a team's on the server) comes first: a segment it
has an approved translation for skips the cache and the model (unless the unit applies only to
some values of the segment's spans; then the machine translation stays the fallback), and
after assembling, close matches are offered beside the machine translations when asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models.backend import DecodeOptions, ModelOutput, Segment
from service.formats.base import FormatError
from service.formats.rounds import translation_rounds
from service.pipeline import (
    DocumentResult,
    ParagraphResult,
    PreparedDocument,
    Remembered,
    TranslateOptions,
    assemble_document,
    assemble_paragraph,
    prepare_documents,
    unique_inputs,
)

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine
    from service.formats.base import Extracted, FileFormat

# How model segments get run between ``stage`` and ``complete``.
Runner = Callable[[Sequence[Segment], DecodeOptions], list[ModelOutput]]


@dataclass
class Staged:
    """A request between preparing and the model: its documents, its distinct model segments,
    the memory's approved translations of some, and the outputs the cache already had."""

    prepared: list[PreparedDocument]
    segments: list[Segment]
    found: dict[str, ModelOutput]
    remembered: dict[str, Remembered] = field(default_factory=dict)

    @property
    def missing(self) -> list[Segment]:
        return [s for s in self.segments if s.text not in self.found and not self.settled(s)]

    def settled(self, segment: Segment) -> bool:
        """Whether the memory answers this segment wherever it occurs."""
        unit = self.remembered.get(segment.text)
        return unit is not None and unit.unconditional

    def outputs(self, requests: Sequence[str]) -> list[ModelOutput | None]:
        return [self.found.get(r) for r in requests]


def stage(engine: Engine, texts: Sequence[str], options: TranslateOptions) -> Staged:
    """Prepare the documents, keep each distinct segment once, ask the memory, and look the
    rest up in the cache."""
    prepared = prepare_documents(texts, options, engine.backend)
    segments = unique_inputs(prepared)
    remembered = dict(options.memory.exact([s.text for s in segments])) if options.memory else {}
    staged = Staged(prepared, segments, {}, remembered)
    asked = [s.text for s in segments if not staged.settled(s)]
    staged.found = engine.outputs.lookup(asked, options.decode)
    return staged


def complete(
    engine: Engine,
    staged: Staged,
    fresh: Mapping[str, ModelOutput],
    options: TranslateOptions,
) -> list[DocumentResult]:
    """Store the model's fresh outputs in the cache and assemble every document (with the
    memory's close matches, when the request asked for them)."""
    engine.outputs.remember(fresh, options.decode)
    return assemble(staged, fresh, options)


def assemble(
    staged: Staged, fresh: Mapping[str, ModelOutput], options: TranslateOptions
) -> list[DocumentResult]:
    """Every document from what the memory, the cache and the model gave (the fresh outputs
    already cached)."""
    outputs = {**staged.found, **fresh}
    results = [assemble_document(doc, outputs, staged.remembered) for doc in staged.prepared]
    if options.memory is not None:
        options.memory.suggest([s for r in results for p in r.paragraphs for s in p.segments])
    return results


def translate_documents(
    engine: Engine,
    texts: Sequence[str],
    options: TranslateOptions | None = None,
    run: Runner | None = None,
) -> list[DocumentResult]:
    """Translate documents in this thread; their segments share the model's batches.
    ``run`` replaces the engine's own batching (a progress bar, a run-level memory, Ray)."""
    options = options or TranslateOptions()
    staged = stage(engine, texts, options)
    missing = staged.missing
    outputs = (run or engine.run)(missing, options.decode) if missing else []
    return complete(engine, staged, _by_text(missing, outputs), options)


def translate_document(
    engine: Engine, text: str, options: TranslateOptions | None = None
) -> DocumentResult:
    return translate_documents(engine, [text], options)[0]


async def translate_documents_async(
    engine: Engine, batcher: Batcher, texts: Sequence[str], options: TranslateOptions
) -> tuple[list[DocumentResult], int]:
    """Translate documents through the shared batcher; returns the results and the number of
    distinct segments. Two thread hops (everything before the model, everything after) keep
    the event loop free while PyThaiNLP works."""
    with batcher.admitted(texts, options.decode) as ticket:  # or refused, before any work
        staged = await asyncio.to_thread(stage, engine, texts, options)
        missing = staged.missing
        outputs = await batcher.translate(missing, options.decode, ticket)
    results = await asyncio.to_thread(complete, engine, staged, _by_text(missing, outputs), options)
    return results, len(staged.segments)


@dataclass
class Tally:
    """A long translation's distinct segments and how many are done (cache hits count as done
    at once); ``changed`` is told after every step."""

    total: int = 0
    done: int = 0
    changed: Callable[[Tally], Awaitable[None]] | None = None

    async def add(self, total: int = 0, done: int = 0) -> None:
        self.total += total
        self.done += done
        if self.changed is not None:
            await self.changed(self)


# Called with a chunk's number before it is queued (a document job's test hold).
BeforeChunk = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Chunking:
    """How a document job feeds the batcher: ``size`` segments at a time, at most ``window``
    chunks queued or running (so the model always has the next one ready)."""

    size: int = 64
    window: int = 2
    before: BeforeChunk | None = None


async def translate_documents_background(
    engine: Engine,
    batcher: Batcher,
    texts: Sequence[str],
    options: TranslateOptions,
    tally: Tally,
    chunking: Chunking | None = None,
) -> tuple[list[DocumentResult], int]:
    """A document job's texts: prepared and looked up in the cache at once (in a thread), then
    the missing segments go to the batcher as background work, a chunk at a time, so that
    interactive requests go first and keep their admission and queue bound; then cached and
    assembled. Fresh outputs are cached chunk by chunk: a job run again (after a restart) finds
    what it had done."""
    chunking = chunking or Chunking()
    staged = await asyncio.to_thread(stage, engine, texts, options)
    missing = staged.missing
    await tally.add(total=len(staged.segments), done=len(staged.segments) - len(missing))
    chunks = [missing[i : i + chunking.size] for i in range(0, len(missing), chunking.size)]
    slots = asyncio.Semaphore(chunking.window)

    async def run(number: int) -> dict[str, ModelOutput]:
        async with slots:
            if chunking.before is not None:
                await chunking.before(number)
            outputs = await batcher.translate(chunks[number], options.decode, background=True)
        fresh = _by_text(chunks[number], outputs)
        await asyncio.to_thread(engine.outputs.remember, fresh, options.decode)
        await tally.add(done=len(fresh))
        return fresh

    async with asyncio.TaskGroup() as group:  # one failure cancels the rest
        tasks = [group.create_task(run(number)) for number in range(len(chunks))]
    fresh = {text: out for task in tasks for text, out in task.result().items()}
    results = await asyncio.to_thread(assemble, staged, fresh, options)  # cached chunk by chunk
    return results, len(staged.segments)


@dataclass
class StreamJob:
    """A request whose missing segments are all queued; paragraphs are read out in order."""

    engine: Engine
    options: TranslateOptions
    staged: Staged
    futures: dict[str, asyncio.Future[ModelOutput]] = field(default_factory=dict)

    def cancel(self) -> None:
        for future in self.futures.values():
            future.cancel()


async def start_stream(
    engine: Engine, batcher: Batcher, texts: Sequence[str], options: TranslateOptions
) -> StreamJob:
    """Prepare and queue every missing segment up front (so they batch together and overload
    is known before the response starts)."""
    with batcher.admitted(texts, options.decode) as ticket:
        staged = await asyncio.to_thread(stage, engine, texts, options)
        missing = staged.missing
        futures = batcher.submit(missing, options.decode, ticket)
    pending = dict(zip((s.text for s in missing), futures, strict=True))
    return StreamJob(engine, options, staged, pending)


async def stream_paragraphs(job: StreamJob) -> AsyncGenerator[tuple[int, int, ParagraphResult]]:
    """Yield ``(text index, paragraph index, result)`` in order, each as soon as it is done;
    fresh outputs go into the cache paragraph by paragraph."""
    try:
        for index, doc in enumerate(job.staged.prepared):
            for number, paragraph in enumerate(doc.paragraphs):
                fresh = {r: await job.futures[r] for r in paragraph.requests if r in job.futures}
                if fresh:
                    await asyncio.to_thread(job.engine.outputs.remember, fresh, job.options.decode)
                    job.staged.found.update(fresh)
                    for request in fresh:
                        del job.futures[request]
                outputs = job.staged.outputs(paragraph.requests)
                result = assemble_paragraph(paragraph, outputs, job.staged.remembered)
                if job.options.memory is not None:
                    await asyncio.to_thread(job.options.memory.suggest, result.segments)
                yield index, number, result
    finally:
        job.cancel()  # drops whatever the client no longer waits for


@dataclass
class Formatted:
    """Translations of texts in a format, with the pipeline's results of their inner texts."""

    texts: list[Any]  # the rebuilt files: text, or bytes for a binary format
    results: list[list[DocumentResult]]  # per input text: one result per extracted document
    segments: int
    # Per input text: the second round (inline elements whose markers the model lost, each
    # translated on its own; usually none).
    fallbacks: list[list[DocumentResult]] = field(default_factory=list)


TranslateTexts = Callable[[list[str]], Awaitable[tuple[list[DocumentResult], int]]]


async def translate_formatted(
    texts: Sequence[str], fmt: FileFormat | None, translate: TranslateTexts
) -> Formatted:
    """Plain texts (``fmt`` None), or texts in a format whose extracted documents are translated
    together by ``translate`` and put back in place."""
    if fmt is None:
        results, segments = await translate(list(texts))
        return Formatted([r.text for r in results], [[r] for r in results], segments)
    extracted = await asyncio.to_thread(_extract_all, fmt, texts)
    return await translate_extracted(extracted, translate)


async def translate_extracted(
    extracted: Sequence[Extracted], translate: TranslateTexts
) -> Formatted:
    """The documents of extracted files, in the format rounds (:mod:`service.formats.rounds`):
    their texts, then the fallback texts the format asks for after seeing the first
    translations; each round is one ``translate`` call. Every file is rebuilt."""
    segments = 0

    async def run(texts: list[str]) -> list[DocumentResult]:
        nonlocal segments
        results, count = await translate(texts)
        segments += count
        return results

    rounds = await translation_rounds(extracted, run, _text_of)
    for e, part in zip(extracted, rounds.first, strict=True):
        e.note_flags([_flags(r) for r in part])  # a format may mark flagged texts for review

    def rebuild() -> list[Any]:
        try:
            return [
                e.rebuild([r.text for r in part], [r.text for r in fallback])
                for e, part, fallback in zip(extracted, rounds.first, rounds.fallbacks, strict=True)
            ]
        except FormatError:
            raise
        except ValueError as exc:  # a file its format cannot put back together
            raise FormatError(str(exc)) from exc

    texts = await asyncio.to_thread(rebuild)
    return Formatted(texts, rounds.first, segments, rounds.fallbacks)


def _text_of(result: DocumentResult) -> str:
    return result.text


def _flags(result: DocumentResult) -> tuple[str, ...]:
    return tuple(f for p in result.paragraphs for s in p.segments for f in s.flags)


def _extract_all(fmt: FileFormat, texts: Sequence[str]) -> list[Extracted]:
    """The documents of each text; a text the format cannot represent is a FormatError."""
    try:
        return [fmt.extract(t) for t in texts]
    except FormatError:
        raise
    except ValueError as exc:  # e.g. more inline tags in one block than marker characters
        raise FormatError(str(exc)) from exc


def _by_text(segments: Sequence[Segment], outputs: Sequence[ModelOutput]) -> dict[str, ModelOutput]:
    if len(outputs) != len(segments):
        raise ValueError(f"expected {len(segments)} model outputs, got {len(outputs)}")
    return {s.text: o for s, o in zip(segments, outputs, strict=True)}
