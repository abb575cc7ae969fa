"""The store the settings ask for: none, Redis (``THAIMT_REDIS_URL``) or a SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from service.cache.sqlite import SqliteCache

if TYPE_CHECKING:
    from service.cache.store import SegmentStore
    from service.settings import Settings


def open_cache(path: str | Path, max_entries: int = 1_000_000) -> SqliteCache:
    """Open (creating if needed) the cache file at ``path``."""
    return SqliteCache(path, max_entries=max_entries)


def cache_from_settings(settings: Settings, enabled: bool | None = None) -> SegmentStore | None:
    """The cache ``settings`` ask for: none (``THAIMT_CACHE=false``, or ``enabled=False``),
    Redis when ``THAIMT_REDIS_URL`` is set, otherwise the SQLite file at ``THAIMT_CACHE_PATH``."""
    if not (settings.cache if enabled is None else enabled):
        return None
    if settings.redis_url:
        from service.cache.redis import RedisCache  # the redis client only when asked for
        from service.state.redis_link import shared_link

        return RedisCache(shared_link(settings), ttl_s=settings.redis_cache_ttl_s)
    return open_cache(settings.cache_path, settings.cache_max_entries)
