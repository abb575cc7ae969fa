"""A client trickling a large body must not hold back anyone else's batch.

Requests announce themselves to the batcher (which may then hold a batch for them, up to
``max_hold_ms``: 10 minutes on this server) only once their body has been read. The slow
client's upload is driven by the test: its body stays incomplete until the other client's
one-sentence request has been answered, so the assertion is about order, not time.
"""

from __future__ import annotations

import json
import socket
import time

from serverkit import READY_TIMEOUT_S, Server


def test_a_slow_upload_does_not_hold_back_another_request(patient_server: Server) -> None:
    body = json.dumps({"text": "แมวนอนอยู่บนโต๊ะ" + " " * 1_000_000}).encode()
    port = patient_server.wait_port(time.monotonic() + READY_TIMEOUT_S)
    slow = socket.create_connection(("127.0.0.1", port), timeout=120)
    head = (
        f"POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    slow.sendall(head.encode() + body[:65536])  # the upload has begun...
    try:
        fast = patient_server.client.post(
            "/v1/translate", json={"text": "ฝนตกหนักเมื่อคืนนี้"}, timeout=120
        )
        # ...and is still incomplete: the other request was batched and answered first.
        assert fast.status_code == 200 and fast.json()["translation"]
        for start in range(65536, len(body), 131072):  # the rest, over a few seconds
            slow.sendall(body[start : start + 131072])
            time.sleep(0.3)
        response = b""
        while chunk := slow.recv(65536):
            response += chunk
    finally:
        slow.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:300]
