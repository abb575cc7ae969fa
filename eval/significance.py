"""Paired significance between systems scored on the same lines, with sacrebleu's own tests.

sacrebleu compares every system with one baseline (``sacrebleu -t ... --paired-bs``); a report
here wants every pair (pipeline against raw, model A against model B, each against an external
system), so each system in turn is the baseline of the systems listed after it: n systems take
n − 1 :class:`sacrebleu.significance.PairedTest` runs and give n(n − 1)/2 p-values per metric.
The p-value is sacrebleu's: the chance, under the test's null hypothesis that the two systems are
equally good, of a difference at least as large as the one observed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.significance import PairedTest, Result

from eval.metrics import sacrebleu_metrics

TESTS = {"bs": "paired bootstrap resampling", "ar": "approximate randomisation"}


@dataclass(frozen=True)
class PairedComparison:
    """One metric, one pair: ``system`` against ``baseline`` (listed earlier in the report)."""

    baseline: str
    system: str
    metric: str  # "BLEU", "chrF++" or "TER"
    baseline_score: float
    system_score: float
    p_value: float

    @property
    def delta(self) -> float:
        return self.system_score - self.baseline_score


@dataclass(frozen=True)
class Significance:
    test: str  # "bs" or "ar"
    samples: int  # bootstrap resamples or randomisation trials
    seed: str  # sacrebleu's RNG seed (SACREBLEU_SEED, 12345 by default)
    signatures: dict[str, str]  # metric → sacrebleu signature, with the test's settings
    pairs: list[PairedComparison]


def paired_significance(
    systems: Sequence[tuple[str, Sequence[str]]],
    references: Sequence[str],
    test: str = "bs",
    samples: int = 0,
) -> Significance:
    """p-values for every pair of ``systems`` (name, hypotheses), on BLEU, chrF++ and TER with
    the report's settings. ``samples`` 0 takes sacrebleu's default (1000 resamples for ``bs``,
    10000 trials for ``ar``)."""
    if test not in TESTS:
        raise ValueError(f"unknown paired test {test!r}; use one of {', '.join(TESTS)}")
    if len(systems) < 2:
        raise ValueError("a paired test needs at least two systems")
    names = list(sacrebleu_metrics())
    pairs: list[PairedComparison] = []
    signatures: dict[str, str] = {}
    runs = 0
    for first in range(len(systems) - 1):
        group: list[tuple[str, Sequence[str]]] = [(n, list(h)) for n, h in systems[first:]]
        paired = PairedTest(
            group,
            sacrebleu_metrics(),
            references=[list(references)],
            test_type=test,
            n_samples=samples,
        )
        runs = paired.n_samples
        sigs, scores = paired()
        columns = [key for key in scores if key != "System"]  # sacrebleu's metric names
        for ours, theirs in zip(names, columns, strict=True):
            signatures[ours] = str(sigs[theirs])
            base, *others = (_result(r) for r in scores[theirs])
            for name, result in zip(scores["System"][1:], others, strict=True):
                p_value = 1.0 if result.p_value is None else float(result.p_value)
                pairs.append(
                    PairedComparison(
                        str(scores["System"][0]), str(name), ours, base.score, result.score, p_value
                    )
                )
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    return Significance(test, runs, seed, signatures, pairs)


def _result(value: object) -> Result:
    if not isinstance(value, Result):
        raise TypeError(f"sacrebleu returned {value!r} where a test result was expected")
    return value
