"""The close-match index: candidates by shared rare trigrams, scored by rapidfuzz."""

from __future__ import annotations

from pathlib import Path

from rapidfuzz import fuzz, process

from service.desk.fuzzy import FuzzyIndex
from service.text.protect import protect

FLORES = Path(__file__).resolve().parents[4] / "eval" / "data" / "flores200" / "tha_Thai.devtest"


def masked_sentences() -> list[str]:
    lines = FLORES.read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(protect(line.strip())[0] for line in lines if line.strip()))


def test_a_near_copy_is_found_as_the_exact_search_finds_it() -> None:
    units = masked_sentences()
    index = FuzzyIndex()
    index.update((str(i), text) for i, text in enumerate(units))
    assert len(index) == len(units) > 900
    for i in range(0, len(units), 97):  # ten near copies: a word changed in the middle
        text = units[i]
        query = text[: len(text) // 2] + "ที่" + text[len(text) // 2 + 3 :]
        best = process.extractOne(query, units, scorer=fuzz.ratio, score_cutoff=80)
        found = index.best(query, 0.8)
        assert best is not None and found is not None
        assert found.score * 100 >= best[1] - 0.01


def test_removed_and_replaced_units_are_no_longer_offered() -> None:
    index = FuzzyIndex()
    index.update([("a", "ราคา ZX0 บาท ที่ร้าน"), ("b", "ตลาดปิด ZX0 วัน")])
    assert index.best("ราคา ZX0 บาท ที่ร้านนี้", 0.8).key == "a"  # type: ignore[union-attr]
    index.update([("a", None), ("b", "ราคา ZX0 บาท ที่ร้านค้า")])
    found = index.best("ราคา ZX0 บาท ที่ร้านนี้", 0.8)
    assert found is not None and found.key == "b" and len(index) == 1
    assert index.best("อากาศดีมาก", 0.8) is None
