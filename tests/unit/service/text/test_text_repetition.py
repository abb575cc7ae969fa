"""The repetition guard: loops of every kind of unit are repaired, content is left alone."""

from __future__ import annotations

import pytest

from service.text.repetition import trim_repetition

REPAIRED = [
    # letters: cut back to one occurrence
    ("the the the the the cat", "the cat"),
    ("the the the the the.", "the."),
    ("ถึงถึงถึงถึงแล้ว", "ถึงแล้ว"),
    ("hahahahaha", "ha"),
    ("ZX0 ZX0 ZX0 ZX0 ok", "ZX0 ok"),
    # digits: a number the model repeats is made up, so the whole loop goes
    ("was " + "40 " * 88 + "km.", "was km."),
    ("The score was 40 40 40 40 40.", "The score was."),
    ("a 40 40 40 40 40, b", "a, b"),
    ("x " + "40, " * 30 + "end", "x end"),
    ("total " + "1.5 " * 10 + "baht", "total baht"),
    ("id " + "40" * 12 + " ok", "id ok"),
    ("ZX1 1 1 1 1 b", "ZX1 b"),
    # symbols: only long runs (80 characters or more) are loops
    ("." * 100 + " x", ". x"),
    ("end " + "!?" * 45, "end !?"),
    ("a " + "- " * 50 + "b", "a - b"),
]

KEPT = [
    "...",
    "!!!",
    "-----",
    "ลงชื่อ" + "." * 40,
    "." * 79,
    "aaaaaa",
    "ๆๆๆๆ",
    "1,000,000",
    "1,000,000,000,000",
    "100000000",
    "10000000000000000000",
    "1 2 3 4",
    "40 40 40",
    "(40) (40) (40)",
    "ZX11111111 a",
    "ZX1ZX2ZX3ZX4",
    "",
    "abc",
]


@pytest.mark.parametrize(("text", "expected"), REPAIRED)
def test_loops_are_repaired(text: str, expected: str) -> None:
    assert trim_repetition(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_content_is_kept(text: str) -> None:
    assert trim_repetition(text) == text
