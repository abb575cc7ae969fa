"""One settings object for every entry point, read from ``THAIMT_*`` environment variables.

Command-line flags override these; nothing else in thaimt reads the environment directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THAIMT_", extra="ignore")

    # Model and engine
    model: str = Field("Helsinki-NLP/opus-mt-th-en", description="Hub id or local model directory")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit)")
    backend: str = Field("torch", description="Inference backend: torch or ct2")
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")
    dtype: str = Field("auto", description="auto, float32, float16, bfloat16 (ct2: int8 etc.)")
    threads: int = Field(0, description="Intra-op threads; 0 = all cores")
    beam_size: int = Field(1, ge=1, le=16, description="Default beam size")
    max_input_tokens: int | None = Field(None, description="Token budget per segment")

    # Batching
    max_batch_size: int = Field(32, ge=1, description="Segments per model call")
    max_batch_tokens: int = Field(4096, ge=1, description="Source tokens per model call")
    max_wait_ms: float = Field(
        50.0, ge=0, description="Fire a batch this long after the last arrival (debounce)"
    )
    max_hold_ms: float = Field(
        500.0, ge=0, description="Latest a batch fires after its oldest segment (0 = max_wait)"
    )
    batching: bool = Field(True, description="Cross-request batching (off = one segment a call)")
    queue_size: int = Field(2048, ge=1, description="Queued segments before 503")

    # Server limits
    host: str = Field("127.0.0.1", description="Bind address")
    port: int = Field(8000, description="Bind port")
    request_timeout_s: float = Field(120.0, gt=0, description="Per-request timeout (504)")
    max_chars_per_request: int = Field(200_000, ge=1, description="Characters per request (413)")
    max_texts_per_request: int = Field(128, ge=1, description="Texts per request (413)")
    max_body_bytes: int = Field(2_000_000, ge=1, description="Request body bytes (413)")
    api_keys: list[str] = Field(default_factory=list, description="Accepted API keys (JSON list)")
    key_char_limit: int | None = Field(
        None, ge=1, description="Characters per API key (or client address) per window"
    )
    key_char_window_s: float = Field(60.0, gt=0, description="Window of key_char_limit")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Proxies whose X-Forwarded-For is believed"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS ('*' = any); empty = off"
    )
    metrics_key: str | None = Field(None, description="Key /metrics requires (default: open)")
    docs: bool = Field(True, description="Serve /docs, /redoc and /openapi.json")

    # Cache
    cache: bool = Field(True, description="Use the persistent translation cache")
    cache_path: Path = Field(Path.home() / ".cache" / "thaimt" / "cache.sqlite3")
    cache_max_entries: int = Field(1_000_000, ge=1, description="Cache size cap (LRU eviction)")

    # Shared state for a fleet of replicas
    redis_url: str | None = Field(None, description="redis://… for the shared cache and budgets")
    redis_cache_ttl_s: int = Field(30 * 24 * 3600, ge=1, description="TTL of a cached entry")
    redis_timeout_s: float = Field(0.5, gt=0, description="Redis connect and socket timeout")
    redis_limit_fallback: Literal["local", "open", "closed"] = Field(
        "local", description="Budgets while Redis is unreachable: local, open or closed"
    )

    # Benchmarks (thaimt bench): every output exactly this many tokens, so runs compare
    forced_output_tokens: int | None = Field(
        None, ge=1, description="Benchmarks only: force every output to this many tokens"
    )

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _list_or_commas(cls, value: Any) -> Any:
        """A JSON list (``["a", "b"]``) or a comma-separated string (``a,b``)."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        """Each entry an IP address or network (``10.0.0.0/8``), or ``*`` (trust any peer)."""
        import ipaddress

        for entry in value:
            if entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"not an IP address or network: {entry!r}") from None
        return value
