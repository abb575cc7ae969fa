"""``thaimt batch``: translate files, directories and globs into OUTDIR (argument wiring only)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from service.cli.common import (
    GLOSSARY_ID_NEEDS_SERVER,
    add_glossary_options,
    add_model_options,
    add_server_options,
    explicit_server,
    settings_from_args,
    translate_options_from_args,
)
from service.cli.errors import CLIError
from service.cli.ray_options import add_ray_options, ray_options_from_args, ray_translator
from service.formats.registry import format_names


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "batch",
        help=f"translate many files ({', '.join(format_names())}) into a directory, resumably",
        description=(
            "Translate files, directories (recursively) and globs into OUTDIR, mirroring the "
            "input tree. Finished files are recorded in OUTDIR/.thaimt-manifest.jsonl; a re-run "
            "skips them and redoes changed ones. Empty files, unknown extensions and symlinks "
            "are skipped and listed with the reason. Exit status: 0 all ok (or skipped), "
            "1 some failed, 2 usage error, 130 interrupted."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="file, directory or glob")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR")
    parser.add_argument(
        "--format", choices=("auto", *format_names()), default="auto", help="auto: by extension"
    )
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME",
        help="JSONL field to translate (repeatable; dotted paths reach nested fields)",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME",
        help="CSV/TSV column to translate, by header name or number from 1 (repeatable; "
        "default: every column with Thai)",
    )
    parser.add_argument(
        "--overwrite-targets",
        action="store_true",
        help="XLIFF/PO: translate units that already have a translation too",
    )
    add_server_options(parser, "use this running thaimt server")
    add_glossary_options(parser)
    parser.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="follow symlinks met in folders and globs, when their target is inside the input "
        "tree (default: skip them, listed with the reason)",
    )
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed file")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar and no summary (the bar is drawn only on a terminal)",
    )
    parser.add_argument(
        "--review",
        type=int,
        default=10,
        metavar="N",
        help="list the N least confident segments in the summary, to check first (0: none)",
    )
    parser.add_argument(
        "--chunk-chars",
        type=int,
        default=200_000,
        metavar="N",
        help="characters of text translated per engine call across files (bounds memory)",
    )
    add_model_options(parser)
    add_ray_options(parser)
    parser.set_defaults(handler=run)


def _translator(args: argparse.Namespace, options: Any, settings: Any) -> Any:
    ray = ray_options_from_args(args)
    if ray is not None:
        return ray_translator(args, ray, options, settings)
    server = explicit_server(args, settings)
    if server:
        from service.files.client import ServerError, ServerKeyRefused, ServerTranslator

        try:
            return ServerTranslator(
                server,
                options,
                api_key=args.api_key,
                glossary_id=args.glossary_id,
                review=args.review > 0,
            )
        except (ServerError, ServerKeyRefused) as exc:
            raise CLIError(str(exc), code=1) from exc
    from service.cli.common import load_checked_engine
    from service.files.translator import LocalTranslator

    return LocalTranslator(load_checked_engine(settings), options)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()  # the summary's time includes loading the model
    from service.files.client import ServerKeyRefused
    from service.files.discover import DiscoveryError, discover_all
    from service.files.progress import Progress
    from service.files.runner import BatchConfig, BatchError, BatchRunner
    from service.formats.base import FormatOptions

    if args.format == "jsonl" and not args.field:
        raise CLIError("--format jsonl needs at least one --field NAME", code=2)
    settings = settings_from_args(args)
    if args.api_key and not explicit_server(args, settings):
        raise CLIError("--api-key goes with --server URL (or THAIMT_SERVER)", code=2)
    if args.glossary_id and not explicit_server(args, settings):
        raise CLIError(GLOSSARY_ID_NEEDS_SERVER, code=2)
    if args.chunk_chars < 1:
        raise CLIError("--chunk-chars must be at least 1", code=2)
    if args.review < 0:
        raise CLIError(f"--review must be 0 or more, got {args.review}", code=2)
    forced = None if args.format == "auto" else args.format
    try:
        found = discover_all(args.inputs, args.output, forced, args.follow_symlinks)
    except DiscoveryError as exc:
        raise CLIError(str(exc), code=2) from exc
    if not found.jobs and not found.skipped:
        raise CLIError("no input files found (directories are searched for known extensions)", 2)
    options = translate_options_from_args(args, settings.beam_size)
    format_options = FormatOptions(
        tuple(args.field),
        tuple(args.column),
        args.overwrite_targets,
        settings.document_limits,
    )
    config = BatchConfig(
        args.output, options, format_options, args.chunk_chars, args.fail_fast, args.review
    )
    progress = Progress(quiet=args.quiet)
    translator = _translator(args, options, settings)
    try:
        runner = BatchRunner(translator, config, progress)
        loading = time.monotonic() - started
        summary = runner.run(found.jobs, found.skipped, started)
    except BatchError as exc:
        raise CLIError(str(exc), code=1) from exc
    except ServerKeyRefused as exc:  # no other file could get through either: stop at once
        raise CLIError(str(exc), code=1) from exc
    finally:
        if callable(getattr(translator, "close", None)):
            translator.close()  # the Ray runtime, a server connection
    summary.loading_seconds = loading
    progress.report(summary)
    return summary.exit_code
