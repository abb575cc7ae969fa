"""Produce one scored result per system: translate a test set through the service pipeline, or
read hypotheses someone else produced.

Sentence mode sends every test line as a one-line document through the one translation
workflow, :func:`service.workflow.translate_documents` (one engine call; the engine batches).
Article mode joins ``article_size`` consecutive lines into a paragraph and translates each
paragraph as an article line. The pipeline re-segments a paragraph with its own sentence
splitter, so its output cannot be mapped back to test lines; article mode is therefore scored
per paragraph (references of a group joined by a space), next to the same model's
sentence-by-sentence output joined the same way — an apples-to-apples answer to "does the
article pipeline cost BLEU?".

``compare_raw`` adds the same model with the pipeline off: each test line goes to the model as
it is (no normalisation, no sentence splitting, no protected spans, no repetition guard; split
only where a line exceeds the model's token budget, which it cannot take whole), so the report
shows what the pipeline costs or gains on the same lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.calibration import Calibration, calibrate
from eval.metrics import CorpusScores, score_corpus
from eval.testsets import TestSet, TestSetError, group_spans, join_groups, read_lines
from models.backend import DecodeOptions, encode_segments
from service import defaults
from service.text.confidence import aggregate_confidence
from service.text.flags import FlagSummary, summarize_flags

if TYPE_CHECKING:
    from models.backend import ModelOutput, Segment
    from service.engine import Engine
    from service.settings import Settings

MODES = ("sentence", "article")
TOKEN_UNIT = "whitespace"  # how target tokens are counted for tokens/s


@dataclass(frozen=True)
class EvalConfig:
    backend: str = "torch"
    device: str = "auto"
    dtype: str = "auto"
    threads: int = 0
    beam: int = 1
    mode: str = "sentence"
    article_size: int = 4  # sentences per paragraph in article mode
    batch_size: int = defaults.MAX_BATCH_SIZE
    batch_tokens: int = defaults.MAX_BATCH_TOKENS
    max_output_tokens: int | None = None  # None = DecodeOptions' default
    progress: bool = True
    # Off by default: scores and speed then always come from the model, not from an earlier run.
    cache: bool = False
    compare_raw: bool = False  # also the same model with the pipeline off (see the docstring)

    def decode_options(self) -> DecodeOptions:
        """Deterministic decoding (greedy or beam search, never sampling)."""
        if self.max_output_tokens is None:
            return DecodeOptions(beam_size=self.beam)
        return DecodeOptions(beam_size=self.beam, max_output_tokens=self.max_output_tokens)


@dataclass(frozen=True)
class Throughput:
    seconds: float  # wall time of the pipeline call: preparation, model, assembly
    sentences: int  # test lines translated
    target_tokens: int  # whitespace tokens in the hypotheses
    model_calls: int
    segments: int  # segments the model translated (after the pipeline's splitting and de-dup)

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.target_tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class SystemResult:
    name: str
    mode: str  # "sentence", "article", "sentence (joined)" (article comparison) or "hypotheses"
    model_id: str | None  # None for hypotheses read from a file
    backend: str | None
    beam: int | None
    device: str | None
    decode: dict[str, Any] | None  # every decoding setting; None for hypotheses read from a file
    hypotheses: list[str]  # at the scoring granularity (sentences, or paragraphs in article mode)
    scores: CorpusScores
    throughput: Throughput | None  # None for hypotheses read from a file
    flags: FlagSummary | None = None  # segment flags (service.text.flags); None for files
    # One confidence per scored unit (None where the model translated nothing); None for files.
    confidences: list[float | None] | None = None
    calibration: Calibration | None = None  # how confidence ranks sentence chrF++


@dataclass(frozen=True)
class Granularity:
    """How lines are scored: per test line, or per paragraph of ``size`` lines (article mode)."""

    spans: list[range] | None  # None = per test line

    @classmethod
    def for_mode(cls, mode: str, lines: int, article_size: int) -> Granularity:
        return cls(group_spans(lines, article_size) if mode == "article" else None)

    def apply(self, lines: Sequence[str]) -> list[str]:
        return list(lines) if self.spans is None else join_groups(lines, self.spans)

    def joined(self, run: _Run, sources: Sequence[str], mode: str) -> _Run:
        """A per-test-line run at this granularity: paragraphs join their lines' hypotheses,
        and their confidence is the lines' mean weighted by source length."""
        if self.spans is None:
            return replace(run, mode=mode)
        confidences = [
            aggregate_confidence((run.confidences[i], len(sources[i])) for i in span)
            for span in self.spans
        ]
        return replace(
            run, mode=mode, hypotheses=self.apply(run.hypotheses), confidences=confidences
        )

    def describe(self, article_size: int) -> str:
        if self.spans is None:
            return "sentence (one score line per test line)"
        return f"paragraph ({len(self.spans)} paragraphs of up to {article_size} test lines)"


