"""The desk seen from a request: the caller's team and role, the desk's errors as HTTP
answers, and a translation's options with the team's glossary and memory.

Every desk call runs in a thread (SQLite or Redis I/O never blocks the event loop) and names
the caller's team; a glossary or unit of another team is not found (404), never forbidden
(403 would tell that it exists). A read key may read and translate with its team's glossaries
and memory; changing them takes a write key (403).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from service.desk.glossaries import GlossaryInvalid, GlossaryNotFound, GlossaryRecord, combined
from service.desk.lookup import TeamMemory
from service.desk.memory import UnitInvalid
from service.desk.store import DeskUnavailable
from service.desk.tmx import TmxInvalid
from service.http.errors import ApiError
from service.http.parsing import translate_options
from service.http.state import ServerState

if TYPE_CHECKING:
    from service.desk.books import Desk
    from service.http.auth import Caller
    from service.http.schemas import TranslateRequest
    from service.pipeline import TranslateOptions

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_S = 5


def desk_of(state: ServerState) -> Desk:
    if state.desk is None:
        raise ApiError(404, "glossaries and memory are turned off on this server (THAIMT_DESK)")
    return state.desk


def require_write(caller: Caller) -> None:
    if not caller.access.can_write:
        raise ApiError(
            403,
            f"this key may read team {caller.access.team}'s glossaries and memory, not change "
            "them (its role is read; THAIMT_KEY_TEAMS gives roles)",
        )


async def desk_call(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` in a thread, its refusals as HTTP answers."""
    try:
        return await asyncio.to_thread(function, *args)
    except GlossaryNotFound as exc:
        raise ApiError(404, f"{exc}: list them with GET /v1/glossaries") from None
    except (GlossaryInvalid, UnitInvalid, TmxInvalid) as exc:
        raise ApiError(400, str(exc)) from None
    except DeskUnavailable as exc:
        log.debug("desk unavailable: %s", exc)
        message = "glossaries and memory cannot be read or written now (a fault on the server)"
        raise ApiError(503, message, {"Retry-After": str(RETRY_S)}) from None
    except ImportError as exc:  # an optional package (translate-toolkit, python-docx ...)
        raise ApiError(501, str(exc)) from None


async def named_glossary(
    state: ServerState, caller: Caller, glossary_id: str | None
) -> GlossaryRecord | None:
    """The glossary a translation names, of the caller's team (404 when it has none)."""
    if glossary_id is None:
        return None
    desk = desk_of(state)
    return await desk_call(desk.glossaries.for_translation, caller.access.team, glossary_id)


def team_memory(
    state: ServerState, caller: Caller, use: bool = True, suggestions: bool = False
) -> TeamMemory | None:
    """The caller's team's memory, for the workflow (None with the desk off or not used)."""
    if state.desk is None or not use:
        return None
    return TeamMemory(state.desk.memory, caller.access.team, suggestions)


async def desk_options(
    body: TranslateRequest, state: ServerState, caller: Caller
) -> TranslateOptions:
    """/v1's options with the named glossary under the request's own (the request's entries
    win where both have a term) and the team's memory."""
    options = translate_options(body, state)
    stored = await named_glossary(state, caller, body.glossary_id)
    glossary, keep = combined(stored, options.glossary, options.do_not_translate)
    memory = team_memory(state, caller, body.memory, body.suggestions)
    return dataclasses.replace(options, glossary=glossary, do_not_translate=keep, memory=memory)


def with_memory(options: TranslateOptions, state: ServerState, caller: Caller) -> TranslateOptions:
    """Options of a route without desk fields (LibreTranslate's): the team's memory applies."""
    return dataclasses.replace(options, memory=team_memory(state, caller))
