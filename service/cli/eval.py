"""``thaimt eval``: score models (through the service pipeline) and/or existing hypotheses."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.loading import BACKEND_CHOICES
from service.cli.errors import CLIError

if TYPE_CHECKING:
    from eval.runner import EvalConfig, SystemResult
    from eval.testsets import TestSet


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "eval",
        help="BLEU / chrF++ / TER, term keeping, confidence calibration and speed on "
        "FLORES-200, NTREX-128 (news), Tatoeba or your files",
        description=(
            "Translate a test set with one or more models through the service pipeline, and/or "
            "score existing hypotheses files, into one comparison report (report.md, "
            "report.json, hyps/, report.png), with sacrebleu's paired significance test "
            "between every pair of systems and how each model's confidence ranks sentence "
            "quality. --compare-raw adds each model with the pipeline off."
        ),
    )
    systems = parser.add_argument_group("systems")
    systems.add_argument(
        "--model", action="append", default=[], help="hub id or local dir (repeatable)"
    )
    systems.add_argument(
        "--hyps",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="existing hypotheses, one per test line (repeatable)",
    )
    systems.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="report name of each --hyps file, in order (default: the file name)",
    )
    data = parser.add_argument_group("test set")
    data.add_argument(
        "--testset",
        nargs="+",
        metavar="SET",
        help="flores200 (default), ntrex (news), tatoeba, or SRC REF files",
    )
    data.add_argument("--refs", type=Path, metavar="FILE", help="references for --hyps (no model)")
    data.add_argument("--src", type=Path, metavar="FILE", help="sources for --refs (term keeping)")
    data.add_argument("--limit", type=int, metavar="N", help="score only the first N lines")
    run = parser.add_argument_group("decoding")
    run.add_argument("--backend", choices=BACKEND_CHOICES, help="THAIMT_BACKEND (default: auto)")
    run.add_argument("--device", help="auto, cpu, cuda or cuda:N (THAIMT_DEVICE)")
    run.add_argument("--dtype", help="THAIMT_DTYPE")
    run.add_argument("--threads", type=int, help="intra-op threads, 0 = all cores")
    run.add_argument("--beam", type=int, help="beam size (THAIMT_BEAM_SIZE)")
    run.add_argument("--batch-size", type=int, help="segments per model call")
    run.add_argument(
        "--cache",
        action="store_true",
        help="use the translation cache (off by default: every score and speed figure then "
        "comes from the model, not from an earlier run)",
    )
    run.add_argument(
        "--max-output-tokens",
        type=int,
        metavar="N",
        help="cap on generated tokens per segment (default: the decoder's own bound)",
    )
    run.add_argument(
        "--mode",
        choices=["sentence", "article"],
        default="sentence",
        help="sentence: each test line alone; article: paragraphs of K lines, "
        "scored per paragraph next to the joined sentence-mode output",
    )
    run.add_argument(
        "--article-size",
        type=int,
        default=4,
        metavar="K",
        help="test lines per paragraph in article mode",
    )
    compare = parser.add_argument_group("comparison")
    compare.add_argument(
        "--compare-raw",
        action="store_true",
        help="also run each model with the pipeline off (each test line to the model as it is: "
        "no sentence splitting, no protected terms), side by side with the pipeline",
    )
    compare.add_argument(
        "--paired-test",
        choices=["bs", "ar", "none"],
        default="bs",
        help="sacrebleu's significance test between every pair of systems: paired bootstrap "
        "(bs, default), approximate randomisation (ar) or none",
    )
    compare.add_argument(
        "--paired-samples",
        type=int,
        default=0,
        metavar="N",
        help="bootstrap resamples or randomisation trials (default: sacrebleu's, 1000 / 10000)",
    )
    parser.add_argument("-o", "--out", type=Path, default=Path("eval-report"), help="output folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from eval.report import write_report
    from eval.testsets import TestSetError

    _check_arguments(args)
    config = _config(args)
    try:
        testset = _testset(args)
        results = _evaluate(args, testset, config)
    except TestSetError as exc:
        raise CLIError(str(exc), code=2) from None
    significance = _significance(args, testset, config, results)
    paths = write_report(results, _context(args, testset, config), args.out, significance)
    print("\n".join(_tables(paths["md"].read_text(encoding="utf-8"))))
    chart = f", {paths['png']}" if "png" in paths else ""
    print(f"\nwrote {paths['md']}, {paths['json']}{chart} and {paths['hyps']}/")
    if "png" not in paths:
        print("report.png skipped: the chart needs matplotlib (pip install 'thaimt[plot]')")
    return 0


def _tables(markdown: str) -> list[str]:
    """The report's tables (systems, significance, calibration), each after its heading."""
    out: list[str] = []
    heading = ""
    previous = False
    for line in markdown.splitlines():
        if line.startswith(("## ", "**")):
            heading = line.removeprefix("## ")
        table = line.startswith("|")
        if table and not previous:
            out += [*([""] if out else []), *([heading] if heading else [])]
            heading = ""
        if table:
            out.append(line)
        previous = table
    return out


