"""The Thai and English text the project ships, used to train test tokenizers.

The text lives in ``eval/data`` (FLORES-200 devtest and Tatoeba test, see its README for
licences). It is found next to this package in a checkout or an editable install, or through the
installed ``eval`` package otherwise.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from models.errors import ModelError

# (folder, file) pairs under eval/data, per language.
THAI_FILES: tuple[tuple[str, str], ...] = (
    ("flores200", "tha_Thai.devtest"),
    ("tatoeba", "tatoeba-test-v2021-08-07.tha"),
)
ENGLISH_FILES: tuple[tuple[str, str], ...] = (
    ("flores200", "eng_Latn.devtest"),
    ("tatoeba", "tatoeba-test-v2021-08-07.eng"),
)


def eval_data_dir() -> Path:
    """The ``eval/data`` folder, next to this package or inside the installed ``eval`` package."""
    candidates = [Path(__file__).resolve().parent.parent / "eval" / "data"]
    spec = importlib.util.find_spec("eval")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "data" for p in spec.submodule_search_locations]
    for candidate in candidates:
        if (candidate / THAI_FILES[0][0] / THAI_FILES[0][1]).is_file():
            return candidate
    raise ModelError(
        "cannot find the shipped eval data (eval/data/flores200); looked in "
        + ", ".join(str(c) for c in candidates)
    )


def _read_lines(files: tuple[tuple[str, str], ...]) -> list[str]:
    root = eval_data_dir()
    lines: list[str] = []
    for folder, name in files:
        text = (root / folder / name).read_text(encoding="utf-8")
        lines += [line.strip() for line in text.splitlines() if line.strip()]
    return lines


def thai_lines() -> list[str]:
    """Every non-empty Thai line the project ships, in a fixed order."""
    return _read_lines(THAI_FILES)


def english_lines() -> list[str]:
    """Every non-empty English line the project ships, in a fixed order."""
    return _read_lines(ENGLISH_FILES)
