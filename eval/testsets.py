"""Test sets: line-aligned Thai sources and English references.

Built-in sets ship in ``eval/data`` (see its README for sources and licences); any other pair of
aligned files works too. Article mode groups consecutive lines into paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# name → (source file, reference file), relative to DATA_DIR.
BUILTIN_TESTSETS: dict[str, tuple[str, str]] = {
    "flores200": ("flores200/tha_Thai.devtest", "flores200/eng_Latn.devtest"),
    "tatoeba": ("tatoeba/tatoeba-test-v2021-08-07.tha", "tatoeba/tatoeba-test-v2021-08-07.eng"),
    # News (the domain thaimt's users translate); Thai is the translation side (see its README).
    "ntrex": ("ntrex128/newstest2019-ref.tha.txt", "ntrex128/newstest2019-src.eng.txt"),
}


class TestSetError(ValueError):
    """Test-set files that are missing, unreadable or not line-aligned."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class TestSet:
    __test__ = False  # not a pytest test class

    name: str
    sources: list[str] | None  # None when only references are known (scoring --hyps)
    references: list[str]
    source_path: Path | None
    reference_path: Path
    total_lines: int  # lines in the files, before --limit

    def __len__(self) -> int:
        return len(self.references)


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, without line endings (empty lines kept: they align)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TestSetError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise TestSetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text.splitlines()


def check_same_length(paths_and_lines: Sequence[tuple[Path, list[str]]]) -> None:
    """Raise a clear error when aligned files have different line counts."""
    counts = {len(lines) for _, lines in paths_and_lines}
    if len(counts) > 1:
        listing = ", ".join(f"{path} has {len(lines)}" for path, lines in paths_and_lines)
        raise TestSetError(f"line counts differ: {listing}")


def load_pair(source: Path | None, reference: Path, name: str, limit: int | None = None) -> TestSet:
    """Aligned source (optional) and reference files, cut to the first ``limit`` lines."""
    references = read_lines(reference)
    sources = read_lines(source) if source is not None else None
    if source is not None and sources is not None:
        check_same_length([(source, sources), (reference, references)])
    total = len(references)
    cut = total if limit is None else limit
    return TestSet(
        name=name,
        sources=sources[:cut] if sources is not None else None,
        references=references[:cut],
        source_path=source,
        reference_path=reference,
        total_lines=total,
    )


def load_testset(spec: Sequence[str], limit: int | None = None) -> TestSet:
    """A built-in name (``["flores200"]``, ``["tatoeba"]``, ``["ntrex"]``) or ``[SRC, REF]``."""
    if limit is not None and limit < 1:
        raise TestSetError(f"--limit must be at least 1, got {limit}")
    if len(spec) == 1 and spec[0] in BUILTIN_TESTSETS:
        source, reference = (DATA_DIR / part for part in BUILTIN_TESTSETS[spec[0]])
        return load_pair(source, reference, spec[0], limit)
    if len(spec) == 2:
        source, reference = Path(spec[0]), Path(spec[1])
        return load_pair(source, reference, f"{source.name} → {reference.name}", limit)
    known = ", ".join(BUILTIN_TESTSETS)
    raise TestSetError(f"test set must be one of {known} or two files SRC REF, got {list(spec)}")


def group_spans(lines: int, size: int) -> list[range]:
    """Consecutive line ranges of ``size`` lines (the last may be shorter)."""
    if size < 1:
        raise TestSetError(f"article size must be at least 1, got {size}")
    return [range(start, min(start + size, lines)) for start in range(0, lines, size)]


def join_groups(lines: Sequence[str], spans: Sequence[range]) -> list[str]:
    """One paragraph per span: its lines joined by a space (empty lines dropped)."""
    return [" ".join(lines[i] for i in span if lines[i].strip()) for span in spans]
