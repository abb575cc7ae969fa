"""Any number of glossary and do-not-translate terms that overlap (prefixes of each other,
shared stems) works, and the longest term still wins at each position (issue 19, point 5).

The terms regex was a trie nested one group per branching point; ~200 terms that are prefixes
of each other hit the recursion limit (in our builder and in the regex compiler). A reference
matcher (leftmost, longest, never ending before a combining mark) checks the pattern.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.protect import find_spans

ALPHABET = ["ก", "ข", "ค", "ง", "า", "ั", "้"]  # consonants, a vowel, combining marks


def reference(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Leftmost-longest matches; a match never ends right before a combining mark."""
    found, at = [], 0
    while at < len(text):
        fits = [
            t
            for t in terms
            if text.startswith(t, at)
            and not (at + len(t) < len(text) and unicodedata.category(text[at + len(t)])[0] == "M")
        ]
        if fits:
            longest = max(fits, key=len)
            found.append((at, at + len(longest)))
            at += len(longest)
        else:
            at += 1
    return found


def term_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    glossary = {t: "X" for t in terms[::2]}
    keep = terms[1::2]
    spans = find_spans(text, glossary, keep)
    return [(s.start, s.end) for s in spans if s.kind in ("glossary", "keep")]


def test_two_hundred_terms_that_are_prefixes_of_each_other() -> None:
    terms = ["ก" * n for n in range(1, 201)]
    assert term_spans("ข" + "ก" * 50 + "ข", terms) == [(1, 51)]
    assert term_spans("ก" * 450, terms) == [(0, 200), (200, 400), (400, 450)]


def test_hundreds_of_chained_terms_with_shared_stems() -> None:
    stems = ["กข" * n for n in range(1, 300)]
    terms = stems + [s + "ค" for s in stems]
    text = "ง" + "กข" * 40 + "คง" + "กข" * 3
    assert term_spans(text, terms) == reference(text, terms)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(ALPHABET), min_size=1, max_size=8), min_size=1, max_size=60),
    st.integers(1, 250),
    st.text(st.sampled_from(ALPHABET), max_size=60),
)
def test_any_number_of_overlapping_terms_longest_first(
    terms: list[str], chain: int, text: str
) -> None:
    terms = list(dict.fromkeys([*terms, *("ก" * n for n in range(1, chain + 1))]))
    assert term_spans(text, terms) == reference(text, terms)
