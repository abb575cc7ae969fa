"""``thaimt make-test-model DIR``: build a random-weight model with a real tokenizer.

For tests and benchmarks where no real model can be downloaded; see :mod:`models.testmodel`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from models.backend import ModelFamily


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
        choices=("tiny", "base"),
        default="tiny",
        help="tiny: seconds to build; base: opus-mt-th-en dimensions (marian only)",
    )
    parser.add_argument(
        "--family", choices=[f.value for f in ModelFamily], default=ModelFamily.MARIAN.value
    )
    parser.add_argument("--seed", type=int, default=0, help="weight and tokenizer seed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from models.testmodel import build_test_model
    from service.cli.main import CLIError

    try:
        path = build_test_model(args.dir, size=args.size, family=args.family, seed=args.seed)
    except ValueError as exc:
        raise CLIError(str(exc)) from exc
    print(path)
    return 0
