"""The README stays true to the product: set-up commands first, every setting and command."""

from __future__ import annotations

from pathlib import Path

from service.cli.main import SUBCOMMANDS, build_parser
from service.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_opens_with_the_two_setup_commands() -> None:
    lines = [line for line in README.splitlines() if line.strip()]
    assert lines[0] == "```sh"
    assert lines[1].startswith("make serve")
    assert lines[2].startswith("make test")


def test_every_setting_is_documented() -> None:
    missing = [
        f"THAIMT_{name.upper()}"
        for name in Settings.model_fields
        if f"THAIMT_{name.upper()}" not in README
    ]
    assert not missing


def test_every_subcommand_is_documented() -> None:
    build_parser()  # every listed subcommand module imports
    missing = [name for name in SUBCOMMANDS if f"thaimt {name.replace('_', '-')}" not in README]
    assert not missing
