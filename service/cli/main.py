"""``thaimt`` entry point.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module is imported
only when listed here, and each subcommand imports its heavy dependencies lazily inside its
handler so ``thaimt --help`` stays fast.

Every problem a user can fix (a bad path, a bad setting, a missing model) ends as one line on
stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sqlite3
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_settings import SettingsError

from models.errors import ModelError
from service.cli.errors import CLIError as CLIError  # re-exported for older imports
from service.cli.errors import model_problem
from service.cli.help import HelpFormatter, version_line
from service.logs import configure_cli_logging

# Subcommand modules, in the order ``thaimt --help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "translate",
    "serve",
    "batch",
    "eval",
    "bench",
    "download",
    "convert",
    "make_test_model",
)


class _Parser(argparse.ArgumentParser):
    """Every subcommand's parser shows defaults in --help."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="thaimt", description="Self-hosted Thai→English machine translation.")
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"service.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"service.cli.{name}":
                raise
            continue  # subcommand not built yet
        module.register(sub)
    return parser


def _settings_problem(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        problems.append(f"{name} (THAIMT_{name.upper()}): {error['msg']}")
    return "; ".join(problems)


def _unparsable_setting(exc: SettingsError) -> str:
    """pydantic-settings names the field whose environment value is not JSON."""
    match = re.search(r'field "(\w+)"', str(exc))
    if match is None:
        return str(exc)
    name = match.group(1)
    return f'{name} (THAIMT_{name.upper()}): not valid JSON (a list is written \'["a", "b"]\')'


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_cli_logging(quiet=bool(getattr(args, "quiet", False)))
    try:
        result = args.handler(args)
    except CLIError as exc:
        print(f"thaimt: error: {_one_line(exc)}", file=sys.stderr)
        return exc.code
    except ModelError as exc:
        print(f"thaimt: error: {_one_line(model_problem(exc))}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # a flag or THAIMT_* value out of range
        print(f"thaimt: error: invalid setting: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    except SettingsError as exc:  # a THAIMT_* value that does not parse at all
        print(f"thaimt: error: invalid setting: {_unparsable_setting(exc)}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:  # a path the checks before could not foresee
        print(f"thaimt: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("thaimt: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy, so that exception classes such as
    # CLIError are the ones the subcommand modules raise.
    from service.cli.main import main as _main

    sys.exit(_main())
