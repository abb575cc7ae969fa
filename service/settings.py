"""One settings object for every entry point, read from ``THAIMT_*`` environment variables.

Command-line flags override these; nothing else in thaimt reads the environment directly.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    key_char_limit: int | None = Field(None, description="Characters per API key per minute")

    # Connections (service/http/connections.py, service/http/body.py)
    header_timeout_s: float = Field(
        20.0, gt=0, description="Time a client has to send a request's headers (408, close)"
    )
    body_timeout_s: float = Field(
        30.0, gt=0, description="Time a client has to send a request's body once its headers are in"
    )
    keep_alive_s: int = Field(5, ge=1, description="Idle keep-alive connections are closed after")
    max_connections: int = Field(
        1000, ge=1, description="Open connections (503 beyond; lowered to fit the fd limit)"
    )
    max_drain_bytes: int = Field(
        64_000_000, ge=0, description="Bytes of a refused body read so the client sees the answer"
    )

    # Cache
    cache: bool = Field(True, description="Use the persistent translation cache")
    cache_path: Path = Field(Path.home() / ".cache" / "thaimt" / "cache.sqlite3")
    cache_max_entries: int = Field(1_000_000, ge=1, description="Cache size cap (LRU eviction)")

    # Benchmarks (thaimt bench): every output exactly this many tokens, so runs compare
    forced_output_tokens: int | None = Field(
        None, ge=1, description="Benchmarks only: force every output to this many tokens"
    )
