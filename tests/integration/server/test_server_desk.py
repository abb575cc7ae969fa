"""The desk over HTTP on a real ``thaimt serve``: teams never see each other's glossaries or
memory (a test per route), read keys cannot change them, a stored glossary is applied to every
occurrence of its term through /v1, the stream, the file route, ``thaimt batch
--glossary-id`` and DeepL's /v2/translate (a glossary made through DeepL's /v2/glossaries is the
desk's), and the memory's TMX survives a round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverkit import REPO, Server
from translate.storage import tmx

from service.text.normalize import has_thai, normalize, split_lines

pytestmark = pytest.mark.slow

A, A_READ, B = "alpha-w", "alpha-r", "beta-w"
TERM, ENGLISH = "อาลีบาบา", "Alibaba Group"
B_SENTENCE, B_ENGLISH = "ราคา 120 บาท ที่ร้านของทีมบีตา", "It costs 120 baht at team beta's shop"


def call(server: Server, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return server.client.request(method, path, headers={"X-API-Key": key}, **kwargs)


@dataclass(frozen=True)
class BetaDesk:
    glossary_id: str
    unit_id: str


@pytest.fixture(scope="module")
def beta(desk_server: Server) -> BetaDesk:
    """Team beta's glossary and memory unit, which team alpha must never reach."""
    made = call(desk_server, B, "POST", "/v1/glossaries",
                json={"name": "beta terms", "entries": {"ทีมบีตา": "Team Beta"}})  # fmt: skip
    assert made.status_code == 201, made.text
    unit = call(desk_server, B, "POST", "/v1/memory",
                json={"units": [{"source": B_SENTENCE, "target": B_ENGLISH}]})  # fmt: skip
    assert unit.status_code == 200, unit.text
    return BetaDesk(made.json()["glossary_id"], unit.json()["units"][0]["id"])


def beta_untouched(server: Server, beta: BetaDesk) -> None:
    glossary = call(server, B, "GET", f"/v1/glossaries/{beta.glossary_id}")
    assert glossary.status_code == 200 and glossary.json()["entries"] == {"ทีมบีตา": "Team Beta"}
    found = call(server, B, "POST", "/v1/memory/lookup", json={"source": B_SENTENCE}).json()
    assert found["exact"]["id"] == beta.unit_id and found["exact"]["target"] == B_ENGLISH


TMX_FILE = (
    '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="th" '
    'datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" '
    'creationtoolversion="1"/><body><tu><tuv xml:lang="th"><seg>' + B_SENTENCE + "</seg></tuv>"
    '<tuv xml:lang="en"><seg>alpha\'s own English</seg></tuv></tu></body></tmx>'
)


# Every desk route, called by team alpha on team beta's glossary or unit: (name, call, check).
def _routes(beta: BetaDesk) -> dict[str, tuple[str, str, dict[str, Any], Callable[..., bool]]]:
    gid, uid = beta.glossary_id, beta.unit_id
    listed = lambda r: r.status_code == 200 and gid not in r.text  # noqa: E731
    not_found = lambda r: r.status_code == 404  # noqa: E731
    no_match = lambda r: r.status_code == 200 and r.json()["exact"] is None  # noqa: E731
    return {
        "list glossaries": ("GET", "/v1/glossaries", {}, listed),
        "read glossary": ("GET", f"/v1/glossaries/{gid}", {}, not_found),
        "export entries": ("GET", f"/v1/glossaries/{gid}/entries?format=tsv", {}, not_found),
        "replace glossary": ("PUT", f"/v1/glossaries/{gid}", {"json": {"entries": {}}}, not_found),
        "delete glossary": ("DELETE", f"/v1/glossaries/{gid}", {}, not_found),
        "translate with it": (
            "POST", "/v1/translate", {"json": {"text": "ทีมบีตา", "glossary_id": gid}}, not_found,
        ),
        "memory count": (
            "GET", "/v1/memory", {}, lambda r: r.status_code == 200 and r.json()["team"] == "alpha",
        ),
        "memory lookup": ("POST", "/v1/memory/lookup", {"json": {"source": B_SENTENCE}}, no_match),
        "delete unit": ("DELETE", f"/v1/memory/units/{uid}", {}, not_found),
        "memory export": (
            "GET", "/v1/memory/export", {},
            lambda r: r.status_code == 200 and B_ENGLISH not in r.text,
        ),
        "memory add": (
            "POST", "/v1/memory",
            {"json": {"units": [{"source": B_SENTENCE, "target": "alpha's own English"}]}},
            lambda r: r.status_code == 200,
        ),
        "memory import": (
            "POST", "/v1/memory/import", {"files": {"file": ("m.tmx", TMX_FILE.encode())}},
            lambda r: r.status_code == 200 and r.json()["imported"] == 1,
        ),
        "memory clear": ("DELETE", "/v1/memory", {}, lambda r: r.status_code == 200),
        "glossary import": (
            "POST", "/v1/glossaries/import",
            {"files": {"file": ("t.tsv", "ทีมบีตา\tAlpha's name\n".encode())}},
            lambda r: r.status_code == 201,
        ),
    }  # fmt: skip


