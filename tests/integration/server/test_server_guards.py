"""API keys, the per-key character budget and the request timeout (504).

The timeout tests hold the model (``heldserver``): a held request cannot finish within any
timeout, however fast the machine, so the 504 does not depend on speed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from heldserver import HeldServer, held_server
from serverkit import Server, ndjson

LT = {"source": "th", "target": "en"}
KEYS = ["key-a", "key-b", "key-c"]
_fresh = itertools.count()


def fresh(text: str) -> str:
    """A text no earlier request had (so its token count is not remembered: counting it calls
    the held backend)."""
    return f"{text} {next(_fresh)}"


@pytest.fixture(scope="module")
def held(tiny_model_dir: Path) -> Iterator[HeldServer]:
    """API keys, 100 characters a minute per key, and a one-second timeout."""
    with held_server(
        tiny_model_dir, api_keys=KEYS, key_char_limit=100, request_timeout_s=1.0
    ) as server:
        yield server


def test_v1_requires_a_valid_key(keyed_server: Server) -> None:
    c = keyed_server.client
    r = c.post("/v1/translate", json={"text": "แมว"})
    assert r.status_code == 401 and "API key" in r.json()["error"]
    r = c.post("/v1/translate", json={"text": 5})  # the key is checked before the body
    assert r.status_code == 401
    r = c.post("/v1/translate", json={"text": "แมว"}, headers={"X-API-Key": "wrong"})
    assert r.status_code == 403 and r.json()["error"] == "Invalid API key"
    r = c.post("/v1/translate/stream", json={"text": "แมว"})
    assert r.status_code == 401


def test_libretranslate_routes_answer_403(keyed_server: Server) -> None:
    c = keyed_server.client
    assert c.post("/translate", json={"q": "แมว", **LT}).status_code == 403
    r = c.post("/translate", data={"q": "แมว", "api_key": "nope", **LT})
    assert r.status_code == 403 and r.json() == {"error": "Invalid API key"}
    assert c.post("/detect", json={"q": "แมว"}).status_code == 403
    r = c.post("/detect", json={"q": "แมว", "api_key": "key-a"})
    assert r.status_code == 200 and r.json()[0]["language"] == "th"
    assert c.get("/frontend/settings").json()["keyRequired"] is True
    assert c.get("/languages").status_code == 200  # public, as in LibreTranslate


def test_a_valid_key_gets_through_and_slow_work_times_out_with_504(held: HeldServer) -> None:
    c = held.client
    held.backend.hold()  # preparing (token counts) and translating wait
    try:
        for headers in ({"X-API-Key": "key-a"}, {"Authorization": "Bearer key-a"}):
            r = c.post("/v1/translate", json={"text": fresh("แมวนอนอยู่บนโต๊ะ")}, headers=headers)
            assert r.status_code == 504 and "did not finish" in r.json()["error"]
        r = c.post("/translate", json={"q": fresh("แมวนอนอยู่บนโต๊ะ"), "api_key": "key-a", **LT})
        assert r.status_code == 504
        r = c.post(
            "/v1/translate/stream", json={"text": fresh("แมว")}, headers={"X-API-Key": "key-a"}
        )
        assert r.status_code == 504
        assert c.get("/ready").status_code == 200
    finally:
        held.backend.release()


def test_a_stream_whose_model_is_held_ends_with_a_timeout_line(held: HeldServer) -> None:
    """Its segments are queued (so the answer has started, 200) and the model never answers
    them in time: the last line says so."""
    held.backend.hold("translate_batch")
    try:
        r = held.client.post(
            "/v1/translate/stream", json={"text": fresh("แมว")}, headers={"X-API-Key": "key-c"}
        )
    finally:
        held.backend.release()
    assert r.status_code == 200
    assert "did not finish within" in ndjson(r.text)[-1]["error"]


def test_work_not_done_is_not_charged(held: HeldServer) -> None:
    """A 504 refunds the characters: the budget (100 a minute) is never used up by them."""
    c = held.client
    headers = {"X-API-Key": "key-b"}
    held.backend.hold()
    try:
        for _ in range(3):
            r = c.post("/v1/translate", json={"text": "ก" * 60}, headers=headers)
            assert r.status_code == 504, r.text
        r = c.post("/translate", json={"q": "ก" * 60, "api_key": "key-b", **LT})
        assert r.status_code == 504, r.text
    finally:
        held.backend.release()


def test_a_valid_key_gets_a_translation(keyed_server: Server) -> None:
    c = keyed_server.client
    text = "แมวนอนอยู่บนโต๊ะ"  # the budget is 100 characters a minute per key
    for headers in ({"X-API-Key": "key-a"}, {"Authorization": "Bearer key-a"}):
        r = c.post("/v1/translate", json={"text": text}, headers=headers)
        assert r.status_code == 200, r.text
        ours = r.json()["translation"]
        assert isinstance(ours, str) and ours
    r = c.post("/translate", json={"q": text, "api_key": "key-a", **LT})
    assert r.status_code == 200 and r.json() == {"translatedText": ours}
    r = c.post("/translate", data={"q": text, **LT}, headers={"X-API-Key": "key-a"})
    assert r.status_code == 200 and r.json() == {"translatedText": ours}
    r = c.post("/v1/translate/stream", json={"text": "แมว"}, headers={"X-API-Key": "key-a"})
    assert r.status_code == 200 and ndjson(r.text)[-1]["done"] is True


def test_per_key_character_budget(keyed_server: Server) -> None:
    c = keyed_server.client
    headers = {"X-API-Key": "key-b"}  # 100 characters a minute
    assert c.post("/v1/translate", json={"text": "ก" * 60}, headers=headers).status_code == 200
    r = c.post("/v1/translate", json={"text": "ก" * 60}, headers=headers)
    assert r.status_code == 429 and "character limit" in r.json()["error"]
    assert int(r.headers["retry-after"]) >= 1
    r = c.post("/translate", json={"q": "ก" * 60, "api_key": "key-b", **LT})
    assert r.status_code == 429
    # Other keys have their own budget.
    other = c.post("/v1/translate", json={"text": "ก" * 60}, headers={"X-API-Key": "key-c"})
    assert other.status_code == 200
