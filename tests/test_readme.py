"""The README is a front door: the two set-up commands first, and short (the rest is in docs/,
checked by tests/test_docs.py)."""

from __future__ import annotations

from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
MAX_LINES = 300


def test_opens_with_the_two_setup_commands() -> None:
    lines = [line for line in README.splitlines() if line.strip()]
    assert lines[0] == "```sh"
    assert lines[1].startswith("make serve")
    assert lines[2].startswith("make test")


def test_stays_a_front_door() -> None:
    count = len(README.splitlines())
    assert count <= MAX_LINES, f"README.md has {count} lines; move details into docs/"
