"""Secrets never reach a log line: a table of lines, and uvicorn's access log as configured by
``thaimt serve`` (its handlers, its formatter)."""

from __future__ import annotations

import io
import logging

import pytest
from uvicorn.logging import AccessFormatter

from service.http.redaction import REDACTED, SecretFilter, redact, register_secrets
from service.logs import uvicorn_log_config

SECRET = "s3cret-Key_0123"


@pytest.mark.parametrize(
    "line",
    [
        f"/translate?api_key={SECRET}",
        f"/translate?q=x&api_key={SECRET}&source=th",
        f"/translate?api%5Fkey={SECRET}",  # the name percent-encoded
        f"/translate?API_KEY={SECRET}",
        f"/v2/translate?auth_key={SECRET}",
        f"/x?token={SECRET};y=1",
        f"POST /translate api_key={SECRET} 403",
        f"headers: Authorization: Bearer {SECRET}",
        f"Authorization: DeepL-Auth-Key {SECRET}",
        f"{{'x-api-key': '{SECRET}'}}",
        f"X-API-Key={SECRET}",
        f"budget key thaimt:budget:key:{SECRET}:123 unreachable",  # a configured key anywhere
    ],
)
def test_secrets_are_redacted(line: str) -> None:
    register_secrets([SECRET])
    cleaned = redact(line)
    assert SECRET not in cleaned and REDACTED in cleaned


@pytest.mark.parametrize(
    "line", ["/translate?q=hello&source=th&target=en", "thaimt ready on http://127.0.0.1:8000"]
)
def test_other_lines_are_kept(line: str) -> None:
    assert redact(line) == line


def test_the_access_log_of_thaimt_serve_redacts_query_keys() -> None:
    """Every handler of ``thaimt serve``'s logging configuration has the filter; through it and
    uvicorn's access formatter, an access line keeps its shape without the key. (The
    configuration is read, not applied: applying it would rewire this test process's logging.)"""
    config = uvicorn_log_config("info")
    assert config["filters"]["secrets"]["()"] == "service.http.redaction.SecretFilter"
    assert all("secrets" in handler["filters"] for handler in config["handlers"].values())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter(config["formatters"]["access"]["fmt"], use_colors=False))
    handler.addFilter(SecretFilter())
    wrong = "wrong-guess-4242"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/translate?q=x&api_key={wrong}", "1.1", 403),
        None,
    )
    handler.handle(record)
    logged = stream.getvalue()
    assert "POST /translate?q=x&api_key=[redacted] HTTP/1.1" in logged and wrong not in logged