ROUTES = list(_routes(BetaDesk("g", "u")))


@pytest.mark.parametrize("route", ROUTES)
def test_another_team_cannot_reach_a_teams_glossaries_or_memory(
    desk_server: Server, beta: BetaDesk, route: str
) -> None:
    method, path, kwargs, check = _routes(beta)[route]
    answer = call(desk_server, A, method, path, **kwargs)
    assert check(answer), (route, answer.status_code, answer.text[:300])
    beta_untouched(desk_server, beta)
    translated = call(desk_server, A, "POST", "/v1/translate",
                      json={"text": B_SENTENCE, "detail": True})  # fmt: skip
    origins = [s["origin"] for p in translated.json()["detail"][0]["paragraphs"]
               for s in p["segments"]]  # fmt: skip
    assert "memory" not in origins or route in ("memory add", "memory import")


WRITES = {
    "create glossary": ("POST", "/v1/glossaries", {"json": {"name": "x"}}),
    "import glossary": ("POST", "/v1/glossaries/import", {"files": {"file": ("t.tsv", b"a\tb\n")}}),
    "replace glossary": ("PUT", "/v1/glossaries/any", {"json": {"entries": {}}}),
    "delete glossary": ("DELETE", "/v1/glossaries/any", {}),
    "add units": ("POST", "/v1/memory", {"json": {"units": [{"source": "ก", "target": "a"}]}}),
    "delete unit": ("DELETE", "/v1/memory/units/any", {}),
    "clear memory": ("DELETE", "/v1/memory", {}),
    "import memory": ("POST", "/v1/memory/import", {"files": {"file": ("m.tmx", b"<tmx/>")}}),
}


@pytest.mark.parametrize("route", list(WRITES))
def test_a_read_key_reads_but_cannot_change_its_team_desk(desk_server: Server, route: str) -> None:
    method, path, kwargs = WRITES[route]
    answer = call(desk_server, A_READ, method, path, **kwargs)
    assert answer.status_code == 403 and "read" in answer.json()["error"], answer.text
    assert call(desk_server, A_READ, "GET", "/v1/glossaries").status_code == 200
    assert call(desk_server, A_READ, "GET", "/v1/team").json() == {
        "team": "alpha", "role": "read", "can_write": False, "desk": True,
    }  # fmt: skip


def _occurrences(article: str) -> int:
    return sum(normalize(line).count(TERM) for line in split_lines(article) if has_thai(line))


