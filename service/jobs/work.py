"""One job's translation: the upload opened by its format, its texts through the one workflow
as background work (a chunk at a time, behind interactive requests), the file rebuilt.

Nothing here touches the job store: the runner (:mod:`service.jobs.runner`) reads the upload,
passes a :class:`~service.workflow.Tally` for progress, and writes the result.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.formats.base import (
    DocumentLimits,
    FormatError,
    FormatOptions,
    LimitError,
)
from service.formats.opening import OpenedFile, open_bytes
from service.formats.registry import media_type_for_path
from service.jobs.errors import BadDocument, DocumentTooLarge
from service.jobs.records import JobRequest
from service.pipeline import DocumentResult, TranslateOptions
from service.review import REVIEW_COUNT, least_confident
from service.workflow import Chunking, Tally, translate_documents_background, translate_extracted

if TYPE_CHECKING:
    from service.batching import Batcher
    from service.engine import Engine

DEFAULT_JSONL_FIELDS = ("text",)
TARGET_CODE = "en"


def open_document(request: JobRequest, data: bytes, limits: DocumentLimits) -> OpenedFile:
    """The upload opened as its format: BadDocument (one line) when it cannot be read,
    DocumentTooLarge over a document limit."""
    options = FormatOptions(
        fields=request.fields or DEFAULT_JSONL_FIELDS,
        columns=request.columns,
        overwrite_targets=request.overwrite_targets,
        limits=limits,
    )
    name = request.filename or "the file"
    try:
        return open_bytes(request.format_name, data, options)
    except LimitError as exc:
        raise DocumentTooLarge(f"{name}: {exc}") from None
    except (FormatError, ValueError) as exc:
        raise BadDocument(f"cannot read {name} as {request.format_name}: {exc}") from None


def result_name(request: JobRequest, opened: OpenedFile) -> str:
    return opened.output_name(request.filename, TARGET_CODE)


def media_type(name: str) -> str:
    return media_type_for_path(name)


@dataclass(frozen=True)
class JobOutput:
    data: bytes  # the whole translated file
    flags: dict[str, int]  # segments flagged, by flag (service/text/flags.py)
    # The segments to check first (service/review.py), least confident first, as JSON.
    least_confident: list[dict[str, Any]]


async def translate_document(
    engine: Engine,
    batcher: Batcher,
    opened: OpenedFile,
    options: TranslateOptions,
    tally: Tally,
    chunking: Chunking,
) -> JobOutput:
    """The document's texts in two rounds through the workflow, then the file rebuilt."""

    async def run(texts: list[str]) -> tuple[list[DocumentResult], int]:
        return await translate_documents_background(
            engine, batcher, texts, options, tally, chunking
        )

    try:
        done = await translate_extracted([opened.extracted], run)
    except FormatError as exc:
        raise BadDocument(f"cannot rebuild the file as {opened.format_name}: {exc}") from None
    flags = count_flags(done.results[0] + done.fallbacks[0])
    review = [item.to_dict() for item in least_confident(done.results[0], REVIEW_COUNT)]
    return JobOutput(done.texts[0], flags, review)


def count_flags(results: list[DocumentResult]) -> dict[str, int]:
    counts = Counter(
        flag
        for result in results
        for paragraph in result.paragraphs
        for segment in paragraph.segments
        for flag in segment.flags
    )
    return dict(sorted(counts.items()))
