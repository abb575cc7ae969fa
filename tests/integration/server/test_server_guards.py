"""API keys, the per-key character budget, and requests that cannot finish within the request
timeout (the "guarded" server's is 1 µs: admission refuses them before any work, with a 413
that names the timeout; a 504 for work that runs out of time is tested with a blocker the test
controls, in test_server_timeouts.py)."""

from __future__ import annotations

from serverkit import Server, ndjson

LT = {"source": "th", "target": "en"}


def test_v1_requires_a_valid_key(guarded_server: Server) -> None:
    c = guarded_server.client
    r = c.post("/v1/translate", json={"text": "แมว"})
    assert r.status_code == 401 and "API key" in r.json()["error"]
    r = c.post("/v1/translate", json={"text": 5})  # the key is checked before the body
    assert r.status_code == 401
    r = c.post("/v1/translate", json={"text": "แมว"}, headers={"X-API-Key": "wrong"})
    assert r.status_code == 403 and r.json()["error"] == "Invalid API key"
    r = c.post("/v1/translate/stream", json={"text": "แมว"})
    assert r.status_code == 401


def test_libretranslate_routes_answer_403(guarded_server: Server) -> None:
    c = guarded_server.client
    assert c.post("/translate", json={"q": "แมว", **LT}).status_code == 403
    r = c.post("/translate", data={"q": "แมว", "api_key": "nope", **LT})
    assert r.status_code == 403 and r.json() == {"error": "Invalid API key"}
    assert c.post("/detect", json={"q": "แมว"}).status_code == 403
    r = c.post("/detect", json={"q": "แมว", "api_key": "key-a"})
    assert r.status_code == 200 and r.json()[0]["language"] == "th"
    assert c.get("/frontend/settings").json()["keyRequired"] is True
    assert c.get("/languages").status_code == 200  # public, as in LibreTranslate


def test_a_valid_key_gets_through_and_work_too_slow_for_the_timeout_is_refused(
    guarded_server: Server,
) -> None:
    c = guarded_server.client
    for headers in ({"X-API-Key": "key-a"}, {"Authorization": "Bearer key-a"}):
        r = c.post("/v1/translate", json={"text": "แมวนอนอยู่บนโต๊ะ"}, headers=headers)
        assert r.status_code == 413 and "1e-06 s request timeout" in r.json()["error"]
    r = c.post("/translate", json={"q": "แมวนอนอยู่บนโต๊ะ", "api_key": "key-a", **LT})
    assert r.status_code == 413 and "request timeout" in r.json()["error"]
    r = c.post("/v1/translate/stream", json={"text": "แมว"}, headers={"X-API-Key": "key-a"})
    assert r.status_code == 413
    assert guarded_server.client.get("/ready").status_code == 200


def test_work_not_done_is_not_charged(guarded_server: Server) -> None:
    """A refusal refunds the characters: the budget (100 a minute) is never used up by them."""
    c = guarded_server.client
    headers = {"X-API-Key": "key-b"}
    for _ in range(3):
        r = c.post("/v1/translate", json={"text": "ก" * 60}, headers=headers)
        assert r.status_code == 413, r.text
    r = c.post("/translate", json={"q": "ก" * 60, "api_key": "key-b", **LT})
    assert r.status_code == 413, r.text


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