@pytest.fixture(scope="module")
def alpha_glossary(desk_server: Server) -> str:
    made = call(desk_server, A, "POST", "/v1/glossaries", json={
        "name": "companies", "entries_text": f"{TERM}\t{ENGLISH}\n", "entries_format": "tsv",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["entries"] == {TERM: ENGLISH}
    return str(made.json()["glossary_id"])


def test_a_stored_glossary_is_applied_to_every_occurrence_in_v1_stream_and_file(
    desk_server: Server, alpha_glossary: str, example_page: str
) -> None:
    count = _occurrences(example_page)
    assert count >= 10
    body = {"text": example_page, "glossary_id": alpha_glossary}
    whole = call(desk_server, A_READ, "POST", "/v1/translate", json=body)
    assert whole.status_code == 200, whole.text
    assert whole.json()["translation"].count(ENGLISH) == count
    lines = call(desk_server, A_READ, "POST", "/v1/translate/stream", json=body).text
    streamed = "\n".join(json.loads(x).get("translation", "") for x in lines.splitlines())
    assert streamed.count(ENGLISH) == count
    upload = call(desk_server, A_READ, "POST", "/v1/translate/file",
                  files={"file": ("news.txt", example_page.encode())},
                  data={"glossary_id": alpha_glossary})  # fmt: skip
    assert upload.status_code == 200, upload.text
    assert upload.json()["content"].count(ENGLISH) == count
    # The request's own entry wins over the stored one.
    mine = call(desk_server, A, "POST", "/v1/translate",
                json={**body, "glossary": {TERM: "Alibaba"}}).json()  # fmt: skip
    assert ENGLISH not in mine["translation"] and mine["translation"].count("Alibaba") >= count


def test_thaimt_batch_applies_a_server_glossary_by_id(
    desk_server: Server, alpha_glossary: str, example_page: str, tmp_path: Path
) -> None:
    source = tmp_path / "in" / "news.txt"
    source.parent.mkdir()
    source.write_text(example_page, encoding="utf-8")
    command = [sys.executable, "-m", "service.cli.main", "batch", str(source.parent),
               "-o", str(tmp_path / "out"), "--server", desk_server.url, "--api-key", A_READ,
               "--glossary-id", alpha_glossary, "-q"]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = (tmp_path / "out" / "news.txt").read_text(encoding="utf-8")
    assert out.count(ENGLISH) == _occurrences(example_page)
    here = [*command[:5], "-o", str(tmp_path / "here"), "--glossary-id", alpha_glossary]
    local = subprocess.run(here, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert local.returncode == 2 and "--server" in local.stderr


def test_the_memory_round_trips_through_tmx(desk_server: Server) -> None:
    pairs = [
        ("ราคา 100 บาท ที่ Central World", "It costs 100 baht at Central World"),
        ("ประชุมครั้งที่ 3 จะจัดขึ้นที่ EEC", "The third meeting will be held in the EEC"),
    ]
    added = call(desk_server, B, "POST", "/v1/memory",
                 json={"units": [{"source": s, "target": t} for s, t in pairs],
                       "glossary": {"บาท": "THB"}})  # fmt: skip
    assert added.status_code == 200, added.text
    first = call(desk_server, B, "GET", "/v1/memory/export")
    assert first.headers["content-type"].startswith("application/x-tmx+xml")
    parsed = tmx.tmxfile.parsestring(first.content)  # translate-toolkit reads our export
    assert {(u.source, u.target) for u in parsed.units} >= set(pairs)
    into = call(desk_server, A, "POST", "/v1/memory/import",
                files={"file": ("beta.tmx", first.content)})  # fmt: skip
    assert into.status_code == 200 and into.json()["skipped"] == 0, into.text
    again = call(desk_server, A, "GET", "/v1/memory/export")
    assert _units(first.content) <= _units(again.content)  # identical units, dates included


def _units(data: bytes) -> set[tuple[str, ...]]:
    """Each unit's Thai, English, dates and masked forms, as the TMX file holds them."""
    units = set()
    for unit in tmx.tmxfile.parsestring(data).units:
        element = unit.xmlelement
        props = tuple(p.text or "" for p in element.iterchildren("prop"))
        dates = (element.get("creationdate"), element.get("changedate"))
        units.add((unit.source, unit.target, *dates, *props))
    return units


def test_memory_is_marked_in_the_stream_and_offered_as_a_suggestion(desk_server: Server) -> None:
    unit = {"source": "ตลาดปิด 5 วัน", "target": "The market closes for 5 days"}
    saved = call(desk_server, A, "POST", "/v1/memory", json={"units": [unit]})
    assert saved.status_code == 200, saved.text
    body = {"text": "ตลาดปิด 9 วัน\nตลาดปิด 9 วันครับ", "detail": True, "suggestions": True}
    stream = call(desk_server, A_READ, "POST", "/v1/translate/stream", json=body)
    lines = [json.loads(x) for x in stream.text.splitlines()]
    first, second = lines[0]["segments"][0], lines[1]["segments"][0]
    assert first["origin"] == "memory" and lines[0]["translation"] == "The market closes for 9 days"
    assert second["origin"] == "machine" and second["suggestion"]["target"].startswith("The market")
    assert second["suggestion"]["adapted"] == "The market closes for 9 days"
    off = call(desk_server, A_READ, "POST", "/v1/translate",
               json={"text": "ตลาดปิด 9 วัน", "memory": False}).json()  # fmt: skip
    assert off["translation"] != "The market closes for 9 days"


def deepl(server: Server, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"DeepL-Auth-Key {key}"}
    return server.client.request(method, path, headers=headers, **kwargs)


def test_a_glossary_made_through_deepl_is_the_desks_and_applies_on_v2_translate(
    desk_server: Server, beta: BetaDesk, example_page: str
) -> None:
    body = {"name": "deepl terms", "source_lang": "th", "target_lang": "en",
            "entries": f"{TERM}\tAlibaba Cloud\nEEC\tEEC\n", "entries_format": "tsv"}  # fmt: skip
    made = deepl(desk_server, A, "POST", "/v2/glossaries", json=body)
    assert made.status_code == 201, made.text
    gid = made.json()["glossary_id"]
    assert made.json()["entry_count"] == 2
    on_v1 = call(desk_server, A_READ, "GET", f"/v1/glossaries/{gid}").json()
    assert on_v1["entries"] == {TERM: "Alibaba Cloud"} and on_v1["do_not_translate"] == ["EEC"]
    listed = call(desk_server, A_READ, "GET", "/v1/glossaries").json()["glossaries"]
    assert gid in [g["glossary_id"] for g in listed]
    assert gid in deepl(desk_server, A_READ, "GET", "/v2/glossaries").text
    asked = {"text": [example_page], "source_lang": "TH", "target_lang": "EN", "glossary_id": gid}
    done = deepl(desk_server, A_READ, "POST", "/v2/translate", json=asked)
    assert done.status_code == 200, done.text
    assert done.json()["translations"][0]["text"].count("Alibaba Cloud") == _occurrences(
        example_page
    )
    # The team's other key reads it; a read key cannot change it; another team never sees it.
    assert deepl(desk_server, A_READ, "POST", "/v2/glossaries", json=body).status_code == 403
    assert deepl(desk_server, A_READ, "DELETE", f"/v3/glossaries/{gid}").status_code == 403
    assert deepl(desk_server, B, "GET", f"/v2/glossaries/{gid}").status_code == 404
    assert deepl(desk_server, B, "DELETE", f"/v2/glossaries/{gid}").status_code == 404
    assert deepl(desk_server, A, "GET", f"/v3/glossaries/{beta.glossary_id}").status_code == 404
    theirs = {**asked, "glossary_id": beta.glossary_id}
    assert deepl(desk_server, A, "POST", "/v2/translate", json=theirs).status_code == 404
    assert gid not in deepl(desk_server, B, "GET", "/v3/glossaries").text
    assert deepl(desk_server, A, "DELETE", f"/v3/glossaries/{gid}").status_code == 204
    assert call(desk_server, A, "GET", f"/v1/glossaries/{gid}").status_code == 404
