"""Work that runs out of time: 504, refunded, and the server goes on.

The server runs in this process (uvicorn on 127.0.0.1, port 0) on the real engine, batcher and
tiny model; the only thing the test controls is a gate in front of the model call. While the
gate is closed no translation can finish, however fast the machine, so the timeout is certain
to fire — no race with a 1 ms timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import uvicorn
from serverkit import ndjson

from models.backend import DecodeOptions, ModelOutput, Segment
from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.http.app import create_app
from service.settings import Settings

TIMEOUT_S = 2.0
KEY = {"X-API-Key": "key-a"}


class GatedEngine(Engine):
    """The real engine; model calls wait while the test keeps the gate closed."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.gate.set()  # open for the warm-up

    def run_batch(self, segments: Sequence[Segment], options: DecodeOptions) -> list[ModelOutput]:
        self.gate.wait()
        return super().run_batch(segments, options)


@pytest.fixture(scope="module")
def gated(tiny_model_dir: Path) -> Iterator[tuple[str, GatedEngine]]:
    backend = load_backend(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=1))
    engine = GatedEngine(backend)
    settings = Settings(
        model=str(tiny_model_dir),
        cache=False,
        max_wait_ms=0,
        request_timeout_s=TIMEOUT_S,
        api_keys=["key-a"],
        key_char_limit=100,
        scheduler="static",  # the gate is on the static path's model call
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    while httpx.get(f"{url}/ready").status_code != 200:
        assert time.monotonic() < deadline, httpx.get(f"{url}/ready").text
        time.sleep(0.05)
    yield url, engine
    engine.gate.set()
    server.should_exit = True
    thread.join(60)


@pytest.fixture()
def closed(gated: tuple[str, GatedEngine]) -> Iterator[httpx.Client]:
    url, engine = gated
    engine.gate.clear()
    with httpx.Client(base_url=url, timeout=60, headers=KEY) as client:
        yield client
    engine.gate.set()


def test_work_that_cannot_finish_in_time_is_a_504(closed: httpx.Client) -> None:
    r = closed.post("/v1/translate", json={"text": "แมวนอนอยู่บนโต๊ะ"})
    assert r.status_code == 504 and "did not finish within 2 s" in r.json()["error"]
    r = closed.post("/translate", json={"q": "หมาวิ่งเล่น", "source": "th", "target": "en"})
    assert r.status_code == 504
    assert closed.get("/ready").status_code == 200


def test_a_stream_that_runs_out_of_time_ends_with_an_error_line(closed: httpx.Client) -> None:
    r = closed.post("/v1/translate/stream", json={"text": "ฝนตกหนัก\nนกบินสูง"})
    assert r.status_code == 200  # the segments were queued; the paragraphs never came
    assert ndjson(r.text) == [{"error": "translation did not finish within 2 s"}]


def test_timed_out_work_is_refunded_and_the_server_recovers(
    gated: tuple[str, GatedEngine], closed: httpx.Client
) -> None:
    for _ in range(3):  # 3 x 60 characters: more than the 100-a-minute budget if charged
        assert closed.post("/v1/translate", json={"text": "ก" * 60}).status_code == 504
    gated[1].gate.set()
    r = closed.post("/v1/translate", json={"text": "ก" * 60})
    assert r.status_code == 200 and r.json()["translation"]
