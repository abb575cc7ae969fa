"""Property tests of the budget splitter: it always succeeds, on any text and any budget that
one placeholder or one code point fits in, with the real tiny tokenizer and with a stand-in.

Pieces concatenate exactly to the input, every piece fits, and no cut falls inside a
placeholder ("ZX12"); long runs of combining marks (one grapheme cluster far over the budget)
are cut inside the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.text.budget import split_to_budget

Counter = Callable[[Sequence[str]], list[int]]
PLACEHOLDER = regex.compile(r"ZX[0-9]+")
ATOMS = regex.compile(r"ZX[0-9]+|.", regex.DOTALL)  # what the splitter may never cut

mark_runs = st.builds(
    lambda base, mark, n: base + mark * n,
    st.sampled_from(["ก", "a", "", " "]),
    st.sampled_from(["\u0e49", "\u0e31", "\u0e4c", "\u0301"]),
    st.integers(1, 300),
)
placeholders = st.integers(0, 999).map(lambda i: f"ZX{i}")
thai = st.sampled_from(["วันนี้อากาศดีมาก", "ประเทศไทย", "กั้", " ", "  "])
texts = st.lists(st.one_of(st.text(max_size=30), mark_runs, placeholders, thai), max_size=10).map(
    "".join
)


def words_and_chars(texts: Sequence[str]) -> list[int]:
    """A stand-in tokenizer that is not proportional to length: words plus characters / 4."""
    return [len(t.split()) + len(t) // 4 + 1 for t in texts]


def check(text: str, count: Counter, slack: int) -> None:
    budget = max([1, *count(ATOMS.findall(text))]) + slack  # one atom always fits
    pieces = split_to_budget(text, count, budget)
    assert "".join(pieces) == text
    assert all(n <= budget for n in count(pieces)), (budget, pieces)
    cuts = {sum(len(p) for p in pieces[:i]) for i in range(1, len(pieces))}
    for m in PLACEHOLDER.finditer(text):
        assert not any(m.start() < cut < m.end() for cut in cuts), m.group()


@settings(max_examples=300, deadline=None)
@given(text=texts, slack=st.integers(0, 20))
def test_pieces_fit_a_stand_in_counter(text: str, slack: int) -> None:
    check(text, words_and_chars, slack)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=texts, slack=st.integers(0, 20))
def test_pieces_fit_the_real_tiny_tokenizer(text: str, slack: int, tiny_backend: Any) -> None:
    check(text, lambda texts: [len(ids) for ids in tiny_backend.encode(texts)], slack)
