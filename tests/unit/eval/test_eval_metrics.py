"""Metric wiring against sacrebleu's own API, and the project's two extra metrics."""

from __future__ import annotations

import math

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from eval.metrics import (
    invented_numbers,
    numbers_in,
    score_corpus,
    term_keeping,
    term_tokens,
    terms_to_keep,
    untranslated_lines,
)

CAT_REF = "the cat sat on the mat"

# A small fixed corpus: exact numbers come from sacrebleu's API with the same settings.
HYPS = [
    "The cat is on the mat.",
    "There is a dog in the garden",
    "Bangkok has 8 million people.",
]
REFS = [
    "The cat sat on the mat.",
    "A dog is in the garden.",
    "Bangkok has about 8 million inhabitants.",
]


def test_identical_text_scores_perfectly() -> None:
    scores = score_corpus(REFS, REFS)
    assert scores.bleu.score == pytest.approx(100.0)
    assert scores.chrf.score == pytest.approx(100.0)
    assert scores.ter.score == pytest.approx(0.0)


def test_bleu_hand_checked_value() -> None:
    # Precisions 5/6, 3/5, 1/4; no 4-gram matches, so sacrebleu's "exp" smoothing uses 1/(2·3).
    # Equal lengths → brevity penalty 1. BLEU = (5/6 · 3/5 · 1/4 · 1/6)^(1/4) = (1/48)^(1/4).
    scores = score_corpus(["the cat is on the mat"], [CAT_REF])
    assert scores.bleu.score == pytest.approx(100 * (1 / 48) ** 0.25)
    assert scores.bleu.detail.startswith("BLEU = 37.99 83.3/60.0/25.0/16.7")


def test_ter_hand_checked_value() -> None:
    # One insertion ("the") over six reference words.
    scores = score_corpus(["the cat sat on mat"], [CAT_REF])
    assert scores.ter.score == pytest.approx(100 / 6)


def test_corpus_scores_match_sacrebleu_api() -> None:
    scores = score_corpus(HYPS, REFS)
    expected = {
        "BLEU": BLEU().corpus_score(HYPS, [REFS]).score,
        "chrF++": CHRF(word_order=2).corpus_score(HYPS, [REFS]).score,
        "TER": TER().corpus_score(HYPS, [REFS]).score,
    }
    got = {m.name: m.score for m in (scores.bleu, scores.chrf, scores.ter)}
    assert got == expected  # exact: same library, same settings
    assert 0 < got["BLEU"] < 100 and 0 < got["chrF++"] < 100


def test_signatures_record_the_settings() -> None:
    scores = score_corpus(HYPS, REFS)
    bleu = BLEU()
    bleu.corpus_score(HYPS, [REFS])  # a signature is only complete after scoring
    assert scores.bleu.signature == str(bleu.get_signature())
    assert "tok:13a" in scores.bleu.signature and "nrefs:1" in scores.bleu.signature
    assert "nw:2" in scores.chrf.signature  # chrF++ = chrF with word bigrams
    assert "tok:tercom" in scores.ter.signature
    assert all("version:" in m.signature for m in (scores.bleu, scores.chrf, scores.ter))


def test_misaligned_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 3 references"):
        score_corpus(HYPS[:2], REFS)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("ผู้ป่วย COVID-19 เพิ่มขึ้น 3.5 เท่า", ["COVID-19", "3.5"]),
        ("ราคา 1,000 บาท ที่ Apple Store", ["1,000", "Apple", "Store"]),
        ("ไม่มีคำอังกฤษ", []),
        ("ปี ๒๕๖๔ (Thai digits are not terms)", ["Thai", "digits", "are", "not", "terms"]),
        ("e-mail ของ Dr. Smith", ["e-mail", "Dr", "Smith"]),
        ("ช่วงSpaceXเปิดตัว", ["SpaceX"]),
    ],
)
def test_term_tokens(text: str, tokens: list[str]) -> None:
    assert list(term_tokens(text).elements()) == tokens


