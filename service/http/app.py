"""The FastAPI application: ``create_app(settings, engine=None)``.

The model loads (if not given) and warms up in the background after startup, so the server
answers ``/health`` at once and ``/ready`` turns 200 only when translations can be served.
Shutdown (SIGTERM under uvicorn) stops accepting, lets in-flight requests finish, then drains
the batcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.backend import encode_segments
from service.batching import Batcher
from service.batching.factory import make_batcher
from service.batching.worker import model_thread
from service.desk.factory import desk_from_settings
from service.engine import Engine, load_engine
from service.http import (
    routes_deepl,
    routes_deepl_documents,
    routes_deepl_glossaries,
    routes_documents,
    routes_files,
    routes_glossaries,
    routes_libre,
    routes_memory,
    routes_ops,
    routes_v1,
    routes_web,
)
from service.http.body import BodyGuard, BodyLimits
from service.http.cors import install_cors
from service.http.deepl_desk import DeepLGlossaries
from service.http.memory import MemoryTrim
from service.http.metrics import ServerMetrics
from service.http.openapi import install_openapi
from service.http.redaction import install_on_handlers, register_secrets
from service.http.state import ServerState
from service.http.styles import install_error_handlers
from service.pipeline import TranslateOptions, prepare_documents
from service.settings import Settings
from service.state.budgets import budget_from_settings

if TYPE_CHECKING:
    from service.state.redis_link import RedisLink

log = logging.getLogger(__name__)

WARM_UP_TEXT = "สวัสดีครับ วันนี้อากาศดีมาก"


async def start_model(state: ServerState) -> None:
    """Load (if needed), start the batcher, warm up, then mark the server ready."""
    try:
        if state.engine is None:  # on the model thread, where it will run (model_thread())
            loop = asyncio.get_running_loop()
            state.engine = await loop.run_in_executor(model_thread(), load_engine, state.settings)
        engine = state.engine
        batcher, state.scheduler = make_batcher(engine, state.settings, state.metrics)
        state.metrics.scheduler.labels(state.scheduler).set(1)
        state.metrics.watch_queue(lambda: batcher.queue_depth, lambda: batcher.capacity)
        state.metrics.watch_cache(engine.cache)
        state.batcher = batcher
        batcher.start()
        # PyThaiNLP loads its sentence and word models on first use (seconds): not on the
        # first request. Then a full batch, so the first burst of clients does not pay for
        # growing buffers, and admission learns the model's speed.
        await asyncio.to_thread(
            prepare_documents, [WARM_UP_TEXT], TranslateOptions(), engine.backend
        )
        warm_up = await asyncio.to_thread(encode_segments, engine.backend, [WARM_UP_TEXT])
        decode = state.settings.decode_options()
        await batcher.warm_up(warm_up * batcher.config.max_batch_size, decode)
        state.ready = True
        start_jobs(state, engine, batcher)
        log.info(ready_line(state))
    except Exception as exc:
        state.load_error = str(exc)
        log.error("model failed to load: %s", exc)


def start_jobs(state: ServerState, engine: Engine, batcher: Batcher) -> None:
    """Document jobs start running once the model is ready; a jobs folder that cannot be made
    leaves them off (503 on their routes), never translation."""
    from service.http.documents import ServerJobs
    from service.jobs import DocumentJobs

    try:
        jobs = DocumentJobs.from_settings(state.settings, state.redis)
        jobs.start(engine, batcher)
    except OSError as exc:
        log.error("document jobs are off: cannot use THAIMT_JOBS_DIR: %s", exc)
        return
    state.documents = ServerJobs(state, jobs)


async def stop_jobs(state: ServerState) -> None:
    """Running jobs are given back, to be resumed by the restarted server (or a replica)."""
    from service.http.documents import ServerJobs

    if isinstance(state.documents, ServerJobs):
        await state.documents.jobs.stop()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings.load()
    register_secrets([*settings.api_keys, settings.metrics_key])  # never in a log line
    warn_about_links(settings)
    state = ServerState(settings=settings, engine=engine, metrics=ServerMetrics())
    state.redis = redis_link(settings)
    state.char_budget = budget_from_settings(settings, state.redis)
    state.desk = desk_from_settings(settings)
    state.metrics.watch_shared_state(state.redis, state.char_budget)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        loading = asyncio.create_task(start_model(state))
        try:
            yield
        finally:
            await loading  # a load in progress finishes (threads cannot be interrupted)
            await stop_jobs(state)
            if state.batcher is not None:
                await state.batcher.stop()
            if state.desk is not None:
                state.desk.store.close()

    app = _application(settings, lifespan)
    app.state.thaimt = state
    if state.desk is not None:  # DeepL's glossary routes on the desk's one store
        app.state.thaimt_glossaries = DeepLGlossaries(state.desk.glossaries)
    install_error_handlers(app)
    install_openapi(app, settings)
    routers = (
        routes_v1.router,
        routes_libre.router,
        routes_ops.router,
        routes_files.router,  # file uploads: /v1
        routes_files.libre_router,  # and LibreTranslate's
        routes_documents.router,  # document jobs
        routes_glossaries.router,  # the desk: glossaries, memory
        routes_memory.router,
        routes_deepl.router,  # DeepL's /v2
        routes_deepl_glossaries.router,  # DeepL's /v2 and /v3 glossaries (the desk's store)
        routes_deepl_documents.router,  # DeepL's /v2/document (on the document jobs)
        routes_web.router,  # the page at GET /
    )
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodyGuard, limits=BodyLimits.from_settings(settings))
    if settings.memory_trim:
        app.add_middleware(MemoryTrim)  # memory back to the OS after large requests
    known = {getattr(route, "path", "") for router in routers for route in router.routes}
    app.add_middleware(RequestMetrics, metrics=state.metrics, known_paths=known)
    install_cors(app, settings)  # outermost: refusals carry CORS headers too
    return app


def warn_about_links(settings: Settings) -> None:
    """Behind a proxy the address a connection reached is not the one clients use."""
    if settings.trusted_proxies and not settings.public_url:
        log.warning(
            "THAIMT_TRUSTED_PROXIES is set but THAIMT_PUBLIC_URL is not: /translate_file's "
            "download links name this server's own address, not the proxy's; set "
            "THAIMT_PUBLIC_URL=https://your.public.address"
        )


def redis_link(settings: Settings) -> RedisLink | None:
    if not settings.redis_url:
        return None
    from service.state.redis_link import shared_link

    return shared_link(settings)


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory service.http.app:app_from_env``: settings from THAIMT_*."""
    from service.logs import log_through_uvicorn

    log_through_uvicorn()
    install_on_handlers()  # uvicorn configured its own handlers: secrets stay out of them too
    return create_app(Settings.load())


