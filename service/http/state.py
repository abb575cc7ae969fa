"""What one running server holds: settings, engine, batcher, metrics and readiness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from service.batching import Batcher
from service.http.errors import ApiError
from service.http.limits import CharBudget
from service.http.metrics import ServerMetrics
from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine


@dataclass
class ServerState:
    settings: Settings
    metrics: ServerMetrics = field(default_factory=ServerMetrics)
    engine: Engine | None = None
    batcher: Batcher | None = None
    ready: bool = False
    load_error: str | None = None
    char_budget: CharBudget | None = None

    def require_ready(self) -> tuple[Engine, Batcher]:
        """The engine and batcher, or 503 while the model is still loading."""
        if self.load_error is not None:
            raise ApiError(503, f"model failed to load: {self.load_error}")
        if not self.ready or self.engine is None or self.batcher is None:
            raise ApiError(503, "model is loading; retry shortly", {"Retry-After": "5"})
        return self.engine, self.batcher

    @property
    def model_id(self) -> str:
        return str(getattr(getattr(self.engine, "backend", None), "model_id", self.settings.model))


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.thaimt
    return state
