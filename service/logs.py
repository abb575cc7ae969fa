"""Where thaimt's own log lines go: stderr for commands, uvicorn's handlers for the server.

The packages log through ``logging.getLogger(__name__)``; without a handler their INFO lines
(conversion progress, the backend chosen, "ready") would vanish.
"""

from __future__ import annotations

import copy
import logging
import sys
from typing import Any

LOGGERS = ("service", "models")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class _StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record comes (not as it was when configured), so
    a caller that swaps stderr (a test capturing it) gets the lines."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_cli_logging(quiet: bool = False) -> None:
    """One ``thaimt: message`` line per record on stderr; warnings only when ``quiet``.

    Records still propagate: the root logger has no handler in a command (so nothing is printed
    twice), while an embedding program's or a test's own root handlers see them too."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("thaimt: %(message)s"))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.WARNING if quiet else logging.INFO)
        logger.propagate = True


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own logging configuration plus thaimt's loggers on its default handler, so the
    server's log reads as one stream (``INFO:     thaimt ready on …``); every handler redacts
    secrets (``service/http/redaction.py``)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    # Secrets (API keys in query strings, Authorization values) never reach a line.
    config.setdefault("filters", {})["secrets"] = {"()": "service.http.redaction.SecretFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("secrets")
    for name in LOGGERS:
        config["loggers"][name] = {
            "handlers": ["default"],
            "level": level.upper(),
            "propagate": False,
        }
    return config


def log_through_uvicorn() -> None:
    """Under plain uvicorn (``--factory service.http.app:app_from_env``) thaimt's loggers have
    no handler: give them uvicorn's, at uvicorn's level."""
    uvicorn_logger = logging.getLogger("uvicorn")
    level = logging.getLogger("uvicorn.error").getEffectiveLevel()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers and uvicorn_logger.handlers:
            logger.handlers = list(uvicorn_logger.handlers)
            logger.setLevel(level)
            logger.propagate = False