def _significance(
    args: argparse.Namespace, testset: TestSet, config: EvalConfig, results: list[SystemResult]
) -> Any:
    """sacrebleu's paired test between every pair of systems (None for one system)."""
    from eval.runner import Granularity
    from eval.significance import paired_significance

    if args.paired_test == "none" or len(results) < 2:
        return None
    grain = Granularity.for_mode(config.mode, len(testset), config.article_size)
    print(
        f"paired significance ({args.paired_test}) between {len(results)} systems", file=sys.stderr
    )
    return paired_significance(
        [(r.name, r.hypotheses) for r in results],
        grain.apply(testset.references),
        args.paired_test,
        args.paired_samples,
    )


def _check_arguments(args: argparse.Namespace) -> None:
    if not args.model and not args.hyps:
        raise CLIError("nothing to evaluate: give --model M and/or --hyps FILE", code=2)
    if len(args.name) > len(args.hyps):
        raise CLIError(f"{len(args.name)} --name given for {len(args.hyps)} --hyps files", code=2)
    if args.refs is not None and args.model:
        raise CLIError("--refs is for scoring --hyps alone; with --model use --testset SRC REF", 2)
    if args.refs is not None and args.testset:
        raise CLIError("give either --refs or --testset, not both", code=2)
    if args.src is not None and args.refs is None:
        raise CLIError("--src goes with --refs (a --testset already has its sources)", code=2)
    if args.hyps and not args.model and args.refs is None and not args.testset:
        raise CLIError("--hyps needs references: --refs FILE (or --testset)", code=2)
    if args.testset and len(args.testset) > 2:
        raise CLIError("--testset takes a name (flores200, ntrex, tatoeba) or two files SRC REF", 2)
    if args.compare_raw and not args.model:
        raise CLIError("--compare-raw runs a model with the pipeline off: give --model M", code=2)
    for flag, value in (
        ("--limit", args.limit),
        ("--beam", args.beam),
        ("--batch-size", args.batch_size),
        ("--article-size", args.article_size),
        ("--max-output-tokens", args.max_output_tokens),
    ):
        if value is not None and value < 1:
            raise CLIError(f"{flag} must be at least 1, got {value}", code=2)
    if args.paired_samples < 0:
        raise CLIError(
            f"--paired-samples must be 0 (default) or more, got {args.paired_samples}", 2
        )


def _config(args: argparse.Namespace) -> EvalConfig:
    from eval.runner import EvalConfig
    from service.settings import Settings

    settings = Settings.load()  # THAIMT_* variables; flags override below
    return EvalConfig(
        backend=args.backend or settings.backend,
        device=args.device or settings.device,
        dtype=args.dtype or settings.dtype,
        threads=settings.threads if args.threads is None else args.threads,
        beam=args.beam or settings.beam_size,
        mode=args.mode,
        article_size=args.article_size,
        batch_size=args.batch_size or settings.max_batch_size,
        batch_tokens=settings.max_batch_tokens,
        max_output_tokens=args.max_output_tokens,
        progress=not args.quiet and sys.stderr.isatty(),  # a bar only where a person watches
        cache=args.cache,
        compare_raw=args.compare_raw,
    )


def _testset(args: argparse.Namespace) -> TestSet:
    from eval.testsets import load_pair, load_testset

    if args.refs is not None:
        return load_pair(args.src, args.refs, args.refs.name, args.limit)
    return load_testset(args.testset or ["flores200"], args.limit)


def _evaluate(args: argparse.Namespace, testset: TestSet, config: EvalConfig) -> list[SystemResult]:
    from eval.runner import eval_settings, evaluate_model, score_hypotheses_file
    from service.engine import load_engine

    hyp_names = [*args.name, *(p.name for p in args.hyps[len(args.name) :])]
    names = _unique([*args.model, *hyp_names])
    # Hypotheses files first: a misaligned file fails before any model is loaded.
    external = [
        score_hypotheses_file(name, path, testset, config)
        for path, name in zip(args.hyps, names[len(args.model) :], strict=True)
    ]
    results: list[SystemResult] = []
    for model, name in zip(args.model, names, strict=False):
        print(f"evaluating {name} on {testset.name} ({len(testset)} lines)", file=sys.stderr)
        results += evaluate_model(name, load_engine(eval_settings(model, config)), testset, config)
    return results + external


def _unique(names: list[str]) -> list[str]:
    """Report names must differ: a repeated name gets " #2", " #3"…"""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def _context(args: argparse.Namespace, testset: TestSet, config: EvalConfig) -> Any:
    from eval.report import ReportContext
    from eval.runner import Granularity

    grain = Granularity.for_mode(config.mode, len(testset), config.article_size)
    return ReportContext(
        testset=testset.name,
        source_path=None if testset.source_path is None else str(testset.source_path),
        reference_path=str(testset.reference_path),
        lines=len(testset),
        total_lines=testset.total_lines,
        limit=args.limit,
        mode=config.mode,
        granularity=grain.describe(config.article_size),
        article_size=config.article_size if config.mode == "article" else None,
    )
