"""``thaimt make-test-model DIR``: build a random-weight model with a real tokenizer.

For tests and benchmarks where no real model can be downloaded; see :mod:`models.testmodel`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from models.testbuild import SIZES
from models.testmodel import buildable_families


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "make-test-model",
        help="build a random-weight test model",
        description="Build a random-weight translation model (real architecture, SentencePiece "
        "tokenizer trained on the shipped Thai/English text) into DIR; prints DIR. Its output "
        "is gibberish: use it for tests and speed measurements only.",
    )
    parser.add_argument("dir", type=Path, help="output directory")
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default="tiny",
        help="tiny: seconds to build; base: opus-mt-th-en dimensions (marian only)",
    )
    parser.add_argument(
        "--family",
        choices=buildable_families(),
        default="marian",
        help="model family (one record each in models/families/)",
    )
    parser.add_argument("--seed", type=int, default=0, help="weight and tokenizer seed")
    parser.add_argument(
        "--force", action="store_true", help="replace the model already in DIR (a non-empty DIR)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from models.testmodel import build_test_model
    from service.cli.errors import CLIError

    _clear_target(args.dir, args.force)
    try:
        path = build_test_model(args.dir, size=args.size, family=args.family, seed=args.seed)
    except ValueError as exc:
        raise CLIError(str(exc)) from exc
    print(path)
    return 0


def _clear_target(target: Path, force: bool) -> None:
    """An empty or new DIR is built into; a model in DIR is replaced only with --force; other
    files are never deleted (a mistyped DIR must not cost anyone their files)."""
    from service.cli.errors import CLIError

    if target.exists() and not target.is_dir():
        raise CLIError(f"{target} is a file, not a directory", code=2)
    if not target.exists() or not any(target.iterdir()):
        return
    if not force:
        raise CLIError(f"{target} is not empty; pass --force to replace the model in it", code=2)
    if not (target / "config.json").is_file():
        raise CLIError(f"{target} is not empty and holds no model; refusing to replace it", code=2)
    import shutil

    shutil.rmtree(target)
