"""What one running server holds: settings, engine, batcher, metrics and readiness."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from service.batching import Batcher
from service.http.errors import ApiError
from service.http.metrics import ServerMetrics
from service.settings import Settings
from service.state.budgets import Budget

if TYPE_CHECKING:
    from service.desk.books import Desk
    from service.engine import Engine
    from service.state.redis_link import RedisLink


@dataclass
class ServerState:
    settings: Settings
    metrics: ServerMetrics = field(default_factory=ServerMetrics)
    engine: Engine | None = None
    batcher: Batcher | None = None
    ready: bool = False
    load_error: str | None = None
    char_budget: Budget | None = None
    redis: RedisLink | None = None  # THAIMT_REDIS_URL: the shared cache's and budgets' link
    desk: Desk | None = None  # glossaries and translation memory (THAIMT_DESK)
    # Document jobs, once the model is ready: a service.http.documents.ServerJobs (not imported
    # here: it builds on this module).
    documents: object | None = None

    def require_ready(self) -> tuple[Engine, Batcher]:
        """The engine and batcher, or 503 while the model is still loading."""
        if self.load_error is not None:
            raise ApiError(503, "the model failed to load; see the server log")
        if not self.ready or self.engine is None or self.batcher is None:
            raise ApiError(503, "model is loading; retry shortly", {"Retry-After": "5"})
        return self.engine, self.batcher

    @property
    def model_id(self) -> str:
        """The model's name as clients see it (a local directory by its name, not its path)."""
        loaded = getattr(getattr(self.engine, "backend", None), "model_id", self.settings.model)
        return public_model_name(str(loaded))


def public_model_name(model_id: str) -> str:
    """A hub id as is; a local model directory by its last component (no filesystem paths in
    answers to clients)."""
    path = Path(model_id).expanduser()
    if path.is_absolute() or model_id.startswith(("~", ".")) or path.exists():
        return path.name or model_id
    return model_id


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.thaimt
    return state
