"""Hardening of the HTTP layer (issue 19), against real servers: no secret in the log, no
request smuggled past a Content-Length/Transfer-Encoding pair, a 413 that a client sending a
huge body can read, and messages that say what /v1 wants."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from serverkit import READY_TIMEOUT_S, Server

LT = {"source": "th", "target": "en"}
JSON = {"content-type": "application/json"}


# 3. Secrets never in a log line


def test_api_keys_never_reach_the_log(keyed_server: Server) -> None:
    """Right and wrong keys, in the query string (as LibreTranslate clients send them, DeepL's
    legacy auth_key too) and in headers: the access log (on for this server) shows the
    requests, never a key."""
    c = keyed_server.client
    wrong = ["wrong-query-key-5521", "wrong-auth-key-8812", "wrong-header-1234", "bearer-9876"]
    sent = [
        c.post("/detect?api_key=key-b", json={"q": "แมว"}),  # right key: 200, nothing charged
        c.post("/translate?api_key=key-b&source=th", json={"target": "en"}),  # 400 after auth
        c.post(f"/translate?api_key={wrong[0]}", json={"q": "แมว", **LT}),
        c.post(f"/translate?q=x&auth%5Fkey={wrong[1]}", json=LT),
        c.post("/v1/translate", json={"text": "แมว"}, headers={"X-API-Key": wrong[2]}),
        c.post(
            "/v1/translate", json={"text": "แมว"}, headers={"Authorization": f"Bearer {wrong[3]}"}
        ),
        c.post("/detect", json={"q": "x"}, headers={"Authorization": f"DeepL-Auth-Key {wrong[3]}"}),
    ]
    assert [r.status_code for r in sent] == [200, 400, 403, 403, 403, 403, 403]
    log = keyed_server.log_path.read_text(errors="replace")
    assert "POST /detect?api_key=[redacted] HTTP/1.1" in log  # the access log is on
    for secret in ["key-b", *wrong]:
        assert secret not in log, secret


# 4. RFC 9112 §6.1: Content-Length together with Transfer-Encoding


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_content_length_with_transfer_encoding_is_400_and_closes(main_server: Server) -> None:
    """The first request is refused and the connection closed: the request appended after its
    body (which a proxy trusting Content-Length would have passed on as part of the body) is
    never run."""
    port = main_server.wait_port(time.monotonic() + READY_TIMEOUT_S)
    smuggled = "GET /languages HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    body = f"0\r\n\r\n{smuggled}"
    request = (
        "POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
    ).encode()
    before = main_server.metrics().get(
        'thaimt_request_seconds_count{endpoint="/languages",status="200"}', 0
    )
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        received = read_until_closed(sock)  # returns only because the server closed
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"connection: close" in head.lower()
    assert "Content-Length and Transfer-Encoding" in json.loads(answer)["error"]
    assert received.count(b"HTTP/1.1 ") == 1  # one answer: the appended request got none
    after = main_server.metrics().get(
        'thaimt_request_seconds_count{endpoint="/languages",status="200"}', 0
    )
    assert after == before


# 8. A body past the drain cap: the 413 reaches a client that sends its whole body first

HUGE_BYTES = 200_000_000  # past the default drain cap (THAIMT_MAX_DRAIN_BYTES, 64 MB)


def test_a_body_past_the_drain_cap_gets_a_readable_413(main_server: Server) -> None:
    """urllib (like requests and httpx) sends the whole body before it reads: the server must
    neither read 200 MB through the app nor close with them unread (a reset)."""

    def body() -> Iterator[bytes]:
        chunk = b"a" * 1_000_000
        for _ in range(HUGE_BYTES // len(chunk)):
            yield chunk

    request = urllib.request.Request(
        f"{main_server.url}/v1/translate",
        data=body(),
        headers={"Content-Type": "application/json", "Content-Length": str(HUGE_BYTES)},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=120)
    assert refused.value.code == 413
    assert "request body too large" in json.loads(refused.value.read())["error"]
    assert main_server.client.get("/health").status_code == 200


# 11. /v1 says what to send


def test_v1_says_what_to_send(main_server: Server) -> None:
    c = main_server.client
    form = c.post("/v1/translate", data={"text": "แมว"})  # curl -d text=แมว
    unlabelled = c.post("/v1/translate", content=b'{"text": "x"}', headers={})
    curl_json = c.post(  # curl -d '{"text": ...}' labels it a form
        "/v1/translate",
        content=b'{"text": "x"}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    libre = c.post("/v1/translate", json={"q": "แมว", **LT})
    broken = c.post("/v1/translate", content=b'{"text":\n  "x",\n}', headers=JSON)
    assert form.status_code == 400
    assert '"text" (a string) or "texts"' in form.json()["error"]
    assert "Content-Type: application/json" in form.json()["error"]
    assert "POST /translate" in form.json()["error"]
    for labelled in (unlabelled, curl_json):
        assert labelled.status_code == 400
        assert "send it with Content-Type: application/json" in labelled.json()["error"]
    assert libre.status_code == 422
    assert "'text' (a string) or 'texts'" in libre.json()["error"]
    assert "POST /translate" in libre.json()["error"]
    assert broken.status_code == 400
    assert broken.json()["error"].endswith("at line 3, column 1")


# 9. A 400 says what was wrong in the client's terms, not Python's


@pytest.mark.parametrize("path", ["/v1/translate", "/translate", "/detect"])
def test_a_huge_number_is_a_clean_400(main_server: Server, path: str) -> None:
    body = b'{"text": "a", "q": "a", "alternatives": ' + b"9" * 5000 + b"}"
    r = main_server.client.post(path, content=body, headers=JSON)
    assert r.status_code == 400 and "digits" in r.json()["error"], r.text
    assert "set_int_max_str_digits" not in r.text
