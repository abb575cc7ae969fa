"""``thaimt bench``: engine, server and cache throughput on the base-size test model."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure throughput: backends, batching server, cache",
        description="Measure offline engine throughput per backend and batch size, the real "
        "server under concurrent clients with batching on and off, and the translation cache, "
        "on the base-size random model with fixed output lengths. Prints a Markdown table and "
        "writes bench.json, bench.md and bench.png to --out.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="the headline ratios only (about 3 minutes on 2 cores)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line with the summary ratios instead of the table",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench-results"),
        help="output directory",
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="cpu or cuda[:N]; cuda runs torch float16 and ct2 float16 / int8_float16",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch intra-op and ct2 intra threads (0 = all cores)",
    )
    parser.add_argument(
        "--output-tokens",
        type=int,
        default=32,
        help="forced length of every translation",
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="transformers model directory to measure instead of the base-size "
        "random model (built once into ~/.cache/thaimt/bench-models)",
    )
    parser.add_argument(
        "--server-max-wait-ms",
        type=float,
        help="the server's batching window (default: the server's own, THAIMT_MAX_WAIT_MS)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from eval.bench import BenchConfig, run_bench, write_outputs
    from service.cli.errors import CLIError

    if args.output_tokens < 1:
        raise CLIError("--output-tokens must be at least 1")
    config = BenchConfig(
        quick=args.quick,
        device=args.device,
        threads=args.threads,
        output_tokens=args.output_tokens,
        model=args.model,
        server_max_wait_ms=args.server_max_wait_ms,
    )
    started = time.monotonic()

    def progress(line: str) -> None:  # stderr, so --json leaves stdout with exactly one line
        print(f"[{time.monotonic() - started:5.0f} s] {line}", file=sys.stderr, flush=True)

    report = run_bench(config, log=progress)
    table = write_outputs(report, args.out)
    if args.json:
        print(json.dumps(report.summary))
    else:
        print(table)
    return 0
