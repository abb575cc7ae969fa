"""``thaimt convert MODEL OUTDIR``: a CTranslate2 model directory, recognised without flags."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from models.convert import QUANTIZATIONS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a model for the CTranslate2 backend",
        description="Convert a transformers model (hub id or directory) into a self-contained "
        "CTranslate2 directory (weights, tokenizer, thaimt_ct2.json); prints OUTDIR. Use it "
        "as --model OUTDIR (or THAIMT_MODEL=OUTDIR): it is recognised as CTranslate2 without "
        "flags. `thaimt serve` and `translate` also convert on their own (backend auto), into "
        "the thaimt cache; convert yourself to ship a model ready to run.",
    )
    parser.add_argument("model", help="hub id or local transformers model directory")
    parser.add_argument("outdir", type=Path, help="output directory")
    parser.add_argument(
        "--quantization",
        choices=QUANTIZATIONS,
        default="int8",
        help="weight type stored on disk (int8: fastest on CPU; float16 for GPUs)",
    )
    parser.add_argument("--revision", help="hub revision (branch, tag or commit)")
    parser.add_argument(
        "--force", action="store_true", help="replace the model in a non-empty OUTDIR"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from models.convert import convert_model

    path = convert_model(
        args.model,
        args.outdir,
        quantization=args.quantization,
        force=args.force,
        revision=args.revision,
    )
    print(path)
    return 0
