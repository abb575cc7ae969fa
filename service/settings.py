"""One settings object for every entry point, read from ``THAIMT_*`` environment variables.

Command-line flags override these; nothing else in thaimt reads the environment directly.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.loading import BACKEND_CHOICES, DEFAULT_MODEL, default_cache_dir
from service import defaults
from service.desk.teams import Access, Role, parse_membership

if TYPE_CHECKING:
    from models.backend import DecodeOptions
    from models.loading import ModelSpec
    from service.formats.base import DocumentLimits

CACHE_FILE = "cache.sqlite3"  # the translation cache's name inside the cache directory
DESK_FILE = "desk.sqlite3"  # glossaries and translation memory, inside the data directory


def default_data_dir() -> Path:
    """Where thaimt keeps what users made (glossaries, memory): ``$XDG_DATA_HOME/thaimt``, else
    ``~/.local/share/thaimt``. Not the cache directory: nothing here may be thrown away."""
    import os

    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "thaimt"


class Settings(BaseSettings):
    # Inputs are kept out of error messages: some are secrets (keys, a Redis URL's password).
    model_config = SettingsConfigDict(
        env_prefix="THAIMT_", extra="ignore", hide_input_in_errors=True
    )

    # Model and engine
    model: str = Field(DEFAULT_MODEL, description="Hub id or local model directory")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit)")
    backend: str = Field(
        "auto", description="auto (CTranslate2 where the model converts, else torch), torch, ct2"
    )
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N")
    dtype: str = Field("auto", description="auto, float32, float16, bfloat16 (ct2: int8 etc.)")
    threads: int = Field(0, ge=0, description="Model threads in all; 0 = all cores")
    inter_threads: int = Field(
        0, ge=0, description="CTranslate2 replicas sharing the threads; 0 = auto (CPU: per core)"
    )
    beam_size: int = Field(1, ge=1, le=16, description="Default beam size")
    # Each alternative widens the beam by one (beam width = max(beam, 1 + alternatives)), so the
    # bound keeps the widest search at 16, like beam_size.
    max_alternatives: int = Field(
        3, ge=0, le=15, description="Most n-best alternatives a request may ask for"
    )
    max_input_tokens: int | None = Field(None, ge=1, description="Token budget per segment")

    # Batching
    max_batch_size: int = Field(defaults.MAX_BATCH_SIZE, ge=1, description="Segments per call")
    max_batch_tokens: int = Field(
        defaults.MAX_BATCH_TOKENS, ge=1, description="Padded source tokens x beam per model call"
    )
    max_wait_ms: float = Field(
        defaults.MAX_WAIT_MS, ge=0, description="Fire a batch this long after the last arrival"
    )
    max_hold_ms: float = Field(
        defaults.MAX_HOLD_MS,
        ge=0,
        description="Latest a batch fires after its oldest segment (0 = max_wait)",
    )
    batching: bool = Field(True, description="Cross-request batching (off = one segment a call)")
    queue_size: int | None = Field(
        None,
        ge=1,
        description="Queued segments before 503 (default: what the measured model speed serves "
        "in half the request timeout)",
    )

    # Server limits
    host: str = Field("127.0.0.1", description="Bind address")
    port: int = Field(8000, ge=0, le=65535, description="Bind port (0 = any free port)")
    request_timeout_s: float = Field(
        defaults.REQUEST_TIMEOUT_S, gt=0, description="Per-request timeout (504)"
    )
    max_chars_per_request: int = Field(200_000, ge=1, description="Characters per request (413)")
    max_texts_per_request: int = Field(128, ge=1, description="Texts per request (413)")
    max_body_bytes: int = Field(2_000_000, ge=1, description="Request body bytes (413)")
    api_keys: list[str] = Field(default_factory=list, description="Accepted API keys (JSON list)")
    key_teams: dict[str, str] = Field(
        default_factory=dict,
        description='Keys with a team and role: {"KEY": "team:read|write"} (accepted keys too)',
    )
    open_role: Role = Field(
        "write", description="Desk role of everyone on a server without keys: read or write"
    )
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

    # The web page (GET /) and file translation
    web_ui: bool = Field(True, description="Serve the web page at GET / (off: 404)")
    files_translation: bool = Field(
        True, description="File upload endpoints: /v1/translate/file, /translate_file"
    )
    download_dir: Path = Field(
        Path(tempfile.gettempdir()) / "thaimt-downloads",
        description="Where /translate_file keeps results until /download_file fetches them",
    )
    download_ttl_s: float = Field(3600.0, gt=0, description="How long a result stays there")
    download_max_bytes: int = Field(
        200_000_000, ge=1, description="Size cap of that folder (oldest removed first)"
    )
    download_max_files: int = Field(1000, ge=1, description="File cap of that folder")
    download_client_max_bytes: int = Field(
        50_000_000,
        ge=1,
        description="Bytes one API key (or client address) may keep there (its oldest go first)",
    )
    download_client_max_files: int = Field(
        100, ge=1, description="Files one API key (or client address) may keep there"
    )
    public_url: str | None = Field(
        None,
        description="The server's address as clients reach it (https://mt.example.com/base): "
        "links in answers start with it (default: the address the connection reached)",
    )
    document_max_entries: int = Field(
        10_000, ge=1, description="Zip entries a .docx/.xlsx/.odt/.epub ... may have (413)"
    )
    document_max_unpacked_bytes: int = Field(
        512 * 1024 * 1024,
        ge=1,
        description="Uncompressed bytes of all entries of such a zip-based file (413: zip bomb)",
    )

    # Document jobs (POST /v1/documents; service/jobs)
    jobs_dir: Path = Field(
        default_factory=lambda: default_cache_dir() / "jobs",
        description="Document jobs' uploads, results and (without Redis) state; shared by every "
        "replica when Redis is set (default: cache_dir/jobs)",
    )
    jobs_ttl_s: float = Field(
        86_400.0, gt=0, description="How long a finished job and its result are kept"
    )
    jobs_max_bytes: int = Field(
        5_000_000_000, ge=1, description="Disk all jobs may use: uploads and results (507)"
    )
    jobs_max_bytes_per_key: int = Field(
        1_000_000_000, ge=1, description="Disk one API key (or client address) may use (507)"
    )
    jobs_max_upload_bytes: int = Field(
        100_000_000, ge=1, description="Bytes of one uploaded document (413)"
    )
    jobs_max_chars: int = Field(
        10_000_000, ge=1, description="Characters to translate in one document job (413)"
    )
    jobs_concurrency: int = Field(2, ge=1, description="Jobs one replica runs at once")
    jobs_timeout_s: float = Field(
        6 * 3600.0, gt=0, description="A job that runs longer fails (and is refunded)"
    )
    jobs_chunk_segments: int = Field(
        64, ge=1, description="Segments a job puts in the batcher's queue at a time"
    )
    jobs_max_defer_s: float = Field(
        defaults.BACKGROUND_MAX_WAIT_S,
        gt=0,
        description="A job segment queued this long ranks as interactive (no starvation)",
    )
    jobs_lease_s: float = Field(
        30.0, gt=0, description="A running job not heard of for this long is taken over"
    )
    page_job_bytes: int = Field(
        200_000, ge=0, description="The web page sends files larger than this as a job"
    )

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

    # The translation desk: glossaries and translation memory (docs/desk.md)
    desk: bool = Field(True, description="Server glossaries and translation memory (off: 404)")
    desk_path: Path = Field(
        default_factory=lambda: default_data_dir() / DESK_FILE,
        description="SQLite file of glossaries and memory (unused with THAIMT_REDIS_URL)",
    )
    memory_fuzzy_threshold: float = Field(
        0.8, ge=0.5, le=1.0, description="Close-match score (0.5-1) for a memory suggestion"
    )

    # Clients of a running server (thaimt translate, thaimt batch)
    server: str | None = Field(
        None, description="URL of a running thaimt server that translate and batch use"
    )

    # Shared state for a fleet of replicas
    redis_url: str | None = Field(None, description="redis://… for the shared cache and budgets")
    redis_cache_ttl_s: int = Field(30 * 24 * 3600, ge=1, description="TTL of a cached entry")
    redis_timeout_s: float = Field(0.5, gt=0, description="Redis connect and socket timeout")
    redis_limit_fallback: Literal["local", "open", "closed"] = Field(
        "local", description="Budgets while Redis is unreachable: local, open or closed"
    )

    memory_trim: bool = Field(
        True,
        description="Give memory back to the OS after large requests (glibc: two malloc "
        "arenas, malloc_trim)",
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

    @field_validator("key_teams")
    @classmethod
    def _memberships(cls, value: dict[str, str]) -> dict[str, str]:
        for key, membership in value.items():
            if not key:
                raise ValueError("an empty key in THAIMT_KEY_TEAMS")
            parse_membership(membership)  # says what is wrong, without naming the key
        return value

    @model_validator(mode="after")
    def _team_keys_are_accepted(self) -> Self:
        """A key given a team is an accepted key: THAIMT_KEY_TEAMS alone is enough."""
        extra = [k for k in self.key_teams if k not in self.api_keys]
        if extra:
            self.api_keys = [*self.api_keys, *extra]
        return self

    def memberships(self) -> dict[str, Access]:
        """Key → team and role, from ``THAIMT_KEY_TEAMS``."""
        return {key: parse_membership(value) for key, value in self.key_teams.items()}

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """An absolute http(s) URL, without query or fragment (a path prefix is kept)."""
        if not value:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"not an http(s) URL like https://mt.example.com: {value!r}")
        if parts.fragment:
            raise ValueError(f"a URL without #fragment, please: {value!r}")
        return value.strip().rstrip("/")

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in BACKEND_CHOICES:
            raise ValueError(f"unknown backend {value!r}; choose {', '.join(BACKEND_CHOICES)}")
        return value

    @field_validator("cache_dir", "cache_path", "desk_path", "jobs_dir")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()  # "~/x" in an environment variable is not expanded by a shell

    @model_validator(mode="after")
    def _cache_path_follows_cache_dir(self) -> Self:
        if "cache_path" not in self.model_fields_set and "cache_dir" in self.model_fields_set:
            self.cache_path = self.cache_dir / CACHE_FILE
        if "jobs_dir" not in self.model_fields_set and "cache_dir" in self.model_fields_set:
            self.jobs_dir = self.cache_dir / "jobs"
        return self

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """The one way settings are built: ``THAIMT_*`` variables, then ``overrides`` (flags);
        an override of None means "not given"."""
        return cls(**{k: v for k, v in overrides.items() if v is not None})

    def model_spec(self) -> ModelSpec:
        """The model these settings name (serve, translate, batch and eval all load this)."""
        from models.loading import ModelSpec

        return ModelSpec(
            model=self.model,
            backend=self.backend,
            device=self.device,
            dtype=self.dtype,
            threads=self.threads,
            inter_threads=self.inter_threads,
            revision=self.revision,
            max_input_tokens=self.max_input_tokens,
            cache_dir=self.cache_dir,
        )

    def decode_options(self, beam_size: int | None = None, alternatives: int = 0) -> DecodeOptions:
        """Decoding for one request: its beam (default: this server's), n-best alternatives,
        and the benchmarks' forced output length (None in normal use)."""
        from models.backend import DecodeOptions

        return DecodeOptions(
            beam_size=beam_size or self.beam_size,
            forced_output_tokens=self.forced_output_tokens,
            alternatives=alternatives,
        )

    @property
    def document_limits(self) -> DocumentLimits:
        """The caps on zip-based documents, as the formats take them."""
        from service.formats.base import DocumentLimits

        return DocumentLimits(self.document_max_entries, self.document_max_unpacked_bytes)

    def server_url(self) -> str:
        """The address ``thaimt serve`` listens on, as a URL (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