def eval_settings(model: str, config: EvalConfig) -> Settings:
    """The service's settings for ``model`` as ``config`` runs it, with the translation cache
    only when ``config.cache`` (so that by default every segment is computed); the engine is
    :func:`service.engine.load_engine` of these."""
    from service.settings import Settings

    return Settings.load(
        model=model,
        backend=config.backend,
        device=config.device,
        dtype=config.dtype,
        threads=config.threads,
        max_batch_size=config.batch_size,
        max_batch_tokens=config.batch_tokens,
        cache=config.cache,
    )


@dataclass(frozen=True)
class _Run:
    """One way of translating the test lines: per-line hypotheses and confidences."""

    mode: str
    hypotheses: list[str]  # one per test line (or per paragraph for the article run)
    throughput: Throughput
    flags: FlagSummary | None
    confidences: list[float | None]  # aligned with ``hypotheses``


def evaluate_model(
    name: str, engine: Engine, testset: TestSet, config: EvalConfig
) -> list[SystemResult]:
    """Sentence mode: one result. Article mode: the article result and the joined sentence one.
    ``compare_raw`` adds the raw model's result after them."""
    if testset.sources is None:
        raise TestSetError("translating needs source lines; the test set has none")
    sources = testset.sources
    grain = Granularity.for_mode(config.mode, len(sources), config.article_size)
    decode = config.decode_options()
    _warm_up(engine, sources, decode)
    sentence = _translate(engine, sources, decode, config, f"{name} sentences")
    runs = [grain.joined(sentence, sources, "sentence")]
    if config.mode == "article":  # the article run first, then the sentence run it compares to
        paragraphs = grain.apply(sources)
        article = _translate(engine, paragraphs, decode, config, f"{name} articles", "article")
        article = replace(article, throughput=_with_sentences(article.throughput, len(sources)))
        runs = [article, grain.joined(sentence, sources, "sentence (joined)")]
    if config.compare_raw:
        raw = _translate_raw(engine, sources, decode, config, f"{name} raw")
        runs.append(grain.joined(raw, sources, "raw" if grain.spans is None else "raw (joined)"))
    refs, srcs = grain.apply(testset.references), grain.apply(sources)
    return [_system(name, run, engine, config, decode, refs, srcs, len(runs)) for run in runs]


def _system(
    name: str,
    run: _Run,
    engine: Engine,
    config: EvalConfig,
    decode: DecodeOptions,
    refs: list[str],
    srcs: list[str],
    runs: int,
) -> SystemResult:
    """One run scored: corpus metrics and calibration."""
    label = {"sentence": "pipeline"}.get(run.mode, run.mode.split()[0])
    backend = engine.backend
    return SystemResult(
        name=name if runs == 1 else f"{name} [{label}]",
        mode=run.mode,
        model_id=backend.model_id,
        backend=backend.name,
        beam=config.beam,
        device=config.device,
        decode=asdict(decode),
        hypotheses=run.hypotheses,
        scores=score_corpus(run.hypotheses, refs, srcs),
        throughput=run.throughput,
        flags=run.flags,
        confidences=run.confidences,
        calibration=calibrate(run.confidences, run.hypotheses, refs),
    )


def score_hypotheses_file(
    name: str, path: Path, testset: TestSet, config: EvalConfig
) -> SystemResult:
    """Score an external system's output: one hypothesis per test line, no model."""
    hyps = read_lines(path)
    if len(hyps) != testset.total_lines:
        raise TestSetError(
            f"line counts differ: {path} has {len(hyps)}, "
            f"{testset.reference_path} has {testset.total_lines}"
        )
    hyps = hyps[: len(testset)]  # the same --limit as the references
    grain = Granularity.for_mode(config.mode, len(hyps), config.article_size)
    sources = grain.apply(testset.sources) if testset.sources is not None else None
    return SystemResult(
        name=name,
        mode="hypotheses",
        model_id=None,
        backend=None,
        beam=None,
        device=None,
        decode=None,
        hypotheses=grain.apply(hyps),
        scores=score_corpus(grain.apply(hyps), grain.apply(testset.references), sources),
        throughput=None,
    )


