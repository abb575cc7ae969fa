"""The desk the settings ask for: none (``THAIMT_DESK=false``), Redis when
``THAIMT_REDIS_URL`` is set (every replica sees the same), else the SQLite file at
``THAIMT_DESK_PATH``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.desk.books import Desk

if TYPE_CHECKING:
    from service.desk.store import DeskStore
    from service.settings import Settings


def desk_from_settings(settings: Settings) -> Desk | None:
    if not settings.desk:
        return None
    return Desk.over(store_from_settings(settings), settings.memory_fuzzy_threshold)


def store_from_settings(settings: Settings) -> DeskStore:
    if settings.redis_url:
        from service.desk.redis import RedisDesk  # the redis client only when asked for
        from service.state.redis_link import shared_link

        return RedisDesk(shared_link(settings))
    from service.desk.sqlite import SqliteDesk

    return SqliteDesk(settings.desk_path)
