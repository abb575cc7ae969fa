"""Acceptance: confidence ranks spoiled translations below clean ones.

A stand-in model (tests/standins.py ``CorruptingBackend``: a real Backend whose outputs and
scores the test chooses) spoils a random subset of the segments of real news sentences the way
models go wrong — a dropped placeholder, a loop, Thai left untranslated, or a low score of its
own — and the whole workflow (pipeline, engine, flags, confidence) runs as in production.
"""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval.calibration import roc_auc
from eval.testsets import load_testset
from service.engine import Engine
from service.pipeline import DocumentResult, SegmentResult
from service.text.protect import PLACEHOLDER
from service.workflow import translate_documents
from tests.standins import CORRUPTIONS, CorruptingBackend

CLEAN_SCORES = st.floats(-1.5, -0.01)  # what the model thinks of an output it got right
LOW_SCORES = st.floats(-8.0, -2.0)  # ... and of one it was unsure of


@cache
def news_lines() -> tuple[str, ...]:
    """NTREX-128 lines, those with English terms first (so segments carry placeholders)."""
    sources = load_testset(["ntrex"], limit=200).sources or []
    latin = [s for s in sources if any("a" <= c.lower() <= "z" for c in s)]
    return tuple(latin[:18] + [s for s in sources if s not in latin][:6])


@cache
def news_segments() -> tuple[str, ...]:
    """The distinct masked segments the pipeline makes of the lines (what the model sees)."""
    results = translate_documents(Engine(CorruptingBackend({}, {})), list(news_lines()))
    return tuple(dict.fromkeys(s.masked for s in _segments(results) if s.confidence is not None))


def _segments(results: list[DocumentResult]) -> list[SegmentResult]:
    return [s for r in results for p in r.paragraphs for s in p.segments]


@st.composite
def spoiled(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, float]]:
    """A random non-empty proper subset of the segments, each spoiled one way, and the model's
    score for every segment."""
    segments = news_segments()
    chosen = draw(st.sets(st.sampled_from(segments), min_size=1, max_size=len(segments) - 1))
    corrupt = {}
    for masked in chosen:
        kinds = CORRUPTIONS if PLACEHOLDER.search(masked) else CORRUPTIONS[1:]
        corrupt[masked] = draw(st.sampled_from(kinds))
    scores = {
        m: draw(LOW_SCORES if corrupt.get(m) == "low_score" else CLEAN_SCORES) for m in segments
    }
    return corrupt, scores


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoiled())
def test_confidence_ranks_the_spoiled_segments_below_the_clean_ones(
    case: tuple[dict[str, str], dict[str, float]],
) -> None:
    corrupt, scores = case
    results = translate_documents(Engine(CorruptingBackend(corrupt, scores)), list(news_lines()))
    rated = [s for s in _segments(results) if s.confidence is not None]
    clean = [s.confidence for s in rated if s.masked not in corrupt]
    bad = [s.confidence for s in rated if s.masked in corrupt]
    assert clean and bad
    auc = roc_auc([*clean, *bad], [True] * len(clean) + [False] * len(bad))
    assert auc is not None and auc >= 0.9
    # The flag-raising corruptions are caught whatever the model thought of them: every clean
    # output outranks every flagged one (the model scored both from the same range).
    for segment in rated:
        kind = corrupt.get(segment.masked)
        assert bool(segment.flags) == (kind in ("drop_placeholder", "repeat", "leave_thai"))
    flagged = [s.confidence for s in rated if s.flags]
    assert not flagged or min(clean) > max(flagged)


def test_the_stand_in_spoils_each_way_with_its_flag() -> None:
    """Each corruption raises the flag a real model's mistake would (and clean ones none)."""
    segments = news_segments()
    with_placeholder = next(m for m in segments if PLACEHOLDER.search(m))
    others = [m for m in segments if m != with_placeholder]
    corrupt = {
        with_placeholder: "drop_placeholder",
        others[0]: "repeat",
        others[1]: "leave_thai",
        others[2]: "low_score",
    }
    backend = CorruptingBackend(corrupt, {others[2]: -5.0})
    results = translate_documents(Engine(backend), list(news_lines()))
    by_masked = {s.masked: s for s in _segments(results)}
    assert "placeholder_dropped" in by_masked[with_placeholder].flags
    assert "repetition_trimmed" in by_masked[others[0]].flags
    assert "thai_left" in by_masked[others[1]].flags
    low = by_masked[others[2]]
    assert low.flags == () and low.confidence is not None and low.confidence < 0.51
    assert all(not s.flags for m, s in by_masked.items() if m not in corrupt)
