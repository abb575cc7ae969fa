"""Segment flags: each flag from a hand-made model output, and the length range from the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.text.flags import (
    FLAG_NAMES,
    FLAG_REASONS,
    INVENTED_NUMBER,
    LENGTH_RATIO,
    LENGTH_RATIO_MIN_SOURCE,
    LENGTH_RATIO_RANGE,
    PLACEHOLDER_DROPPED,
    PLACEHOLDER_MANGLED,
    REPETITION_TRIMMED,
    THAI_LEFT,
    FinishedSegment,
    finish_output,
    summarize_flags,
)
from service.text.protect import protect

FLORES = Path(__file__).resolve().parents[4] / "eval" / "data" / "flores200"
TATOEBA = FLORES.parent / "tatoeba"

# ZX0 = "Alibaba", ZX1 = "2567" in this masked sentence.
SOURCE = "บริษัท Alibaba ประกาศผลประกอบการปี 2567 วันนี้"


def flags_of(raw: str, source: str = SOURCE) -> tuple[str, ...]:
    masked, span_map = protect(source)
    assert masked.count("ZX") == len(span_map)
    return finish_output(source, span_map, raw).flags


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The company ZX0 announced its results for ZX1 today.", ()),
        ("The company zx 0 announced its results for Z X1 today.", ()),  # tolerated forms
        ("The company announced its results for ZX1 today.", (PLACEHOLDER_DROPPED,)),
        ("ZX0 ZX0 announced its results for ZX1 today.", (PLACEHOLDER_MANGLED,)),
        ("ZX0 announced its results for ZX1 ZX7 today.", (PLACEHOLDER_MANGLED,)),
        ("ZX0 announced 3 results for ZX1 today.", (INVENTED_NUMBER,)),
        ("ZX0 announced results for ZX1, or 2567 today.", ()),  # the span's own digits
        ("ZX0 announced ๓ results for ZX1 today.", (INVENTED_NUMBER, THAI_LEFT)),
        ("ZX0 announced its ประกาศ results for ZX1 today.", (THAI_LEFT,)),
        ("ZX0 said ZX1 " + "very " * 8 + "good.", (REPETITION_TRIMMED,)),
        ("ZX0 ZX1.", (LENGTH_RATIO,)),
        ("ZX0 ZX1 " + "and then a great deal more was said about it " * 3, (LENGTH_RATIO,)),
        ("results 12", (PLACEHOLDER_DROPPED, INVENTED_NUMBER)),
    ],
)
def test_flag_table(raw: str, expected: tuple[str, ...]) -> None:
    assert flags_of(raw) == expected


def test_repetition_is_trimmed_and_flagged() -> None:
    _, span_map = protect(SOURCE)
    done = finish_output(SOURCE, span_map, "ZX0 said ZX1 " + "very " * 8 + "good.")
    assert done.text == "Alibaba said 2567 very good."
    assert done.flags == (REPETITION_TRIMMED,)


def test_segments_the_model_never_saw_carry_no_flag() -> None:
    source = "กทม. กทม. กทม. กทม. กทม."
    masked, span_map = protect(source, glossary={"กทม.": "Bangkok"})
    done = finish_output(source, span_map, masked, modelled=False)
    assert done == FinishedSegment("Bangkok Bangkok Bangkok Bangkok Bangkok", ())


def test_short_sources_are_not_judged_by_length() -> None:
    source = "ครับ"
    assert len(source) < LENGTH_RATIO_MIN_SOURCE
    assert flags_of("Yes, sir, certainly, as you wish.", source) == ()


def test_glossary_outputs_count_as_input_length() -> None:
    """A long glossary target is not an over-long translation."""
    source = "กทม. ประกาศ มาตรการ ใหม่ สำหรับ ทุกคน"
    expansion = "Bangkok Metropolitan Administration of the Kingdom of Thailand"
    masked, span_map = protect(source, glossary={"กทม.": expansion})
    assert masked.startswith("ZX0")
    done = finish_output(source, span_map, "ZX0 announced new measures for everyone.")
    assert done.flags == ()
    assert len(done.text) / len(source) > LENGTH_RATIO_RANGE[1]  # the raw ratio would flag


def test_every_flag_has_a_reason_and_counts_start_at_zero() -> None:
    assert set(FLAG_REASONS) == set(FLAG_NAMES)
    summary = summarize_flags([(THAI_LEFT,), (), (THAI_LEFT, LENGTH_RATIO), ()])
    assert summary.by_flag == {**dict.fromkeys(FLAG_NAMES, 0), THAI_LEFT: 2, LENGTH_RATIO: 1}
    assert (summary.segments, summary.flagged, summary.share) == (4, 2, 0.5)


def _ratios(folder: Path, thai: str, english: str, min_chars: int = 1) -> np.ndarray:
    th = (folder / thai).read_text(encoding="utf-8").splitlines()
    en = (folder / english).read_text(encoding="utf-8").splitlines()
    assert len(th) == len(en)
    pairs = [(t.strip(), e.strip()) for t, e in zip(th, en, strict=True)]
    return np.array([len(e) / len(t) for t, e in pairs if len(t) >= min_chars])


def test_length_range_is_derived_from_flores_references() -> None:
    """The documented derivation: FLORES-200 devtest 0.5th / 99.5th percentiles, ÷ and × 1.5."""
    ratios = _ratios(FLORES, "tha_Thai.devtest", "eng_Latn.devtest")
    low, high = np.percentile(ratios, [0.5, 99.5])
    assert round(float(low), 3) == 0.672 and round(float(high), 3) == 1.685
    assert (round(low / 1.5, 2), round(high * 1.5, 1)) == LENGTH_RATIO_RANGE
    outside = (ratios < LENGTH_RATIO_RANGE[0]) | (ratios > LENGTH_RATIO_RANGE[1])
    assert int(outside.sum()) == 1  # of 1012 human translations


def test_length_range_holds_on_tatoeba_sources_of_twenty_characters() -> None:
    ratios = _ratios(
        TATOEBA, "tatoeba-test-v2021-08-07.tha", "tatoeba-test-v2021-08-07.eng",
        LENGTH_RATIO_MIN_SOURCE,
    )  # fmt: skip
    outside = (ratios < LENGTH_RATIO_RANGE[0]) | (ratios > LENGTH_RATIO_RANGE[1])
    assert outside.mean() < 0.015  # 7 of 602, each a gloss of a longer explanation
