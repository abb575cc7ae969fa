"""Secrets never reach a log line.

:class:`SecretFilter` sits on the log handlers (uvicorn's access log and the server's own lines)
and rewrites each record before it is written:

- the values of query-string and form parameters named like a secret (``api_key``, which
  LibreTranslate clients send in the URL, DeepL's ``auth_key``, any ``*key*``, ``*token*``,
  ``*secret*``, ``*password*``), the name matched after percent-decoding (``api%5Fkey``), right
  keys and wrong ones alike;
- what follows ``Authorization``, ``X-API-Key``, ``Bearer`` or ``DeepL-Auth-Key``;
- every configured secret (API keys, the metrics key) wherever it appears, e.g. in an error
  message that quotes a budget's Redis key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 4  # shorter configured "keys" would redact ordinary words

_PAIR = re.compile(r"(?P<lead>[?&;\s]|^)(?P<name>[^=&;?\s#\"']+)=(?P<value>[^&;\s#\"']*)")
_SECRET_NAME = re.compile(r"key|token|secret|passw|auth", re.IGNORECASE)
_CREDENTIAL = re.compile(
    r"(?P<lead>\b(?:authorization|x-api-key)\b[\"']?\s*[:=,]\s*[\"']?"
    r"(?:(?:bearer|deepl-auth-key|basic|token)\s+)?"
    r"|\b(?:bearer|deepl-auth-key)\s+)"
    r"(?P<value>[^\s\"',;&]+)",
    re.IGNORECASE,
)
_secrets: set[str] = set()


def register_secrets(values: Iterable[str | None]) -> None:
    """Values to hide wherever they appear (the server's API keys and metrics key)."""
    _secrets.update(v for v in values if v and len(v) >= MIN_SECRET_CHARS)


def redact(text: str) -> str:
    """``text`` with every secret in it replaced by ``[redacted]``."""
    if "=" in text:
        text = _PAIR.sub(_redact_pair, text)
    text = _CREDENTIAL.sub(lambda m: m["lead"] + REDACTED, text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _redact_pair(match: re.Match[str]) -> str:
    name = unquote_plus(match["name"], errors="replace")
    if match["value"] and _SECRET_NAME.search(name):
        return f"{match['lead']}{match['name']}={REDACTED}"
    return match[0]


class SecretFilter(logging.Filter):
    """Redacts every record it sees (put it on handlers: a logger's filters miss the records
    of its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            # uvicorn's access formatter reads the five arguments (client, method, path with
            # query, version, status): redact the path in place.
            record.args = (*args[:2], redact(str(args[2])), *args[3:])
        else:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_on_handlers(logger_names: Iterable[str] = ("", "uvicorn", "uvicorn.access")) -> None:
    """Put a SecretFilter on every handler of these loggers (idempotent): for servers whose
    logging someone else configured (plain uvicorn)."""
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, SecretFilter) for f in handler.filters):
                handler.addFilter(SecretFilter())