def _application(settings: Settings, lifespan: Any) -> FastAPI:
    """The FastAPI object. /docs and /redoc come with their assets inside the installed package
    (fastapi-offline): no CDN on an air-gapped site, and no Swagger validator badge fetched from
    the internet. THAIMT_DOCS=false: no API pages at all."""
    about: dict[str, Any] = {
        "title": "thaimt",
        "summary": "Thai→English machine translation with cross-request batching",
        "version": "0.1.0",
        "lifespan": lifespan,
    }
    if not settings.docs:
        return FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **about)
    return FastAPIOffline(swagger_ui_parameters={"validatorUrl": None}, **about)


def ready_line(state: ServerState) -> str:
    """``thaimt ready on URL (ct2 int8, cpu, 2 threads)``. The URL is named when the port is
    known: ``thaimt serve`` sets the one it bound; under plain uvicorn only uvicorn knows it
    (unless THAIMT_PORT says the same), so its own "running on" line names it there."""
    known = "port" in state.settings.model_fields_set
    where = f" on {state.settings.server_url()}" if known else ""
    return f"thaimt ready{where} ({runtime(state)})"


def runtime(state: ServerState) -> str:
    """``ct2 int8, cpu, 2 threads``: what the ready line reports."""
    from models.loading import runtime_of

    if state.engine is None:
        return "no model"
    described = str(runtime_of(state.engine.backend, state.settings.threads))
    return f"{described}, {state.scheduler} batching" if state.scheduler else described


class RequestMetrics:
    """ASGI middleware: in-flight gauge and latency by endpoint and status. (Requests announce
    themselves to the batcher in the workflow, once their body has been read: a client
    trickling its body must not hold back everyone else's batch.)"""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics, known_paths: set[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.known_paths = known_paths

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
            await self.app(scope, receive, send_and_record)
        finally:
            self.metrics.in_flight.dec()
            path = scope.get("path", "")
            endpoint = path if path in self.known_paths else "other"  # bounded label set
            self.metrics.request_seconds.labels(endpoint, str(status)).observe(
                time.perf_counter() - started
            )
