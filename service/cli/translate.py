"""``thaimt translate``: one article from a file or standard input to English.

Where the model runs: a running thaimt server when one is named (``--server URL``,
``THAIMT_SERVER``) or, with no model flag given, when one answers at this machine's default
address (THAIMT_HOST:THAIMT_PORT, 127.0.0.1:8000) — what a newcomer who has just run
``make serve MODEL=...`` expects; otherwise this process loads THAIMT_MODEL / ``--model``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.cli.common import (
    GLOSSARY_ID_NEEDS_SERVER,
    add_glossary_options,
    add_model_options,
    add_server_options,
    explicit_server,
    load_checked_engine,
    local_server_url,
    model_flags_given,
    settings_from_args,
    translate_options_from_args,
)
from service.cli.errors import CLIError

if TYPE_CHECKING:
    from service.pipeline import TranslateOptions
    from service.settings import Settings


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "translate",
        help="translate a Thai article (file or stdin) to English",
        description="Translate a Thai article; line structure and English terms are kept. "
        "With no model flag, a thaimt server answering at THAIMT_SERVER or at the default "
        "address (127.0.0.1:8000) translates it; otherwise the model loads here. "
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
    add_server_options(parser, "translate with this running thaimt server")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _read_input(name: str) -> str:
    """The input as text, decoded as ``thaimt batch`` decodes files (UTF-8, UTF-16 with a BOM,
    TIS-620 / Windows-874, ...)."""
    from service.files.encodings import DecodeError, decode_bytes

    label = "standard input" if name == "-" else name
    data = sys.stdin.buffer.read() if name == "-" else _read_file(name)
    if not data.strip():
        return data.decode("ascii")  # nothing but ASCII whitespace: blank lines come back
    try:
        return decode_bytes(data).text
    except DecodeError as exc:
        raise CLIError(f"{label}: {exc}", code=2) from exc


def _read_file(name: str) -> bytes:
    path = Path(name)
    if path.is_dir():
        raise CLIError(f"input {name} is a directory; use `thaimt batch` for directories", code=2)
    if not path.is_file():
        raise CLIError(f"input file not found: {name}", code=2)
    try:
        return path.read_bytes()
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


def _server_to_use(args: argparse.Namespace, settings: Settings) -> tuple[str | None, bool]:
    """(the server to translate with, or None for this process; whether it was found by
    looking at the default address rather than named)."""
    from service.files.client import answers_as_thaimt

    named = explicit_server(args, settings)
    if named is not None or model_flags_given(args):
        return named, False
    url = local_server_url(settings)
    if url is not None and answers_as_thaimt(url):
        return url, True
    return None, False


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    text = _read_input(args.input)
    _check_output(args.output)
    settings = settings_from_args(args)
    options = translate_options_from_args(args, settings.beam_size)
    if args.api_key and not explicit_server(args, settings) and model_flags_given(args):
        raise CLIError("--api-key goes with a server (--server URL); drop the model flags", 2)
    server, found = _server_to_use(args, settings)
    if args.glossary_id and server is None:
        raise CLIError(GLOSSARY_ID_NEEDS_SERVER, code=2)
    if server is not None:
        out = _on_server(server, found, text, options, args, started)
    else:
        out = _here(text, options, settings, args, started)
    if args.output:
        Path(args.output).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


def _finish(out: str) -> str:
    return out if out.endswith("\n") else out + "\n"  # the line count is the input's


def _here(
    text: str,
    options: TranslateOptions,
    settings: Settings,
    args: argparse.Namespace,
    started: float,
) -> str:
    """Translate in this process, with the model of THAIMT_MODEL / --model."""
    from models.errors import ModelNotAvailableError
    from service.cli.errors import model_problem
    from service.cli.progress import ProgressRun, summarize, wants_progress
    from service.workflow import translate_documents

    try:
        engine = load_checked_engine(settings)
    except ModelNotAvailableError as exc:
        if model_flags_given(args):
            raise
        url = local_server_url(settings) or "THAIMT_HOST:THAIMT_PORT"
        raise CLIError(
            f"{model_problem(exc)} Or start a server (`make serve MODEL=DIR`): with no --model, "
            f"thaimt translate uses the one answering at {url} (or at --server URL)."
        ) from exc
    loaded = time.monotonic()
    show = wants_progress(args.quiet)
    progress = ProgressRun(engine, show)
    [result] = translate_documents(engine, [text], options, run=progress)
    out = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else result.text
    if show:
        print(summarize(engine, progress, started, loaded).line(), file=sys.stderr)
    return _finish(out)


def _on_server(
    url: str,
    found: bool,
    text: str,
    options: TranslateOptions,
    args: argparse.Namespace,
    started: float,
) -> str:
    """Translate with a running server (the same workflow, so the same translation)."""
    from service.cli.progress import wants_progress
    from service.files.client import ServerError, ServerKeyRefused, ServerTranslator

    try:
        client = ServerTranslator(url, options, api_key=args.api_key, glossary_id=args.glossary_id)
        if found and not args.quiet:
            print(
                f"thaimt: translating with the thaimt server at {url} (model {client.model}); "
                "--model M translates in this process instead",
                file=sys.stderr,
            )
        try:
            if args.json:
                out = json.dumps(client.translate_detail(text), ensure_ascii=False, indent=2)
            else:
                [out] = client.translate_documents([text])
        finally:
            client.close()
    except ServerKeyRefused as exc:
        hint = ", or translate in this process with --model M" if found else ""
        raise CLIError(f"{exc}{hint}") from exc
    except ServerError as exc:
        raise CLIError(str(exc)) from exc
    if wants_progress(args.quiet):
        segments = client.stats.segments
        print(
            f"thaimt: {segments} segment{'' if segments == 1 else 's'}, "
            f"{time.monotonic() - started:.1f} s (server {url})",
            file=sys.stderr,
        )
    return _finish(out)
