from collections.abc import Sequence

import pytest
import regex

from service.text.budget import split_to_budget


class CountingCounter:
    """A cheap stand-in tokenizer (~3 characters per token) that records its calls."""

    def __init__(self, chars_per_token: int = 3) -> None:
        self.chars_per_token = chars_per_token
        self.calls = 0
        self.texts = 0

    def __call__(self, texts: Sequence[str]) -> list[int]:
        self.calls += 1
        self.texts += len(texts)
        return [-(-len(t) // self.chars_per_token) for t in texts]


def words(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_fitting_text_is_one_piece() -> None:
    assert split_to_budget("ZX0 สวัสดี", CountingCounter(), 100) == ["ZX0 สวัสดี"]


def test_empty_text() -> None:
    assert split_to_budget("", CountingCounter(), 1) == []


def test_splits_at_spaces_first() -> None:
    text = "หนึ่ง สอง สาม สี่ ห้า หก"
    pieces = split_to_budget(text, words, 2)
    assert pieces == ["หนึ่ง สอง ", "สาม สี่ ", "ห้า หก"]


def test_leading_and_trailing_whitespace_is_kept() -> None:
    text = "  a b c d  "
    pieces = split_to_budget(text, words, 2)
    assert "".join(pieces) == text
    assert all(words([p])[0] <= 2 for p in pieces)


def test_long_thai_word_run_splits_at_thai_word_boundaries() -> None:
    text = "วันนี้อากาศดีมากผมจะไปเที่ยวทะเลกับครอบครัว"
    counter = CountingCounter(chars_per_token=4)
    pieces = split_to_budget(text, counter, 4)
    assert "".join(pieces) == text
    assert all(counter([p])[0] <= 4 for p in pieces)
    assert len(pieces) > 1
    # no piece starts with a combining mark (vowel/tone mark cut from its consonant)
    assert not any(regex.match(r"\p{M}", p) for p in pieces)


def test_placeholders_are_atomic() -> None:
    text = "ZX123ZX456ZX789" * 5
    pieces = split_to_budget(text, CountingCounter(chars_per_token=1), 6)
    assert "".join(pieces) == text
    assert all(regex.fullmatch(r"(?:ZX[0-9]+)+", p) for p in pieces)


def test_unit_bigger_than_budget_is_kept_whole() -> None:
    text = "ZX1234567 ก"
    pieces = split_to_budget(text, CountingCounter(chars_per_token=1), 2)
    assert pieces == ["ZX1234567", " ", "ก"] or "".join(pieces) == text
    assert "ZX1234567" in pieces


def test_grapheme_clusters_are_never_cut() -> None:
    text = "กั้" * 50  # consonant + vowel mark + tone mark, no dictionary word
    pieces = split_to_budget(text, CountingCounter(chars_per_token=1), 7)
    assert "".join(pieces) == text
    assert all(regex.fullmatch(r"(?:กั้)+", p) for p in pieces)


def test_ten_thousand_characters_without_spaces_use_few_counter_calls() -> None:
    text = ("สวัสดีครับZX1วันนี้อากาศดีมาก" * 400)[:10_000]
    counter = CountingCounter()
    pieces = split_to_budget(text, counter, 50)
    assert "".join(pieces) == text
    assert all(counter([p])[0] <= 50 for p in pieces)
    # ~70 pieces; a linear scan would need thousands of calls
    assert counter.calls < 8 * len(pieces)


@pytest.mark.parametrize("budget", [1, 2, 5, 40])
def test_budgets(budget: int) -> None:
    text = "Thai ไทย ZX0 ZX1 " * 20
    pieces = split_to_budget(text, words, budget)
    assert "".join(pieces) == text
    assert all(words([p])[0] <= budget for p in pieces)


# --- the splitter always succeeds: a grapheme cluster over the budget is cut as a last resort

STACKED = "ก" + "\u0e49" * 520  # one grapheme cluster of 521 code points (issue 12, point 3)


def test_one_grapheme_cluster_over_the_budget_is_cut() -> None:
    counter = CountingCounter(chars_per_token=1)
    pieces = split_to_budget(STACKED, counter, 50)
    assert "".join(pieces) == STACKED
    assert len(pieces) > 1
    assert all(counter([p])[0] <= 50 for p in pieces)


def test_cutting_inside_a_cluster_never_cuts_a_placeholder() -> None:
    text = "ZX12" + "\u0e49" * 30 + "ZX345" + "\u0e49" * 30
    counter = CountingCounter(chars_per_token=1)
    pieces = split_to_budget(text, counter, 6)
    assert "".join(pieces) == text
    assert all(counter([p])[0] <= 6 for p in pieces)
    cuts = {sum(len(p) for p in pieces[:i]) for i in range(1, len(pieces))}
    assert not cuts & {1, 2, 3, 35, 36, 37, 38}  # inside "ZX12" (0:4) or "ZX345" (34:39)
