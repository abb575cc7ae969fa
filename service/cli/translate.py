"""``thaimt translate``: one article from a file or standard input to English."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.cli.common import (
    add_glossary_options,
    add_model_options,
    settings_from_args,
    translate_options_from_args,
)
from service.cli.main import CLIError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "translate",
        help="translate a Thai article (file or stdin) to English",
        description="Translate a Thai article; line structure and English terms are kept.",
    )
    parser.add_argument("input", nargs="?", default="-", help="input file, or - for stdin")
    parser.add_argument("-o", "--output", help="write the translation here (default stdout)")
    add_glossary_options(parser)
    parser.add_argument("--json", action="store_true", help="print segments and spans as JSON")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _read_input(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not path.is_file():
        raise CLIError(f"input file not found: {name}", code=2)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CLIError(
            f"{name} is not UTF-8 ({exc.reason} at byte {exc.start}); "
            "use `thaimt batch`, which detects TIS-620 / Windows-874"
        ) from exc


def run(args: argparse.Namespace) -> int:
    from service.engine import Engine
    from service.workflow import translate_document

    text = _read_input(args.input)
    settings = settings_from_args(args)
    options = translate_options_from_args(args, settings.beam_size)
    engine = Engine.from_settings(settings)
    result = translate_document(engine, text, options)
    out = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else result.text
    if not out.endswith("\n"):
        out += "\n"  # the input's last line may lack one; the line count is the same
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0