def _translate(
    engine: Engine,
    texts: Sequence[str],
    decode: DecodeOptions,
    config: EvalConfig,
    label: str,
    mode: str = "sentence",
) -> _Run:
    """The texts through the one workflow (the pipeline), each as a one-line document."""
    from service.pipeline import TranslateOptions
    from service.text.normalize import has_thai
    from service.workflow import translate_documents

    calls, segments = engine.stats.model_calls, engine.stats.segments
    options = TranslateOptions(decode=decode)
    start = time.perf_counter()
    with _progress(label, config) as bar:

        def run(todo: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
            bar.total = len(todo)
            return engine.run(todo, options, on_batch=bar.update)

        results = translate_documents(engine, texts, options, run=run)
    seconds = time.perf_counter() - start
    # A one-line document comes back as one line; flatten defensively so files stay aligned.
    hyps = [" ".join(r.text.split("\n")) for r in results]
    made = [s for r in results for p in r.paragraphs for s in p.segments if has_thai(s.masked)]
    flags = summarize_flags([s.flags for s in made])  # segments the model translated
    throughput = _throughput(engine, seconds, texts, hyps, calls, segments)
    return _Run(mode, hyps, throughput, flags, [r.confidence for r in results])


def _translate_raw(
    engine: Engine, lines: Sequence[str], decode: DecodeOptions, config: EvalConfig, label: str
) -> _Run:
    """The same model with the pipeline off: each line to the model as it is (see the module
    docstring); the translation cache only with ``config.cache``."""
    from service.text.budget import split_to_budget
    from service.text.confidence import segment_confidence

    calls, segments = engine.stats.model_calls, engine.stats.segments
    start = time.perf_counter()

    def count(texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in engine.backend.encode(texts)]

    pieces = [
        split_to_budget(line.strip(), count, engine.backend.max_input_tokens) for line in lines
    ]
    unique = list(dict.fromkeys(p for line in pieces for p in line))
    done = engine.outputs.lookup(unique, decode)
    todo = encode_segments(engine.backend, [p for p in unique if p not in done])
    with _progress(label, config) as bar:
        bar.total = len(todo)
        fresh = dict(zip((s.text for s in todo), engine.run(todo, decode, bar.update), strict=True))
    engine.outputs.remember(fresh, decode)
    done.update(fresh)
    seconds = time.perf_counter() - start
    hyps = [" ".join(done[p].text.strip() for p in line) for line in pieces]
    confidences = [
        aggregate_confidence((segment_confidence(done[p].score, ()), len(p)) for p in line)
        for line in pieces
    ]
    throughput = _throughput(engine, seconds, lines, hyps, calls, segments)
    return _Run("raw", hyps, throughput, None, confidences)


def _progress(label: str, config: EvalConfig) -> Any:
    from tqdm import tqdm

    return tqdm(desc=label, unit="seg", file=sys.stderr, disable=not config.progress)


def _throughput(
    engine: Engine,
    seconds: float,
    texts: Sequence[str],
    hyps: Sequence[str],
    calls: int,
    segments: int,
) -> Throughput:
    """This run's figures: ``calls`` and ``segments`` are the engine's counters before it."""
    return Throughput(
        seconds=seconds,
        sentences=len(texts),
        target_tokens=sum(len(h.split()) for h in hyps),
        model_calls=engine.stats.model_calls - calls,
        segments=engine.stats.segments - segments,
    )


def _with_sentences(run: Throughput, sentences: int) -> Throughput:
    """Article throughput counts test lines (sentences), not paragraphs, so rows compare."""
    return Throughput(run.seconds, sentences, run.target_tokens, run.model_calls, run.segments)


def _warm_up(engine: Engine, sources: Sequence[str], decode: DecodeOptions) -> None:
    """One untimed call so that lazy initialisation does not count against throughput."""
    from service.pipeline import TranslateOptions
    from service.workflow import translate_documents

    first = next((s for s in sources if s.strip()), None)
    if first is not None:
        translate_documents(engine, [first], TranslateOptions(decode=decode))
