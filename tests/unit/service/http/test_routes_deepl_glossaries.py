"""DeepL's /v2 and /v3 glossary routes over the store interface they need (``DeskGlossaries``),
each test over a stand-in book that keeps glossaries in a dict per caller and over the desk's own
store (SQLite, through service.http.deepl_desk): the shapes, the two API shapes over one store,
and the refusals. (Over a real server: tests/integration/server/test_server_desk.py.)"""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.desk.books import Desk
from service.desk.sqlite import SqliteDesk
from service.http.auth import Caller
from service.http.deepl_desk import DeepLGlossaries
from service.http.routes_deepl_glossaries import router
from service.http.state import ServerState
from service.http.styles import install_error_handlers
from service.settings import Settings

KEY = {"Authorization": "DeepL-Auth-Key key-a"}
OTHER = {"Authorization": "DeepL-Auth-Key key-b"}


@dataclass
class Glossary:
    glossary_id: str
    name: str
    entries: Mapping[str, str]
    do_not_translate: tuple[str, ...] = ()
    source_lang: str = "th"
    target_lang: str = "en"
    creation_time: float = field(default_factory=time.time)

    @property
    def entry_count(self) -> int:
        return len(self.entries) + len(self.do_not_translate)


class StandInBook:
    """The interface's behaviour in a dict per caller (not a store: no persistence)."""

    def __init__(self) -> None:
        self.kept: dict[str, dict[str, Glossary]] = {}

    def _parse(self, text: str, fmt: str) -> dict[str, str]:
        rows = csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t")
        pairs = [row for row in rows if row]
        if any(len(row) != 2 for row in pairs):
            raise ValueError("every line needs a source and a target")
        return dict(pairs)

    def find(self, caller: Caller, glossary_id: str) -> Glossary | None:
        return self.kept.get(caller.identity, {}).get(glossary_id)

    def list(self, caller: Caller) -> Sequence[Glossary]:
        return list(self.kept.get(caller.identity, {}).values())

    def create(self, caller: Caller, name: str, entries: str, entries_format: str) -> Glossary:
        made = Glossary(str(uuid.uuid4()), name, self._parse(entries, entries_format))
        self.kept.setdefault(caller.identity, {})[made.glossary_id] = made
        return made

    def replace(
        self, caller: Caller, glossary_id: str, name: str | None, entries: str | None, fmt: str
    ) -> Glossary | None:
        found = self.find(caller, glossary_id)
        if found is not None:
            found.name = name or found.name
            found.entries = self._parse(entries, fmt) if entries is not None else found.entries
        return found

    def delete(self, caller: Caller, glossary_id: str) -> bool:
        return self.kept.get(caller.identity, {}).pop(glossary_id, None) is not None

    def entries_tsv(self, glossary: Glossary) -> str:
        return "".join(f"{s}\t{t}\n" for s, t in glossary.entries.items())


def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


