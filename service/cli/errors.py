"""The CLI's user-facing error, in a module of its own so subcommands need not import main."""

from __future__ import annotations


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status ``code``, no traceback."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
