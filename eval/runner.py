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
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.metrics import CorpusScores, score_corpus
from eval.testsets import TestSet, TestSetError, group_spans, join_groups, read_lines
from models.backend import DecodeOptions
from service import defaults
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


@dataclass(frozen=True)
class Granularity:
    """How lines are scored: per test line, or per paragraph of ``size`` lines (article mode)."""

    spans: list[range] | None  # None = per test line

    @classmethod
    def for_mode(cls, mode: str, lines: int, article_size: int) -> Granularity:
        return cls(group_spans(lines, article_size) if mode == "article" else None)

    def apply(self, lines: Sequence[str]) -> list[str]:
        return list(lines) if self.spans is None else join_groups(lines, self.spans)

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


def evaluate_model(
    name: str, engine: Engine, testset: TestSet, config: EvalConfig
) -> list[SystemResult]:
    """Sentence mode: one result. Article mode: the article result and the joined sentence one."""
    if testset.sources is None:
        raise TestSetError("translating needs source lines; the test set has none")
    sources = testset.sources
    grain = Granularity.for_mode(config.mode, len(sources), config.article_size)
    decode = config.decode_options()
    _warm_up(engine, sources, decode)
    sentence_hyps, sentence_run, sentence_flags = _translate(
        engine, sources, decode, config, f"{name} sentences"
    )
    runs = [("sentence", grain.apply(sentence_hyps), sentence_run, sentence_flags)]
    if config.mode == "article":  # the article run first, then the sentence run it compares to
        paragraphs = grain.apply(sources)
        article_hyps, article_run, article_flags = _translate(
            engine, paragraphs, decode, config, f"{name} articles"
        )
        article_run = _with_sentences(article_run, len(sources))
        runs = [
            ("article", article_hyps, article_run, article_flags),
            ("sentence (joined)", *runs[0][1:]),
        ]
    refs, srcs = grain.apply(testset.references), grain.apply(sources)
    backend = engine.backend
    return [
        SystemResult(
            name=name if config.mode == "sentence" else f"{name} [{mode.split()[0]}]",
            mode=mode,
            model_id=backend.model_id,
            backend=backend.name,
            beam=config.beam,
            device=config.device,
            decode=asdict(decode),
            hypotheses=hyps,
            scores=score_corpus(hyps, refs, srcs),
            throughput=run,
            flags=flags,
        )
        for mode, hyps, run, flags in runs
    ]


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
    engine: Engine, texts: Sequence[str], decode: DecodeOptions, config: EvalConfig, label: str
) -> tuple[list[str], Throughput, FlagSummary]:
    from tqdm import tqdm

    from service.pipeline import TranslateOptions
    from service.text.normalize import has_thai
    from service.workflow import translate_documents

    calls, segments = engine.stats.model_calls, engine.stats.segments
    options = TranslateOptions(decode=decode)
    start = time.perf_counter()
    with tqdm(desc=label, unit="seg", file=sys.stderr, disable=not config.progress) as bar:

        def run(todo: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
            bar.total = len(todo)
            return engine.run(todo, options, on_batch=bar.update)

        results = translate_documents(engine, texts, options, run=run)
    seconds = time.perf_counter() - start
    # A one-line document comes back as one line; flatten defensively so files stay aligned.
    hyps = [" ".join(r.text.split("\n")) for r in results]
    made = [s for r in results for p in r.paragraphs for s in p.segments if has_thai(s.masked)]
    flags = summarize_flags([s.flags for s in made])  # segments the model translated
    throughput = Throughput(
        seconds=seconds,
        sentences=len(texts),
        target_tokens=sum(len(h.split()) for h in hyps),
        model_calls=engine.stats.model_calls - calls,
        segments=engine.stats.segments - segments,
    )
    return hyps, throughput, flags


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
