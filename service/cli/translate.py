"""``thaimt translate``: one article from a file or standard input to English."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from service.cli.common import (
    add_glossary_options,
    add_model_options,
    load_checked_engine,
    settings_from_args,
    translate_options_from_args,
)
from service.cli.errors import CLIError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "translate",
        help="translate a Thai article (file or stdin) to English",
        description="Translate a Thai article; line structure and English terms are kept. "
        "On a terminal, a progress bar (inputs that take over a second) and a one-line summary "
        "go to stderr.",
    )
    parser.add_argument("input", nargs="?", default="-", help="input file, or - for stdin")
    parser.add_argument("-o", "--output", help="write the translation here (default stdout)")
    add_glossary_options(parser)
    parser.add_argument("--json", action="store_true", help="print segments and spans as JSON")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress, no summary, warnings only"
    )
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _read_input(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if path.is_dir():
        raise CLIError(f"input {name} is a directory; use `thaimt batch` for directories", code=2)
    if not path.is_file():
        raise CLIError(f"input file not found: {name}", code=2)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CLIError(
            f"{name} is not UTF-8 ({exc.reason} at byte {exc.start}); "
            "use `thaimt batch`, which detects TIS-620 / Windows-874"
        ) from exc
    except OSError as exc:
        raise CLIError(f"cannot read {name}: {exc.strerror or exc}", code=2) from exc


def _check_output(name: str | None) -> None:
    """A bad -o path fails before the model loads, not after the translation."""
    if name is None:
        return
    from service.cli.common import writable_file_problem

    problem = writable_file_problem(Path(name))
    if problem is not None:
        raise CLIError(f"output {name} {problem}", code=2)


def run(args: argparse.Namespace) -> int:
    from service.cli.progress import ProgressRun, summarize, wants_progress
    from service.workflow import translate_documents

    started = time.monotonic()
    text = _read_input(args.input)
    _check_output(args.output)
    settings = settings_from_args(args)
    options = translate_options_from_args(args, settings.beam_size)
    engine = load_checked_engine(settings)
    loaded = time.monotonic()
    show = wants_progress(args.quiet)
    progress = ProgressRun(engine, show)
    [result] = translate_documents(engine, [text], options, run=progress)
    out = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else result.text
    if not out.endswith("\n"):
        out += "\n"  # the input's last line may lack one; the line count is the same
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    if show:
        print(summarize(engine, progress, started, loaded).line(), file=sys.stderr)
    return 0
