"""``thaimt bench``: engine, server, open-loop and cache figures on the base-size test model
(the harness is the ``bench`` package; ``--sweep`` and ``--profile`` are its other modes)."""

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
        help="measure speed: backends, batching server, open-loop latency, cache",
        description="Measure offline engine throughput per backend and batch size (and against "
        "the raw library), the machine's GEMM peak, the real server under concurrent clients "
        "with batching on and off, open-loop latency at fractions of the measured capacity, "
        "and the translation cache, on the base-size random model. Prints a Markdown table and "
        "writes bench.json, bench.md, bench.png and bench-open-loop.png to --out.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_true", help="the headline ratios only (about 4 minutes on 2 cores)"
    )
    mode.add_argument(
        "--sweep",
        action="store_true",
        help="batch size, token budget, max_wait_ms and ct2 threads at one open-loop load; "
        "marks the configuration to make the default",
    )
    mode.add_argument(
        "--profile",
        action="store_true",
        help="where the model time goes (torch.profiler for torch, perf for CTranslate2)",
    )
    mode.add_argument(
        "--overload",
        action="store_true",
        help="many clients against a small queue: every answer a translation or a refusal "
        "with Retry-After, and articles served as often as sentences (overload.md/.json)",
    )
    mode.add_argument(
        "--memory",
        action="store_true",
        help="the server's RSS around a series of large requests, memory trimming off and on "
        "(memory.md/.json)",
    )
    mode.add_argument(
        "--confidence",
        action="store_true",
        help="what the model's own score (confidence) costs the engine at batch 32, with and "
        "without it side by side (confidence.md/.json)",
    )
    mode.add_argument(
        "--desk",
        action="store_true",
        help="the translation memory's cost: cache-hit requests without and with 10,000 units "
        "(exact lookup, close matches), close-match queries at 10,000 and 100,000 units "
        "(desk.md/.json)",
    )
    mode.add_argument(
        "--long-line",
        action="store_true",
        help="one line of 10k, 50k and 200k characters through the whole workflow: time per "
        "character at each size and their ratio, 1 = linear (long-line.md/.json)",
    )
    parser.add_argument("--clients", type=int, default=200, help="--overload: clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="--overload: duration")
    parser.add_argument(
        "--queue-size", type=int, default=50, help="--overload: the server's queue bound"
    )
    parser.add_argument(
        "--quick-memory",
        action="store_true",
        help="--memory: 3 requests of 20,000 characters instead of 20 of 100,000",
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
        help="model threads: torch intra-op, ct2 in all (0 = all cores)",
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
    from service.cli.errors import CLIError

    if args.output_tokens < 1:
        raise CLIError("--output-tokens must be at least 1")
    try:
        return _run(args)
    except ImportError as exc:  # the bench extra (h11, matplotlib) is not installed
        missing = "the bench package" if exc.name == "bench" else (exc.name or str(exc))
        raise CLIError(f"thaimt bench needs {missing}: pip install 'thaimt[bench]'") from exc


def _run(args: argparse.Namespace) -> int:
    from bench.config import BenchConfig
    from bench.report import write_outputs

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

    if args.profile:
        from bench.profile import profile_report, run_profile

        print(profile_report(run_profile(config, log=progress)))
        return 0
    if args.overload:
        return _overload(args, config, progress)
    if args.memory:
        return _memory(args, config, progress)
    if args.confidence:
        return _confidence(args, config, progress)
    if args.desk:
        return _desk(args, config, progress)
    if args.long_line:
        return _long_line(args, config, progress)
    if args.sweep:
        from bench.sweep import run_sweep

        report = run_sweep(config, log=progress)
    else:
        from bench.run import run_bench

        report = run_bench(config, log=progress)
    table = write_outputs(report, args.out)
    if args.json:
        print(json.dumps(report.summary))
    else:
        print(table)
    return 0


def _overload(args: argparse.Namespace, config: Any, progress: Any) -> int:
    from bench.overload import dumps, markdown, run_overload

    result = run_overload(config, args.clients, args.seconds, args.queue_size, log=progress)
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(result)
    (args.out / "overload.md").write_text(table, encoding="utf-8")
    (args.out / "overload.json").write_text(dumps(result), encoding="utf-8")
    print(json.dumps(result.summary()) if args.json else table)
    return 0


def _desk(args: argparse.Namespace, config: Any, progress: Any) -> int:
    from bench.report import memory_section
    from bench.run import run_desk

    report = run_desk(config, log=progress)
    args.out.mkdir(parents=True, exist_ok=True)
    table = "\n".join(memory_section(report)).strip() + "\n"
    (args.out / "desk.md").write_text(table, encoding="utf-8")
    (args.out / "desk.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    print(json.dumps(report.summary) if args.json else table)
    return 0


def _memory(args: argparse.Namespace, config: Any, progress: Any) -> int:
    from bench.memory import markdown, run_memory, summary, to_dict

    requests, chars = (3, 20_000) if args.quick_memory else (20, 100_000)
    runs = run_memory(config, requests, chars, log=progress)
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(runs, requests, chars)
    (args.out / "memory.md").write_text(table, encoding="utf-8")
    (args.out / "memory.json").write_text(json.dumps(to_dict(runs), indent=2), encoding="utf-8")
    print(json.dumps(summary(runs)) if args.json else table)
    return 0


def _confidence(args: argparse.Namespace, config: Any, progress: Any) -> int:
    from bench.confidence import dumps, markdown, run_confidence_cost

    rows = run_confidence_cost(config, log=progress)
    args.out.mkdir(parents=True, exist_ok=True)
    command = "thaimt bench --confidence"
    table = markdown(rows, command)
    (args.out / "confidence.md").write_text(table, encoding="utf-8")
    (args.out / "confidence.json").write_text(dumps(rows), encoding="utf-8")
    summary = {f"{r.variant} {r.lengths}": round(r.ratio, 4) for r in rows}
    print(json.dumps(summary) if args.json else table)
    return 0


def _long_line(args: argparse.Namespace, config: Any, progress: Any) -> int:
    from bench.longline import markdown, run_long_line, summary, to_dict

    runs = run_long_line(config, log=progress)
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(runs)
    (args.out / "long-line.md").write_text(table, encoding="utf-8")
    (args.out / "long-line.json").write_text(json.dumps(to_dict(runs), indent=2), encoding="utf-8")
    print(json.dumps(summary(runs)) if args.json else table)
    return 0
