"""``thaimt serve``: the HTTP translation server (uvicorn), configured by THAIMT_* and flags."""

from __future__ import annotations

import argparse
import signal
from typing import Any

from service.cli.common import add_model_options, settings_from_args


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the HTTP translation server",
        description="Serve /v1/translate, the LibreTranslate API, /health, /ready and /metrics.",
    )
    add_model_options(parser)
    group = parser.add_argument_group("server")
    group.add_argument("--host", help="bind address (THAIMT_HOST, default 127.0.0.1)")
    group.add_argument("--port", type=int, help="bind port (THAIMT_PORT, default 8000)")
    group.add_argument("--max-batch-size", type=int, help="segments per model call")
    group.add_argument("--max-batch-tokens", type=int, help="padded source tokens per model call")
    group.add_argument("--max-wait-ms", type=float, help="longest wait to fill a batch")
    group.add_argument("--queue-size", type=int, help="queued segments before 503")
    group.add_argument(
        "--no-batching",
        dest="batching",
        action="store_false",
        default=None,
        help="one segment per model call (the baseline for benchmarks)",
    )
    group.add_argument(
        "--api-key",
        dest="api_keys",
        action="extend",
        nargs="+",
        metavar="KEY",
        help="accepted API key (repeatable; THAIMT_API_KEYS as a JSON list)",
    )
    group.add_argument("--log-level", default="info", help="uvicorn log level")
    group.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="do not log every request (uvicorn's access log)",
    )
    parser.set_defaults(handler=run)


SERVER_ARGS = (
    "host",
    "port",
    "max_batch_size",
    "max_batch_tokens",
    "max_wait_ms",
    "queue_size",
    "batching",
    "api_keys",
)


def run(args: argparse.Namespace) -> int:
    from service.http.memory import limit_malloc_arenas

    settings = settings_from_args(args, **{k: getattr(args, k) for k in SERVER_ARGS})
    if settings.memory_trim:
        limit_malloc_arenas()  # before any thread starts (see service/http/memory.py)
    import uvicorn

    from service.engine import Engine
    from service.http.app import create_app
    from service.http.connections import uvicorn_options

    # Load before binding the port: a missing model stops here with its one-line message.
    engine = Engine.from_settings(settings)
    app = create_app(settings, engine)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        access_log=args.access_log,
        # In-flight requests get their own timeout to finish before a forced stop.
        timeout_graceful_shutdown=int(settings.request_timeout_s) + 5,
        # X-Forwarded-For is believed only from these (the client address is what the
        # character budget charges when no API keys are configured).
        forwarded_allow_ips=settings.trusted_proxies,
        **uvicorn_options(settings),  # deadlines, connection cap, descriptor budget
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the signal that stopped it once it has shut down; with a handler of
    # our own in place, a SIGTERM that ended in a clean drain exits 0.
    signal.signal(signal.SIGTERM, _stopped)
    server.run()
    return 0 if server.started else 1


def _stopped(_signum: int, _frame: object) -> None:
    pass
