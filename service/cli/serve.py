"""``thaimt serve``: the HTTP translation server (uvicorn), configured by THAIMT_* and flags."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import logging.config
import signal
import socket
from typing import Any

from service.cli.common import add_model_options, load_checked_engine, settings_from_args
from service.cli.errors import CLIError
from service.cli.help import setting_help
from service.logs import LOG_LEVELS, uvicorn_log_config
from service.settings import Settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the HTTP translation server",
        description="Serve /v1/translate, the LibreTranslate API, /health, /ready and /metrics.",
    )
    add_model_options(parser)
    group = parser.add_argument_group("server")
    group.add_argument("--host", help=setting_help("bind address", "host"))
    group.add_argument("--port", type=int, help=setting_help("bind port, 0 = any free one", "port"))
    group.add_argument(
        "--max-batch-size", type=int, help=setting_help("segments per model call", "max_batch_size")
    )
    group.add_argument(
        "--max-batch-tokens",
        type=int,
        help=setting_help("padded source tokens per model call", "max_batch_tokens"),
    )
    group.add_argument(
        "--max-wait-ms",
        type=float,
        help=setting_help("longest wait to fill a batch", "max_wait_ms"),
    )
    group.add_argument(
        "--queue-size", type=int, help=setting_help("queued segments before 503", "queue_size")
    )
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
    group.add_argument("--log-level", default="info", choices=LOG_LEVELS, help="log level")
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

    from service.http.app import create_app
    from service.http.connections import uvicorn_options

    log_config = uvicorn_log_config(args.log_level)
    logging.config.dictConfig(log_config)  # from here on, one log stream in uvicorn's format
    warn_if_exposed(settings)
    # Bind before loading: a port already in use is one line at once, not after a model load of
    # seconds or minutes. Nothing listens until uvicorn starts, so clients are refused meanwhile.
    listener = bind(settings)
    try:
        engine = load_checked_engine(settings)
    except BaseException:
        listener.close()
        raise
    settings = settings.model_copy(update={"port": listener.getsockname()[1]})  # port 0 → real
    announce(settings)
    app = create_app(settings, engine)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=log_config,
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
    server.run(sockets=[listener])
    return 0 if server.started else 1


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (a host name other than localhost
    may resolve to anything, so it counts as exposed)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(settings: Settings) -> str | None:
    """The warning for a server others can reach that accepts requests without a key."""
    if is_loopback(settings.host) or settings.api_keys:
        return None
    return (
        f"listening on {settings.host} with no API key: anyone who can reach this address can "
        "use the server; set THAIMT_API_KEYS (or --api-key KEY), or bind --host 127.0.0.1"
    )


def warn_if_exposed(settings: Settings) -> None:
    warning = exposure_warning(settings)
    if warning is not None:
        log.warning(warning)


def bind(settings: Settings) -> socket.socket:
    """The listening socket, bound here (before the model loads) so that a taken address is one
    line at once and the log can name the port the system chose for ``--port 0``. Options as
    asyncio's own binding."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY on accepted connections only for sockets
    # whose proto says TCP, and without it an early error reply (413) can be lost to a reset.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host.strip("[]"), settings.port))
    except OSError as exc:
        sock.close()
        raise CLIError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from exc
    return sock


def announce(settings: Settings) -> None:
    """uvicorn announces the address only when it binds itself; for a socket handed to it, as
    after its own Config.bind_socket(), the binder does, in uvicorn's words (once the model is
    loaded: the line tells tests and people that the server is about to answer)."""
    url = settings.server_url()
    logging.getLogger("uvicorn.error").info("Uvicorn running on %s (Press CTRL+C to quit)", url)


def _stopped(_signum: int, _frame: object) -> None:
    pass
