"""The batch job: load a chunk of files, translate all their documents in one go, write each
output atomically and record it in the manifest; skip files finished by an earlier run.

Memory is bounded by the chunk (``chunk_chars`` characters of documents), not by the archive.
A per-file problem (undecodable, bad JSON line, a full disk, a symlink in OUTDIR ...) fails that
file with its reason and the run goes on unless ``fail_fast``. Files with nothing to translate
(empty, no format for their extension, a symlink not followed, unchanged since the last run)
are skipped with their reason; neither counts as a failure. Ctrl-C stops between two writes:
outputs on disk are always whole files, and a later run resumes where this one stopped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.files.discover import FileJob, no_format_reason
from service.files.manifest import Manifest, new_record
from service.files.progress import Progress
from service.files.safe_io import (
    TEMP_SUFFIX,
    UnsafePathError,
    read_nofollow,
    remove_stale_temp_files,
    write_file_atomic,
)
from service.files.summary import UNCHANGED, BatchSummary
from service.files.translator import DocumentTranslator
from service.formats.base import FormatError, FormatOptions
from service.formats.opening import OpenedFile, open_bytes
from service.formats.rounds import translation_rounds_sync
from service.pipeline import TranslateOptions
from service.review import REVIEW_COUNT, LeastConfident, ReviewItem, relabel
from service.testhold import hold_for_tests

__all__ = [
    "TEMP_SUFFIX",
    "BatchConfig",
    "BatchError",
    "BatchRunner",
    "BatchSummary",
    "remove_stale_temp_files",
    "write_atomic",
]


class BatchError(Exception):
    """The run cannot start (OUTDIR unusable, manifest a symlink); the message says why."""


@dataclass(frozen=True)
class BatchConfig:
    outdir: Path
    options: TranslateOptions
    format_options: FormatOptions = field(default_factory=FormatOptions)
    chunk_chars: int = 200_000  # documents' characters per engine call
    fail_fast: bool = False
    review: int = REVIEW_COUNT  # least confident segments listed in the summary


@dataclass
class _Loaded:
    job: FileJob
    sha256: str
    options_key: str
    opened: OpenedFile
    characters: int  # of the source file (text formats) or of its texts (binary formats)
    review: list[ReviewItem] = field(default_factory=list)  # its least confident segments


# The tests hold a run before a chunk to interrupt or kill it between two files, provably
# (see service/testhold.py).
TEST_HOLD_ENV = "THAIMT_TEST_BATCH_HOLD"


def options_key(config: BatchConfig, format_name: str) -> str:
    """A hash of every setting besides the model that changes a file's output."""
    options = config.options
    settings = {
        "format": format_name,
        "fields": list(config.format_options.fields) if format_name == "jsonl" else [],
        "columns": list(config.format_options.columns) if format_name in ("csv", "tsv") else [],
        "overwrite": config.format_options.overwrite_targets and format_name in ("po", "xliff"),
        "glossary": sorted(options.glossary.items()),
        "do_not_translate": list(options.do_not_translate),
        "decode": options.decode.cache_key(),
    }
    return hashlib.sha256(json.dumps(settings, ensure_ascii=False).encode()).hexdigest()[:16]


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write ``path`` whole or not at all (a temporary file and a rename), honouring the umask;
    no symlink between ``root`` (default: the file's folder) and the file is followed."""
    root = root if root is not None else path.parent
    root.mkdir(parents=True, exist_ok=True)
    write_file_atomic(root, path.relative_to(root).as_posix(), data)


class BatchRunner:
    def __init__(
        self, translator: DocumentTranslator, config: BatchConfig, progress: Progress | None = None
    ) -> None:
        self.translator = translator
        self.config = config
        self.progress = progress or Progress(quiet=True)
        try:
            self.manifest = Manifest(config.outdir)
        except OSError as exc:
            raise BatchError(f"cannot use the manifest: {_reason(exc)}") from None
        self.summary = BatchSummary()
        self._review = LeastConfident(config.review)

    def run(
        self,
        jobs: list[FileJob],
        skipped: Sequence[tuple[Path, str]] = (),
        started: float | None = None,
    ) -> BatchSummary:
        """Translate ``jobs``; ``skipped`` (files discovery set aside) are counted with their
        reasons; ``started`` (time.monotonic) is when the command began, model loading
        included, so the summary's time is the user's wall time."""
        started = time.monotonic() if started is None else started
        try:
            self.config.outdir.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_files(self.config.outdir)
        except OSError as exc:
            raise BatchError(f"cannot use {self.config.outdir}: {_reason(exc)}") from None
        self.progress.start(len(jobs) + len(skipped))
        for path, reason in skipped:
            self._skip(str(path), reason)
        try:
            for number, chunk in enumerate(self._chunks(jobs)):
                hold_for_tests(TEST_HOLD_ENV, number)
                self._translate_chunk(chunk)
                if self.config.fail_fast and self.summary.failed:
                    break
        except KeyboardInterrupt:
            self.summary.interrupted = True
        finally:
            self.summary.seconds = time.monotonic() - started
            self.summary.segments = self.translator.stats.segments
            self.summary.model_calls = self.translator.stats.model_calls
            self.summary.least_confident = self._review.items()
            self.progress.close()
        return self.summary

    def _skip(self, source: str, reason: str) -> None:
        self.summary.skipped.append(source)
        self.summary.skip_reasons[source] = reason
        self.progress.file_done("skipped")

    def _chunks(self, jobs: list[FileJob]) -> Iterator[list[_Loaded]]:
        chunk: list[_Loaded] = []
        size = 0
        for job in jobs:
            if self.config.fail_fast and self.summary.failed:
                break
            loaded = self._load(job)
            if loaded is None:
                continue
            chunk.append(loaded)
            size += loaded.opened.characters
            if size >= self.config.chunk_chars:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def _load(self, job: FileJob) -> _Loaded | None:
        """The file ready to translate, or None when it was skipped or failed (recorded)."""
        try:
            if job.format_name is None:
                self._skip(str(job.source), no_format_reason(job.source))
                return None
            data = _read(job)
            if not data.strip():
                self._skip(str(job.source), "empty file" if not data else "empty file (blank)")
                return None
            sha256 = hashlib.sha256(data).hexdigest()
            key = options_key(self.config, job.format_name)
            output = job.output_path(self.config.outdir)
            identity = self.translator.identity
            if output.exists() and self.manifest.is_finished(job.output_rel, sha256, identity, key):
                self._skip(str(job.source), UNCHANGED)
                return None
            opened = open_bytes(job.format_name, data, self.config.format_options)
            characters = opened.source_characters or opened.characters
            return _Loaded(job, sha256, key, opened, characters)
        except FormatError as exc:
            self._fail(job, str(exc))
        except OSError as exc:
            self._fail(job, f"cannot read: {_reason(exc)}")
        except Exception as exc:  # a malformed file must not stop a long run
            self._fail(job, f"cannot parse: {type(exc).__name__}: {exc}")
        return None

    def _fail(self, job: FileJob, reason: str) -> None:
        self.summary.failed.append((str(job.source), reason))
        self.progress.file_failed(str(job.source), reason)

    def _translate_chunk(self, chunk: list[_Loaded]) -> None:
        segments_before = self.translator.stats.segments
        try:
            translations, fallbacks = self._translate_rounds(chunk)
        except (RuntimeError, ValueError, OSError) as exc:  # a server or model failure
            if len(chunk) > 1:  # one bad file must not fail the others: retry them one by one
                for loaded in chunk:
                    self._translate_chunk([loaded])
                    if self.config.fail_fast and self.summary.failed:
                        return
                return
            self._fail(chunk[0].job, f"translation failed: {exc}")
            return
        self.progress.add_segments(self.translator.stats.segments - segments_before)
        for loaded, part, extra in zip(chunk, translations, fallbacks, strict=True):
            self._finish(loaded, part, extra)
            if self.config.fail_fast and self.summary.failed:
                return

    def _translate_rounds(self, chunk: list[_Loaded]) -> tuple[list[list[str]], list[list[str]]]:
        """Every document of the chunk in one call, then the fallback texts (HTML elements whose
        markers the model lost) of every file in one more call when there are any. The first
        call's least confident segments are kept with their files (the run's summary)."""
        extracted = [loaded.opened.extracted for loaded in chunk]
        calls = 0

        def translate(texts: list[str]) -> list[str]:
            nonlocal calls
            out = self.translator.translate_documents(texts)
            if calls == 0:
                self._keep_review(chunk)
            calls += 1
            return out

        rounds = translation_rounds_sync(extracted, translate)
        return rounds.first, rounds.fallbacks

    def _keep_review(self, chunk: list[_Loaded]) -> None:
        """Each file's share of the translator's last review list, labelled with the file."""
        per_document = iter(self.translator.last_review)
        for loaded in chunk:
            where = str(loaded.job.source)
            loaded.review = [
                item
                for number in range(len(loaded.opened.extracted.texts))
                for item in relabel(next(per_document, []), where, number)
            ]

    def _finish(self, loaded: _Loaded, translations: list[str], fallbacks: list[str]) -> None:
        job = loaded.job
        try:
            rebuilt = loaded.opened.extracted.rebuild(translations, fallbacks)
        except Exception as exc:  # a malformed file must not stop a long run
            self._fail(job, f"cannot rebuild: {type(exc).__name__}: {exc}")
            return
        try:
            write_file_atomic(self.config.outdir, job.output_rel, rebuilt)
        except OSError as exc:  # a full disk, a symlink planted in OUTDIR, ...
            self._fail(job, f"cannot write output: {_reason(exc)}")
            return
        characters = loaded.characters
        record = new_record(
            job.output_rel,
            str(job.source),
            loaded.sha256,
            self.translator.identity,
            loaded.options_key,
            loaded.opened.encoding or "binary",
            characters,
        )
        try:
            self.manifest.record(record)
        except OSError as exc:  # the output is whole; without its record a re-run redoes it
            self._fail(job, f"cannot record it in the manifest: {_reason(exc)}")
            return
        self.summary.ok.append(str(job.source))
        self._review.add(loaded.review)
        self.summary.characters += characters
        self.progress.file_done("ok")


def _read(job: FileJob) -> bytes:
    """The file's bytes; one found by a walk or glob is opened without following a symlink
    (it was no symlink when found; it must not have become one since)."""
    return read_nofollow(job.source) if job.nofollow else job.source.read_bytes()


def _reason(exc: OSError) -> str:
    """ "No space left on device", "... is a symlink; refusing ...": the message, with the path
    when it helps."""
    message = exc.strerror or str(exc)
    return f"{message}: {exc.filename}" if isinstance(exc, UnsafePathError) else message
