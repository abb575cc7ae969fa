"""The CLI's user-facing error, in a module of its own so subcommands need not import main."""

from __future__ import annotations


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status ``code``, no traceback."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# Every model family thaimt runs lives under an organisation on the hub (Helsinki-NLP/…,
# facebook/…), so a bare name that is no local directory is most likely a mistyped one.
EXAMPLE_HUB_ID = "Helsinki-NLP/opus-mt-th-en"


def model_problem(exc: Exception) -> str:
    """The line to print for a model that could not be used. A bare name (no ``/``) that the
    hub could not provide either is reported as the missing directory it most likely is, with
    the nearest existing folder name, instead of the long offline message."""
    from models.errors import ModelNotAvailableError

    if not isinstance(exc, ModelNotAvailableError) or "/" in exc.model:
        return str(exc)
    return missing_directory(exc.model)


def missing_directory(name: str) -> str:
    import difflib
    from pathlib import Path

    path = Path(name).expanduser()
    try:
        folders = [p.name for p in path.parent.iterdir() if p.is_dir()]
    except OSError:
        folders = []
    close = difflib.get_close_matches(path.name, folders, n=1)
    guess = f" (did you mean {Path(name).parent / close[0]}?)" if close else ""
    return (
        f"no such directory: {name}{guess}; give a model directory, or a hub id of the form "
        f"ORG/NAME such as {EXAMPLE_HUB_ID}"
    )
