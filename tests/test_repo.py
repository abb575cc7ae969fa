"""The repository itself: no file carries the markers of an unresolved merge."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKERS = ("<<<<<<< ", ">>>>>>> ")


def test_no_unresolved_merge_markers() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        path = REPO / name
        if not path.is_file() or path.suffix in {".png", ".bin", ".model", ".spm"}:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        found += [f"{name}:{n}" for n, line in enumerate(lines, 1) if line.startswith(MARKERS)]
    assert not found
