"""One settings object for every entry point, read from ``THAIMT_*`` environment variables.

Command-line flags override these; nothing else in thaimt reads the environment directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.loading import BACKEND_CHOICES, DEFAULT_MODEL, default_cache_dir

CACHE_FILE = "cache.sqlite3"  # the translation cache's name inside the cache directory


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THAIMT_", extra="ignore")

    # Model and engine
    model: str = Field(DEFAULT_MODEL, description="Hub id or local model directory")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit)")
    backend: str = Field(
        "auto", description="auto (CTranslate2 where the model converts, else torch), torch, ct2"
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")
    dtype: str = Field("auto", description="auto, float32, float16, bfloat16 (ct2: int8 etc.)")
    threads: int = Field(0, ge=0, description="Intra-op threads; 0 = all cores")
    beam_size: int = Field(1, ge=1, le=16, description="Default beam size")
    max_input_tokens: int | None = Field(None, ge=1, description="Token budget per segment")

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
    port: int = Field(8000, ge=0, le=65535, description="Bind port (0 = any free port)")
    request_timeout_s: float = Field(120.0, gt=0, description="Per-request timeout (504)")
    max_chars_per_request: int = Field(200_000, ge=1, description="Characters per request (413)")
    max_texts_per_request: int = Field(128, ge=1, description="Texts per request (413)")
    max_body_bytes: int = Field(2_000_000, ge=1, description="Request body bytes (413)")
    api_keys: list[str] = Field(default_factory=list, description="Accepted API keys (JSON list)")
    key_char_limit: int | None = Field(None, description="Characters per API key per minute")

    # Cache
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="thaimt's cache directory: CTranslate2 conversions, and the default cache_path",
    )
    cache: bool = Field(True, description="Use the persistent translation cache")
    cache_path: Path = Field(
        default_factory=lambda: default_cache_dir() / CACHE_FILE,
        description="Translation cache file (default: cache_dir/cache.sqlite3)",
    )
    cache_max_entries: int = Field(1_000_000, ge=1, description="Cache size cap (LRU eviction)")

    # Benchmarks (thaimt bench): every output exactly this many tokens, so runs compare
    forced_output_tokens: int | None = Field(
        None, ge=1, description="Benchmarks only: force every output to this many tokens"
    )

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in BACKEND_CHOICES:
            raise ValueError(f"unknown backend {value!r}; choose {', '.join(BACKEND_CHOICES)}")
        return value

    @field_validator("cache_dir", "cache_path")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()  # "~/x" in an environment variable is not expanded by a shell

    @model_validator(mode="after")
    def _cache_path_follows_cache_dir(self) -> Self:
        if "cache_path" not in self.model_fields_set and "cache_dir" in self.model_fields_set:
            self.cache_path = self.cache_dir / CACHE_FILE
        return self

    def server_url(self) -> str:
        """The address ``thaimt serve`` listens on, as a URL (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
