"""Limits that hold (issue 12, point 6), against real servers: 413 for a request no budget
window can take, budgets per client address when there are no keys, the same key transport on
every route, a key for /metrics, no /docs on request, CORS, and no paths in /ready."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from serverkit import Server

LT = {"source": "th", "target": "en"}
ORIGIN = "https://app.example"


def from_address(address: str) -> dict[str, str]:
    """What the trusted proxy (127.0.0.1, the test) says the client's address was."""
    return {"X-Forwarded-For": address}


# 413: a request larger than the whole budget


def test_a_request_larger_than_the_key_budget_is_413_not_429(keyed_server: Server) -> None:
    c = keyed_server.client  # 100 characters a minute per key
    r = c.post("/v1/translate", json={"text": "ก" * 150}, headers={"X-API-Key": "key-a"})
    assert r.status_code == 413, r.text
    assert "more than the 100" in r.json()["error"] and "retry-after" not in r.headers
    r = c.post("/translate", json={"q": "ก" * 101, "api_key": "key-a", **LT})
    assert r.status_code == 413
    r = c.post("/v1/translate/stream", json={"text": "ก" * 101}, headers={"X-API-Key": "key-a"})
    assert r.status_code == 413


# The same key transport everywhere


def test_libretranslate_routes_take_a_bearer_key(keyed_server: Server) -> None:
    c = keyed_server.client
    bearer = {"Authorization": "Bearer key-c"}
    r = c.post("/translate", json={"q": "แมว", **LT}, headers=bearer)
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["translatedText"], str)
    assert c.post("/detect", data={"q": "แมว"}, headers=bearer).status_code == 200
    wrong = {"Authorization": "Bearer nope"}
    assert c.post("/translate", json={"q": "แมว", **LT}, headers=wrong).status_code == 403


def test_the_v1_401_names_only_what_v1_reads(guarded_server: Server) -> None:
    r = guarded_server.client.post("/v1/translate", json={"text": "แมว"})
    assert r.status_code == 401
    message = r.json()["error"]
    assert "X-API-Key" in message and "Bearer" in message and "api_key" not in message


def test_batch_server_sends_its_api_key(keyed_server: Server, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("แมว\n", encoding="utf-8")

    def batch(out: str, *extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service.cli", "batch", str(src), "--quiet",
                   "-o", str(tmp_path / out), "--server", keyed_server.url, *extra]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=300)

    without = batch("o1")
    assert without.returncode == 1 and "401" in without.stderr + without.stdout
    ok = batch("o2", "--api-key", "key-c")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o2" / "a.txt").read_text(encoding="utf-8").strip()


# No keys configured: the budget charges the client's address


def test_without_keys_made_up_or_missing_keys_share_the_address_budget(
    open_server: Server,
) -> None:
    c = open_server.client  # 100 characters a minute per client address
    here = from_address("198.51.100.1")
    assert c.post("/v1/translate", json={"text": "ก" * 60}, headers=here).status_code == 200
    made_up = {**here, "X-API-Key": "made-up-1"}
    assert c.post("/v1/translate", json={"text": "ก" * 40}, headers=made_up).status_code == 200
    for headers in (
        {**here, "X-API-Key": "made-up-2"},
        here,
        {**here, "Authorization": "Bearer x"},
    ):
        r = c.post("/v1/translate", json={"text": "ก"}, headers=headers)
        assert r.status_code == 429 and "client address" in r.json()["error"], r.text
    r = c.post("/translate", json={"q": "ก", "api_key": "made-up-3", **LT}, headers=here)
    assert r.status_code == 429
    other = from_address("198.51.100.2")  # another client: its own budget
    assert c.post("/v1/translate", json={"text": "ก" * 100}, headers=other).status_code == 200


def test_a_forged_forwarded_for_cannot_rotate_the_address(open_server: Server) -> None:
    """Only the hop the trusted proxy appended counts; what the client wrote before it, and
    the rest of an IPv6 client's /64, do not make a new budget."""
    c = open_server.client
    for i in range(3):
        forged = from_address(f"10.9.9.{i}, 203.0.113.7")
        r = c.post("/v1/translate", json={"text": "ก" * 50}, headers=forged)
        assert r.status_code == (200 if i < 2 else 429), r.text
    for i, status in ((1, 200), (2, 200), (3, 429)):
        v6 = from_address(f"2001:db8:1:2::{i}")
        r = c.post("/v1/translate", json={"text": "ก" * 50}, headers=v6)
        assert r.status_code == status, r.text


# /metrics behind a key, /docs off


def test_metrics_need_the_metrics_key(open_server: Server) -> None:
    c = open_server.client
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"X-API-Key": "wrong"}).status_code == 403
    for headers in ({"Authorization": "Bearer scrape-secret"}, {"X-API-Key": "scrape-secret"}):
        r = c.get("/metrics", headers=headers)
        assert r.status_code == 200 and "thaimt_queue_depth" in r.text


def test_docs_can_be_turned_off(open_server: Server) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert open_server.client.get(path).status_code == 404
    assert open_server.client.get("/languages").status_code == 200


# CORS


def test_cors_answers_listed_origins_only(open_server: Server) -> None:
    c = open_server.client
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key",
    }
    r = c.options("/translate", headers=preflight)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
    r = c.options("/translate", headers={**preflight, "Origin": "https://evil.example"})
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    r = c.get("/languages", headers={"Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    # A refusal carries CORS too, so the browser client can read it (and its Retry-After).
    spent = {**from_address("198.51.100.9"), "Origin": ORIGIN}
    c.post("/translate", json={"q": "ก" * 100, **LT}, headers=spent)
    r = c.post("/translate", json={"q": "ก", **LT}, headers=spent)
    assert r.status_code == 429 and r.headers["access-control-allow-origin"] == ORIGIN
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()


def test_cors_is_off_by_default(main_server: Server) -> None:
    r = main_server.client.options(
        "/translate", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers


# No filesystem paths


def test_ready_and_answers_name_the_model_without_its_path(
    main_server: Server, tiny_model_dir: Path
) -> None:
    ready = main_server.client.get("/ready")
    assert ready.json() == {
        "status": "ready",
        "model": tiny_model_dir.name,
        "cache": "off",
        "desk": "ok",
    }
    assert str(tiny_model_dir.parent) not in ready.text
    r = main_server.client.post("/v1/translate", json={"text": "แมว"})
    assert r.json()["model"] == tiny_model_dir.name
