"""``thaimt`` entry point.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module is imported
only when listed here, and each subcommand imports its heavy dependencies lazily inside its
handler so ``thaimt --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from models.errors import ModelError

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


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status ``code``, no traceback."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thaimt", description="Self-hosted Thai→English machine translation."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except CLIError as exc:
        print(f"thaimt: error: {exc}", file=sys.stderr)
        return exc.code
    except ModelError as exc:
        print(f"thaimt: error: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:  # a flag or THAIMT_* value out of range
        print(f"thaimt: error: invalid setting: {_settings_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("thaimt: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy, so that exception classes such as
    # CLIError are the ones the subcommand modules raise.
    from service.cli.main import main as _main

    sys.exit(_main())