@pytest.mark.parametrize(
    ("source", "reference", "hypothesis", "kept", "needed"),
    [
        # every term of the source that the reference uses, all kept
        ("NASA ส่ง 2 ยาน", "NASA sent 2 probes", "NASA launched 2 craft", 2, 2),
        # a term the reference does not use is not required ("CDC" → "the agency")
        ("CDC และ WHO", "the agency and WHO", "CDC and WHO", 1, 1),
        # a kept term missing from the hypothesis
        ("บริษัท Google", "the company Google", "the company Gogle", 0, 1),
        # count-aware: needed twice, present once
        ("COVID-19 และ COVID-19", "COVID-19 and COVID-19", "COVID-19 and it", 1, 2),
        # present more often than needed still counts once per need
        ("ค่า 5", "a value of 5", "5 or 5", 1, 1),
        # case-sensitive: a changed case is not the same term
        ("iPhone รุ่นใหม่", "the new iPhone", "the new iphone", 0, 1),
        # nothing to keep
        ("สวัสดี", "hello", "hi", 0, 0),
    ],
)
def test_term_keeping_cases(
    source: str, reference: str, hypothesis: str, kept: int, needed: int
) -> None:
    result = term_keeping([source], [reference], [hypothesis])
    assert (result.kept, result.needed) == (kept, needed)
    assert sum(terms_to_keep(source, reference).values()) == needed


def test_term_keeping_is_micro_averaged() -> None:
    sources = ["NASA ส่ง 2 ยาน", "บริษัท Google", "สวัสดี"]
    references = ["NASA sent 2 probes", "the company Google", "hello"]
    hypotheses = ["NASA sent two probes", "Google", "hi"]
    result = term_keeping(sources, references, hypotheses)
    assert (result.kept, result.needed) == (2, 3)
    assert result.share == pytest.approx(2 / 3)
    assert term_keeping(["สวัสดี"], ["hello"], ["hi"]).share is None


@pytest.mark.parametrize(
    ("hypotheses", "count", "indices"),
    [
        (["Hello.", "All in English 123"], 0, ()),
        (["Hello สวัสดี", "fine", "ขอบคุณ"], 2, (0, 2)),
        (["a Thai digit ๕ counts as Thai script"], 1, (0,)),
        ([""], 0, ()),
        ([], 0, ()),
    ],
)
def test_untranslated_lines(hypotheses: list[str], count: int, indices: tuple[int, ...]) -> None:
    result = untranslated_lines(hypotheses)
    assert (result.count, result.indices, result.lines) == (count, indices, len(hypotheses))
    expected_share = count / len(hypotheses) if hypotheses else 0.0
    assert math.isclose(result.share, expected_share)


def test_score_corpus_without_sources_has_no_term_keeping() -> None:
    assert score_corpus(HYPS, REFS).term_keeping is None
    with_sources = score_corpus(HYPS, REFS, ["แมว", "หมา", "Bangkok มี 8 ล้านคน"])
    assert with_sources.term_keeping is not None
    assert (with_sources.term_keeping.kept, with_sources.term_keeping.needed) == (2, 2)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1,000 baht or 1000 baht", {"1000"}),  # group separators do not make a new number
        ("๑๒ คน", {"12"}),  # Thai digits read as digits
        ("3.5 times, 2,5 mm", {"3.5", "2,5"}),  # a decimal point or comma stays
        ("no digits", set()),
    ],
)
def test_numbers_in(text: str, numbers: set[str]) -> None:
    assert numbers_in(text) == numbers


def test_invented_numbers_counts_lines_and_numbers() -> None:
    sources = ["ราคา 1,000 บาท", "ปี ๒๕๖๒", "สามคน"]
    hypotheses = ["It costs 1000 baht", "In 2019 and 2562", "3 people and 4 dogs"]
    result = invented_numbers(sources, hypotheses)
    # line 1: none; line 2: 2019 (the source writes 2562); line 3: 3 and 4 (words in Thai)
    assert (result.count, result.lines, result.numbers) == (2, 3, 3)
    assert result.share == pytest.approx(2 / 3)
    assert score_corpus(hypotheses, hypotheses, sources).invented_numbers == result
    assert score_corpus(hypotheses, hypotheses).invented_numbers is None
