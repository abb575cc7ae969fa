"""The FastAPI application: ``create_app(settings, engine=None)``.

The model loads (if not given) and warms up in the background after startup, so the server
answers ``/health`` at once and ``/ready`` turns 200 only when translations can be served.
Shutdown (SIGTERM under uvicorn) stops accepting, lets in-flight requests finish, then drains
the batcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.backend import DecodeOptions
from service.batcher import CURRENT_TICKET, Batcher, BatcherConfig
from service.http import routes_libre, routes_ops, routes_v1
from service.http.body import BodyGuard, BodyLimits
from service.http.errors import install_error_handlers
from service.http.limits import CharBudget
from service.http.memory import MemoryTrim
from service.http.metrics import ServerMetrics
from service.http.openapi import install_openapi
from service.http.state import ServerState
from service.http.translation import prepare_warm_up
from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine

log = logging.getLogger(__name__)

WARM_UP_TEXT = "สวัสดีครับ วันนี้อากาศดีมาก"


def settings_from_env() -> Settings:
    no_overrides: dict[str, object] = {}  # every field has a default; THAIMT_* fill them in
    return Settings(**no_overrides)  # type: ignore[arg-type]


def batcher_config(settings: Settings) -> BatcherConfig:
    if not settings.batching:
        return BatcherConfig.unbatched(settings.queue_size)
    return BatcherConfig(
        max_batch_size=settings.max_batch_size,
        max_batch_tokens=settings.max_batch_tokens,
        max_wait_ms=settings.max_wait_ms,
        queue_size=settings.queue_size,
        max_hold_ms=settings.max_hold_ms,
    )


def load_engine(settings: Settings) -> Engine:
    from service.engine import Engine

    return Engine.from_settings(settings)


async def start_model(state: ServerState) -> None:
    """Load (if needed), start the batcher, warm up, then mark the server ready."""
    try:
        if state.engine is None:
            state.engine = await asyncio.to_thread(load_engine, state.settings)
        batcher = Batcher(state.engine, batcher_config(state.settings), state.metrics)
        state.metrics.watch_queue(lambda: batcher.queue_depth)
        state.metrics.watch_cache(state.engine.cache)
        state.batcher = batcher
        batcher.start()
        decode = DecodeOptions(
            beam_size=state.settings.beam_size,
            forced_output_tokens=state.settings.forced_output_tokens,
        )
        await asyncio.to_thread(prepare_warm_up, state.engine, WARM_UP_TEXT)
        # A full batch, so the first burst of clients does not pay for growing buffers.
        warm_up = [WARM_UP_TEXT] * batcher.config.max_batch_size
        await batcher.run_in_model_thread(warm_up, decode)
        state.ready = True
        log.info("model %s ready", state.model_id)
    except Exception as exc:
        state.load_error = str(exc)
        log.error("model failed to load: %s", exc)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or settings_from_env()
    state = ServerState(settings=settings, engine=engine, metrics=ServerMetrics())
    if settings.key_char_limit is not None:
        state.char_budget = CharBudget(settings.key_char_limit)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(start_model(state))
        try:
            yield
        finally:
            await loading  # a load in progress finishes (threads cannot be interrupted)
            if state.batcher is not None:
                await state.batcher.stop()

    app = FastAPI(
        title="thaimt",
        summary="Thai→English machine translation with cross-request batching",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.thaimt = state
    install_error_handlers(app)
    install_openapi(app, settings)
    routers = (routes_v1.router, routes_libre.router, routes_ops.router)
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodyGuard, limits=BodyLimits.from_settings(settings))
    app.add_middleware(MemoryTrim)  # memory back to the OS after large requests
    known = {getattr(route, "path", "") for router in routers for route in router.routes}
    app.add_middleware(RequestMetrics, metrics=state.metrics, known_paths=known, state=state)
    return app


NOT_QUEUED = frozenset({"/detect"})  # POST routes that never reach the batcher


@contextlib.contextmanager
def _current_ticket(batcher: Batcher) -> Iterator[object]:
    with batcher.preparing() as ticket:
        token = CURRENT_TICKET.set(ticket)
        try:
            yield ticket
        finally:
            CURRENT_TICKET.reset(token)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory service.http.app:app_from_env``: settings from THAIMT_*."""
    return create_app(settings_from_env())


class RequestMetrics:
    """ASGI middleware: in-flight gauge and latency by endpoint and status.

    It also announces each translation request to the batcher the moment it arrives (a
    ``PrepareTicket`` in ``CURRENT_TICKET``), so that a burst of requests fills one model call
    rather than two half-full ones; the ticket is released when the request's segments are
    queued, or when the request ends.
    """

    def __init__(
        self, app: ASGIApp, metrics: ServerMetrics, known_paths: set[str], state: ServerState
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths
        self.state = state

    def _announce(self, scope: Scope) -> contextlib.AbstractContextManager[object]:
        batcher = self.state.batcher
        if batcher is None or scope.get("method") != "POST" or scope.get("path") in NOT_QUEUED:
            return contextlib.nullcontext()
        return _current_ticket(batcher)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            with self._announce(scope):
                await self.app(scope, receive, send_and_record)
        finally:
            self.metrics.in_flight.dec()
            path = scope.get("path", "")
            endpoint = path if path in self.known_paths else "other"  # bounded label set
            self.metrics.request_seconds.labels(endpoint, str(status)).observe(
                time.perf_counter() - started
            )
