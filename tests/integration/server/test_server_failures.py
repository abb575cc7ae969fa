"""Model errors in a running server: a failing segment fails its own request (a 500, or an error
line ending a stream) and the server goes on serving.

The server runs in this process (uvicorn on 127.0.0.1, port 0) on the real engine and the tiny
model, with one difference: the backend is loaded with a 16-token input budget while the engine
tells the pipeline segments may have 512, so a long segment reaches the model and the backend
itself refuses it (its own ``ValueError``), the way a model fault would surface.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from serverkit import ndjson

from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.formats.markers import MAX_MARKERS
from service.http.app import create_app
from service.settings import Settings

BACKEND_BUDGET = 16  # tokens; the warm-up text has fewer
LONG = "แมว" * 40  # one word of about 40 tokens: the pipeline keeps it whole


class OverpromisingBackend:
    """The real backend, announcing a larger input budget than it accepts."""

    max_input_tokens = 512

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def server_url(tiny_model_dir: Path) -> Iterator[str]:
    backend = load_backend(
        ModelSpec(
            model=str(tiny_model_dir), device="cpu", threads=1, max_input_tokens=BACKEND_BUDGET
        )
    )
    assert len(backend.encode([LONG])[0]) > BACKEND_BUDGET
    settings = Settings(model=str(tiny_model_dir), cache=False, max_wait_ms=50, scheduler="static")
    app = create_app(settings, Engine(OverpromisingBackend(backend)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    while httpx.get(f"{url}/ready").status_code != 200:
        assert time.monotonic() < deadline, httpx.get(f"{url}/ready").text
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(60)


def test_a_model_error_mid_stream_ends_it_with_an_error_line(server_url: str) -> None:
    text = f"สวัสดีครับ\n{LONG}\nแมวนอนอยู่บนโต๊ะ"
    r = httpx.post(f"{server_url}/v1/translate/stream", json={"text": text}, timeout=120)
    assert r.status_code == 200
    *paragraphs, last = ndjson(r.text)
    assert [p["paragraph"] for p in paragraphs] == [0]  # the one before the failing paragraph
    assert set(last) == {"error"} and "translation failed" in last["error"]


def test_a_model_error_fails_only_its_request_and_the_server_goes_on(server_url: str) -> None:
    with httpx.Client(base_url=server_url, timeout=120) as client:  # one kept-alive connection
        r = client.post("/v1/translate", json={"text": f"สวัสดีครับ\n{LONG}"})
        assert r.status_code == 500 and "translation failed" in r.json()["error"]
        r = client.post("/translate", json={"q": LONG, "source": "th", "target": "en"})
        assert r.status_code == 500 and r.json()["error"]
        assert client.get("/ready").status_code == 200
        for _ in range(3):  # the batcher's worker is alive: later requests are answered
            r = client.post("/v1/translate", json={"text": "แมวนอนอยู่บนโต๊ะ"})
            assert r.status_code == 200, r.text
            assert r.json()["translation"]


def test_html_with_more_inline_tags_than_markers_is_400(server_url: str) -> None:
    # One marker per Private Use character, two per inline element: one past the bound in a block
    # (137,468 characters, within the request limits).
    html = "<p>ไทย" + "\ue000" * MAX_MARKERS + "<b>x</b></p>"
    r = httpx.post(f"{server_url}/v1/translate", json={"text": html, "format": "html"}, timeout=120)
    assert r.status_code == 400, r.text
    assert "cannot translate this HTML: too many inline markers" in r.json()["error"]
    libre = {"q": html, "source": "th", "target": "en", "format": "html"}
    r = httpx.post(f"{server_url}/translate", json=libre, timeout=120)
    assert r.status_code == 400 and "too many inline markers" in r.json()["error"]