@pytest.fixture(params=["stand-in", "desk"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FastAPI]:
    """Each test over the stand-in and over the desk's own store (SQLite, the adapter)."""
    app = FastAPI()
    app.state.thaimt = ServerState(Settings(api_keys=["key-a", "key-b"]))
    store = SqliteDesk(tmp_path / "desk.sqlite3") if request.param == "desk" else None
    book = DeepLGlossaries(Desk.over(store).glossaries) if store is not None else StandInBook()
    app.state.thaimt_glossaries = book
    install_error_handlers(app)
    app.include_router(router)
    yield app
    if store is not None:
        store.close()


def test_v2_create_list_get_entries_delete(app: FastAPI) -> None:
    body = {"name": "ข่าว", "source_lang": "th", "target_lang": "en",
            "entries": "สมคิด\tSomkid\nอาลีบาบา\tAlibaba", "entries_format": "tsv"}  # fmt: skip
    made = call(app, "POST", "/v2/glossaries", json=body, headers=KEY)
    assert made.status_code == 201, made.text
    info = made.json()
    assert {k: info[k] for k in ("name", "ready", "source_lang", "target_lang", "entry_count")} == {
        "name": "ข่าว", "ready": True, "source_lang": "th", "target_lang": "en", "entry_count": 2,
    }  # fmt: skip
    assert info["creation_time"].endswith("Z")
    gid = info["glossary_id"]
    assert call(app, "GET", "/v2/glossaries", headers=KEY).json()["glossaries"] == [info]
    assert call(app, "GET", f"/v2/glossaries/{gid}", headers=KEY).json() == info
    tsv = call(app, "GET", f"/v2/glossaries/{gid}/entries",
               headers={**KEY, "Accept": "text/tab-separated-values"})  # fmt: skip
    assert tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert tsv.text == "สมคิด\tSomkid\nอาลีบาบา\tAlibaba\n"
    assert call(app, "GET", f"/v2/glossaries/{gid}", headers=OTHER).status_code == 404
    assert call(app, "DELETE", f"/v2/glossaries/{gid}", headers=KEY).status_code == 204
    gone = call(app, "GET", f"/v2/glossaries/{gid}", headers=KEY)
    assert gone.status_code == 404 and "Glossary not found" in gone.json()["message"]


def test_v3_shape_over_the_same_store(app: FastAPI) -> None:
    body = {"name": "csv", "dictionaries": [{"source_lang": "th", "target_lang": "en",
            "entries": "ไทย,Thailand", "entries_format": "csv"}]}  # fmt: skip
    made = call(app, "POST", "/v3/glossaries", json=body, headers=KEY).json()
    assert made["dictionaries"] == [{"source_lang": "th", "target_lang": "en", "entry_count": 1}]
    gid = made["glossary_id"]
    assert call(app, "GET", f"/v2/glossaries/{gid}", headers=KEY).json()["entry_count"] == 1
    pair = {"source_lang": "th", "target_lang": "en"}
    entries = call(app, "GET", f"/v3/glossaries/{gid}/entries", params=pair, headers=KEY).json()
    assert entries["dictionaries"][0]["entries"] == "ไทย\tThailand\n"
    patched = call(app, "PATCH", f"/v3/glossaries/{gid}", json={"name": "new"}, headers=KEY)
    assert patched.json()["name"] == "new"
    assert [g["glossary_id"] for g in call(app, "GET", "/v3/glossaries", headers=KEY).json()[
        "glossaries"]] == [gid]  # fmt: skip
    assert call(app, "DELETE", f"/v3/glossaries/{gid}", headers=KEY).status_code == 204


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/v2/glossaries", {"name": "x", "source_lang": "en", "target_lang": "de",
                            "entries": "a\tb"}, 400, "th → en"),
        ("/v2/glossaries", {"name": "x", "source_lang": "th", "target_lang": "en-us",
                            "entries": "a\tb", "entries_format": "xlsx"}, 400, "entries_format"),
        ("/v2/glossaries", {"name": "x", "source_lang": "th", "target_lang": "en",
                            "entries": "only one column"}, 400, "Invalid glossary entries"),
        ("/v3/glossaries", {"name": "x", "dictionaries": []}, 400, "dictionaries"),
    ],
)  # fmt: skip
def test_refusals(app: FastAPI, path: str, body: dict[str, Any], status: int, words: str) -> None:
    answer = call(app, "POST", path, json=body, headers=KEY)
    assert answer.status_code == status and words in answer.json()["message"]


def test_no_key_and_no_store(app: FastAPI) -> None:
    assert call(app, "GET", "/v2/glossaries").status_code == 403
    app.state.thaimt_glossaries = None
    answer = call(app, "GET", "/v2/glossaries", headers=KEY)
    assert answer.status_code == 403 and "turned off" in answer.json()["message"]


def test_over_the_desk_read_keys_csv_language_columns_and_a_store_down(tmp_path: Path) -> None:
    """The adapter's own rules: a read key lists but cannot create (403); DeepL's CSV with its
    language columns; term<TAB>term kept as written; a store that cannot answer is a 503."""
    store = SqliteDesk(tmp_path / "desk.sqlite3")
    app = FastAPI()
    teams = {"key-a": "news:write", "key-r": "news:read"}
    app.state.thaimt = ServerState(Settings(api_keys=["key-a"], key_teams=teams))
    app.state.thaimt_glossaries = DeepLGlossaries(Desk.over(store).glossaries)
    install_error_handlers(app)
    app.include_router(router)
    reader = {"Authorization": "DeepL-Auth-Key key-r"}
    body = {"name": "n", "source_lang": "th", "target_lang": "en", "entries_format": "csv",
            "entries": "สมคิด,Somkid,th,en\nEEC,EEC,th,en\n"}  # fmt: skip
    refused = call(app, "POST", "/v2/glossaries", json=body, headers=reader)
    assert refused.status_code == 403 and "read" in refused.json()["message"]
    made = call(app, "POST", "/v2/glossaries", json=body, headers=KEY)
    assert made.status_code == 201, made.text
    gid = made.json()["glossary_id"]
    tsv = call(app, "GET", f"/v2/glossaries/{gid}/entries", headers=reader).text
    assert tsv == "สมคิด\tSomkid\nEEC\tEEC\n"
    german = call(app, "POST", "/v2/glossaries", json={**body, "entries": "a,b,th,de"}, headers=KEY)
    assert german.status_code == 400 and "th,en" in german.json()["message"]
    store.close()
    (tmp_path / "a-file").write_text("")
    store.path = tmp_path / "a-file" / "desk.sqlite3"  # reopening fails: the store cannot answer
    down = call(app, "GET", "/v2/glossaries", headers=KEY)
    assert down.status_code == 503 and down.headers["retry-after"] == "5"
    assert call(app, "GET", f"/v2/glossaries/{gid}", headers=KEY).status_code == 200  # held copy
