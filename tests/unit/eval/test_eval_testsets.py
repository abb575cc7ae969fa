"""Loading aligned test sets, --limit, and article grouping."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.testsets import (
    TestSetError,
    group_spans,
    join_groups,
    load_pair,
    load_testset,
)
from service.text.normalize import has_thai


@pytest.mark.parametrize(
    ("name", "lines"), [("flores200", 1012), ("tatoeba", 1154), ("ntrex", 1997)]
)
def test_builtin_testsets_are_aligned(name: str, lines: int) -> None:
    testset = load_testset([name])
    assert testset.sources is not None
    assert len(testset) == len(testset.sources) == testset.total_lines == lines
    assert all(testset.references) and all(testset.sources)


def test_limit_keeps_the_first_lines() -> None:
    full = load_testset(["flores200"])
    cut = load_testset(["flores200"], limit=5)
    assert cut.references == full.references[:5]
    assert full.sources is not None
    assert cut.sources == full.sources[:5]
    assert (len(cut), cut.total_lines) == (5, 1012)


def test_file_pair(tmp_path: Path) -> None:
    src, ref = tmp_path / "a.th", tmp_path / "a.en"
    src.write_text("หนึ่ง\n\nสาม\n", encoding="utf-8")
    ref.write_text("one\n\nthree\n", encoding="utf-8")
    testset = load_testset([str(src), str(ref)])
    assert testset.sources == ["หนึ่ง", "", "สาม"]  # empty lines keep their place
    assert testset.references == ["one", "", "three"]


def test_misaligned_files_are_refused(tmp_path: Path) -> None:
    src, ref = tmp_path / "a.th", tmp_path / "a.en"
    src.write_text("หนึ่ง\nสอง\n", encoding="utf-8")
    ref.write_text("one\n", encoding="utf-8")
    with pytest.raises(TestSetError, match=r"line counts differ: .*a\.th has 2, .*a\.en has 1"):
        load_pair(src, ref, "x")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["wmt"], "must be one of flores200, tatoeba"),
        (["a", "b", "c"], "must be one of"),
        (["/nonexistent/src", "/nonexistent/ref"], "no such file"),
    ],
)
def test_bad_testset_specs(spec: list[str], message: str) -> None:
    with pytest.raises(TestSetError, match=message):
        load_testset(spec)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    ref = tmp_path / "tis620.txt"
    ref.write_bytes("สวัสดี\n".encode("tis-620"))
    with pytest.raises(TestSetError, match="not UTF-8"):
        load_pair(None, ref, "x")


@pytest.mark.parametrize(
    ("lines", "size", "spans"),
    [
        (8, 4, [(0, 4), (4, 8)]),
        (10, 4, [(0, 4), (4, 8), (8, 10)]),
        (3, 4, [(0, 3)]),
        (3, 1, [(0, 1), (1, 2), (2, 3)]),
        (0, 4, []),
    ],
)
def test_group_spans(lines: int, size: int, spans: list[tuple[int, int]]) -> None:
    assert [(r.start, r.stop) for r in group_spans(lines, size)] == spans


def test_join_groups_joins_with_a_space() -> None:
    lines = ["a.", "b.", "", "d.", "e."]
    assert join_groups(lines, group_spans(len(lines), 2)) == ["a. b.", "d.", "e."]


def test_group_size_must_be_positive() -> None:
    with pytest.raises(TestSetError, match="at least 1"):
        group_spans(4, 0)


def test_ntrex_is_thai_into_english_with_its_licence_beside_it() -> None:
    from eval.testsets import DATA_DIR

    testset = load_testset(["ntrex"], limit=3)
    assert testset.sources is not None
    assert all(has_thai(s) for s in testset.sources)
    assert testset.references[0] == "Welsh AMs worried about 'looking like muppets'"
    assert testset.total_lines == 1997
    licence = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "NTREX-128" in licence and "CC BY-SA 4.0" in licence
    assert "ntrex128/" in (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "federmann-etal-2022-ntrex" in (DATA_DIR / "ntrex128" / "README.md").read_text("utf-8")
