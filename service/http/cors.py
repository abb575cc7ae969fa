"""CORS for browser clients on other origins (LibreTranslate front ends): off by default,
on for the origins in ``THAIMT_CORS_ORIGINS`` (``*`` = any). Starlette's middleware answers
preflights and adds the headers to every answer, refusals included."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from service.settings import Settings


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Add CORS as the outermost middleware (call it last), so a 413 or 429 carries it too."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", "X-API-Key"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
