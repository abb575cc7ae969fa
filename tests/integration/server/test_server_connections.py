"""Connection hygiene of a real server (``hygiene``: one-second deadlines, 256 descriptors):
slow or silent clients are timed out, and running out of descriptors neither stops /health
nor floods the log.

The slow clients send a byte at a time at the test's pace and check between two bytes whether
the server has answered: what is asserted is only that it answered (408) or closed before the
client had finished, never how long it took.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from heldserver import HeldServer, held_server
from serverkit import READY_TIMEOUT_S, Server, Trickle

SLOW_HEADER_BYTES = 400  # at >= 0.1 s a byte, the client needs 40 s or more for its headers
IDLE_SOCKETS = 300  # more than the server's 256 descriptors


def port_of(server: Server) -> int:
    return server.wait_port(time.monotonic() + READY_TIMEOUT_S)


def slow_request_head(body_length: int) -> bytes:
    return (
        "POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {body_length}\r\nConnection: close\r\n"
        f"X-Padding: {'a' * SLOW_HEADER_BYTES}\r\n\r\n"
    ).encode()


def test_slow_headers_get_408_before_the_client_has_sent_them(hygiene_server: Server) -> None:
    client = Trickle(port_of(hygiene_server))
    head = slow_request_head(2)
    sent = client.trickle(head)
    assert sent < len(head), "the server waited for every header byte"
    status, body = client.response()
    assert status == 408
    assert "headers did not arrive within 1 s" in json.loads(body)["error"]


def test_a_slow_body_gets_408_before_the_client_has_sent_it(hygiene_server: Server) -> None:
    client = Trickle(port_of(hygiene_server))
    payload = json.dumps({"text": "แมว" * 100}).encode()
    client.send(slow_request_head(len(payload)))  # the headers at once, then the body slowly
    sent = client.trickle(payload)
    assert sent < len(payload), "the server waited for every body byte"
    status, body = client.response()
    assert status == 408
    assert "body did not arrive within 1 s" in json.loads(body)["error"]


def test_a_connection_that_sends_nothing_is_closed(hygiene_server: Server) -> None:
    client = Trickle(port_of(hygiene_server))
    client.sock.settimeout(60)
    assert client.sock.recv(1) == b""  # closed, no answer: there was no request
    client.close()


def test_an_idle_keep_alive_connection_is_closed(hygiene_server: Server) -> None:
    client = Trickle(port_of(hygiene_server))
    client.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    status, body = client.response()  # read to the close, which the keep-alive timeout makes
    assert status == 200 and json.loads(body) == {"status": "ok"}


def get(port: int, path: str) -> tuple[int, bytes]:
    client = Trickle(port)
    client.send(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    return client.response()


def open_idle(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that send nothing, connecting all at once (one at a time, each
    would wait out the SYN retries of a full listen queue in turn)."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
    pending = list(sockets)
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        _, writable, _ = select.select([], pending, [], 1.0)
        pending = [sock for sock in pending if sock not in writable]
    assert not pending, f"{len(pending)} of {count} connections never opened"
    for sock in sockets:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    return sockets


def test_out_of_descriptors_health_answers_and_the_log_stays_small(
    hygiene_server: Server,
) -> None:
    """300 idle sockets against 256 descriptors: the cap (derived from the descriptor limit)
    closes the longest idle ones to make room, so /health and translations go on, and nothing
    floods the log (before the fix: /health hung, and ~4 MB of log a second)."""
    port = port_of(hygiene_server)
    log_before = hygiene_server.log_path.stat().st_size
    idle = open_idle(port, IDLE_SOCKETS)
    try:
        assert get(port, "/health") == (200, b'{"status":"ok"}')
        body = json.dumps({"text": "แมวนอนอยู่บนโต๊ะ"})
        client = Trickle(port)
        client.send(
            "POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n{body}".encode()
        )
        status, answer = client.response()
        assert status == 200 and json.loads(answer)["translation"]
    finally:
        for sock in idle:
            sock.close()
    assert get(port, "/health")[0] == 200
    grown = hygiene_server.log_path.stat().st_size - log_before
    assert grown < 20_000, hygiene_server.log()
    assert "THAIMT_MAX_CONNECTIONS lowered from 1000 to" in hygiene_server.log()


@pytest.fixture(scope="module")
def capped(tiny_model_dir: Path) -> Iterator[HeldServer]:
    """At most 4 connections, and deadlines long enough never to matter here."""
    with held_server(
        tiny_model_dir, max_connections=4, header_timeout_s=600, body_timeout_s=600
    ) as server:
        yield server


def test_at_the_connection_cap_idle_ones_make_room_busy_ones_get_503_health_answers(
    capped: HeldServer,
) -> None:
    port = capped.port
    idle = open_idle(port, 10)  # more than the cap: the longest idle are closed for newcomers
    try:
        assert get(port, "/health") == (200, b'{"status":"ok"}')
        payload = json.dumps({"text": "แมว"}).encode()
        busy: list[Trickle] = []  # each in the middle of sending its body
        for count in range(1, 5):  # one at a time: a connection is idle until its headers are in
            busy.append(Trickle(port))
            busy[-1].send(slow_request_head(len(payload)) + payload[:3])
            while capped.sample("thaimt_requests_in_flight") < count:  # a condition, polled
                time.sleep(0.01)
        status, body = get(port, "/v1/translate")
        assert status == 503 and "connection limit (4)" in json.loads(body)["error"]
        assert get(port, "/health") == (200, b'{"status":"ok"}')
        assert get(port, "/ready")[0] == 200
        for client in busy:  # the held ones finish their bodies and are answered
            client.send(payload[3:])
            status, body = client.response()
            assert status == 200 and json.loads(body)["translation"]
        assert get(port, "/languages")[0] == 200  # below the cap again
    finally:
        for sock in idle:
            sock.close()
