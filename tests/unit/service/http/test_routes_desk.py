"""The desk's routes on the app in this process (no model: glossaries, memory and the team
need none): the off switch, an open server's role, and which team a key's caller reaches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from service.desk.teams import OPEN_TEAM, own_team
from service.http.app import create_app
from service.http.auth import caller_for
from service.settings import Settings


def request(settings: Settings, method: str, path: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_with_the_desk_off_its_routes_are_not_found(tmp_path: Path) -> None:
    off = Settings(model="unused", cache=False, desk=False, desk_path=tmp_path / "d.sqlite3")
    assert request(off, "GET", "/v1/glossaries").status_code == 404
    assert request(off, "POST", "/v1/memory/lookup", json={"source": "ก"}).status_code == 404
    assert request(off, "GET", "/v1/team").json()["desk"] is False
    assert not (tmp_path / "d.sqlite3").exists()


def test_an_open_server_is_one_team_with_the_open_role(tmp_path: Path) -> None:
    settings = Settings(model="unused", cache=False, open_role="read",
                        desk_path=tmp_path / "d.sqlite3")  # fmt: skip
    assert request(settings, "GET", "/v1/team").json() == {
        "team": OPEN_TEAM, "role": "read", "can_write": False, "desk": True,
    }  # fmt: skip
    refused = request(settings, "POST", "/v1/glossaries", json={"name": "x"})
    assert refused.status_code == 403 and "read" in refused.json()["error"]
    assert request(settings, "GET", "/v1/glossaries").json() == {"glossaries": []}


def test_a_callers_team_comes_from_its_key() -> None:
    settings = Settings(api_keys=["solo"], key_teams={"ed": "news:write", "rd": "news:read"})
    assert caller_for("rd", "192.0.2.1", settings).access.team == "news"
    assert not caller_for("rd", "192.0.2.1", settings).access.can_write
    assert caller_for("solo", "192.0.2.1", settings).access.team == own_team("solo")
    open_server = Settings()
    assert caller_for(None, "192.0.2.1", open_server).access.team == OPEN_TEAM
