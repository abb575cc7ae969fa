"""``thaimt download MODEL [--dir DIR] [--revision R]``: fetch a model for offline use."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "download",
        help="download a model from the Hugging Face hub",
        description="Download a model (config, tokenizer, weights) into the Hugging Face cache, "
        "or into DIR when --dir is given; prints the model directory.",
    )
    parser.add_argument("model", help="hub id, e.g. Helsinki-NLP/opus-mt-th-en")
    parser.add_argument("--dir", type=Path, default=None, help="download into this directory")
    parser.add_argument("--revision", default=None, help="branch, tag or commit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from models.download import download_model

    path = download_model(args.model, target_dir=args.dir, revision=args.revision)
    print(path)
    return 0
