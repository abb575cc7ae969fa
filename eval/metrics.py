"""Corpus metrics: sacrebleu BLEU, chrF++ and TER, plus term keeping, invented numbers and
untranslated lines.

Every sacrebleu number travels with its signature so it can be reproduced exactly. The project
metrics check what the service promises beyond BLEU:

- term keeping: English terms and numbers written in the Thai source (names, acronyms, figures)
  that the reference also uses must survive into the translation;
- invented numbers: a hypothesis that writes a number the source does not have (a figure the
  model made up, or a Thai number word it turned into digits) — computed from source and output
  alone, so a system that never saw placeholders (``--compare-raw``) is judged the same way;
- untranslated lines: a hypothesis that still contains Thai script was not (fully) translated.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import regex
from sacrebleu.metrics import BLEU, CHRF, TER

# A Latin-script word or an ASCII number, with inner joiners so that "COVID-19", "3.5", "1,000",
# "don't" and "e-mail" stay one term. Case-sensitive on purpose: "iPhone" → "iphone" is not kept.
TERM_PATTERN = regex.compile(r"[\p{Latin}0-9]+(?:[.,'’\-][\p{Latin}0-9]+)*")
THAI_PATTERN = regex.compile(r"\p{Thai}")
# A number written in digits (any script's digits), with its group and decimal separators.
NUMBER_PATTERN = regex.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class MetricScore:
    """One sacrebleu corpus score and the signature that reproduces it."""

    name: str  # "BLEU", "chrF++" or "TER"
    score: float
    signature: str
    detail: str  # sacrebleu's own one-line summary, e.g. "BLEU = 37.99 83.3/60.0/... (BP = ...)"


@dataclass(frozen=True)
class TermKeeping:
    """Terms (Latin words, numbers) found in both source and reference, and how many were kept."""

    kept: int
    needed: int

    @property
    def share(self) -> float | None:
        """Micro-averaged share in [0, 1]; None when no line had a term to keep."""
        return self.kept / self.needed if self.needed else None


@dataclass(frozen=True)
class Untranslated:
    """Hypotheses that still contain Thai script."""

    count: int
    lines: int
    indices: tuple[int, ...]  # 0-based line numbers, for looking the lines up

    @property
    def share(self) -> float:
        return self.count / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class InventedNumbers:
    """Hypotheses with a number (in digits) that their source line does not contain."""

    count: int  # lines with at least one
    lines: int
    numbers: int  # such numbers in all, counted per line without repeats

    @property
    def share(self) -> float:
        return self.count / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class CorpusScores:
    bleu: MetricScore
    chrf: MetricScore
    ter: MetricScore
    untranslated: Untranslated
    term_keeping: TermKeeping | None  # None when the source text is unknown
    invented_numbers: InventedNumbers | None = None  # None when the source text is unknown


def sacrebleu_metrics() -> dict[str, BLEU | CHRF | TER]:
    """The three metrics with the settings every report uses (sacrebleu defaults, chrF++)."""
    return {"BLEU": BLEU(), "chrF++": CHRF(word_order=2), "TER": TER()}


def sacrebleu_scores(hypotheses: Sequence[str], references: Sequence[str]) -> list[MetricScore]:
    """BLEU, chrF++ and TER of a corpus with one reference per line."""
    _check_aligned(hypotheses, references, "references")
    scores = []
    for name, metric in sacrebleu_metrics().items():
        result = metric.corpus_score(list(hypotheses), [list(references)])
        scores.append(MetricScore(name, result.score, str(metric.get_signature()), str(result)))
    return scores


def term_tokens(text: str) -> Counter[str]:
    """The Latin-script words and ASCII numbers in a text, with their counts."""
    return Counter(TERM_PATTERN.findall(text))


def terms_to_keep(source: str, reference: str) -> Counter[str]:
    """Terms of the source that the reference also uses (count-aware: the smaller count)."""
    return term_tokens(source) & term_tokens(reference)


def term_keeping(
    sources: Sequence[str], references: Sequence[str], hypotheses: Sequence[str]
) -> TermKeeping:
    """Micro-average over the corpus: a term needed n times counts as kept min(n, count in hyp)."""
    _check_aligned(hypotheses, sources, "sources")
    _check_aligned(hypotheses, references, "references")
    kept = needed = 0
    for source, reference, hypothesis in zip(sources, references, hypotheses, strict=True):
        wanted = terms_to_keep(source, reference)
        needed += sum(wanted.values())
        kept += sum((wanted & term_tokens(hypothesis)).values())
    return TermKeeping(kept=kept, needed=needed)


def numbers_in(text: str) -> set[str]:
    """The numbers a text writes in digits, as ASCII digits without group separators, so that
    "1,000", "1000" and Thai "๑๐๐๐" are one number ("3.5" keeps its point)."""
    found = set()
    for match in NUMBER_PATTERN.findall(text):
        ascii_digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in match)
        found.add(regex.sub(r",(?=\d{3}\b)", "", ascii_digits))
    return found


def invented_numbers(sources: Sequence[str], hypotheses: Sequence[str]) -> InventedNumbers:
    """Per line, the hypothesis's numbers that the source does not write (in any digits)."""
    _check_aligned(hypotheses, sources, "sources")
    count = numbers = 0
    for source, hypothesis in zip(sources, hypotheses, strict=True):
        new = numbers_in(hypothesis) - numbers_in(source)
        count += bool(new)
        numbers += len(new)
    return InventedNumbers(count=count, lines=len(hypotheses), numbers=numbers)


def untranslated_lines(hypotheses: Sequence[str]) -> Untranslated:
    indices = tuple(i for i, text in enumerate(hypotheses) if THAI_PATTERN.search(text))
    return Untranslated(count=len(indices), lines=len(hypotheses), indices=indices)


def score_corpus(
    hypotheses: Sequence[str],
    references: Sequence[str],
    sources: Sequence[str] | None = None,
) -> CorpusScores:
    bleu, chrf, ter = sacrebleu_scores(hypotheses, references)
    if sources is None:
        return CorpusScores(bleu, chrf, ter, untranslated_lines(hypotheses), None, None)
    terms = term_keeping(sources, references, hypotheses)
    invented = invented_numbers(sources, hypotheses)
    return CorpusScores(bleu, chrf, ter, untranslated_lines(hypotheses), terms, invented)


def _check_aligned(hypotheses: Sequence[str], other: Sequence[str], what: str) -> None:
    if len(hypotheses) != len(other):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(other)} {what}: lines must align")
