"""A real server whose model the test can hold: for tests that need work to be "slow" without
depending on how fast anything runs.

The app, the engine and the batcher are the real ones, on the tiny model, served by uvicorn
with ``thaimt serve``'s connection options, in a thread of the test process on 127.0.0.1,
port 0. Only the backend is wrapped: while the test holds it, every call into it (tokenising,
translating) waits on a condition the test releases.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.http.app import create_app
from service.http.connections import uvicorn_options
from service.settings import Settings

START_TIMEOUT_S = 300


class HeldBackend:
    """The real backend, whose methods wait while they are held (all of them, or the named
    ones); attributes that are not methods pass through (the torch model too: a continuous
    server's decoding steps call it directly, around the backend's methods)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._held: set[str] = set()
        self._changed = threading.Condition()
        self.waiting = 0  # calls waiting now
        self.calls: list[tuple[str, tuple[Any, ...]]] = []  # every call, in order: a log

    def hold(self, *methods: str) -> None:
        with self._changed:
            self._held = set(methods) or {"*"}

    def release(self) -> None:
        with self._changed:
            self._held = set()
            self._changed.notify_all()

    def _is_held(self, name: str) -> bool:
        return "*" in self._held or name in self._held

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._backend, name)
        if not inspect.ismethod(attr):  # attributes, and the model itself (a callable module)
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._changed:
                self.calls.append((name, args))
                self.waiting += 1
                self._changed.wait_for(lambda: not self._is_held(name))
                self.waiting -= 1
            return attr(*args, **kwargs)

        return call

    def wait_until_waiting(self, calls: int = 1, timeout_s: float = 120) -> None:
        """Until ``calls`` calls are held (a condition, polled; the timeout only ends a hang)."""
        deadline = time.monotonic() + timeout_s
        while self.waiting < calls:
            assert time.monotonic() < deadline, "no call reached the held backend"
            time.sleep(0.01)


class HeldServer:
    def __init__(self, url: str, backend: HeldBackend, app: Any = None) -> None:
        self.url = url
        self.backend = backend
        self.app = app
        self.client = httpx.Client(base_url=url, timeout=120)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def wait_port(self, _deadline: float) -> int:  # as serverkit.Server's, for RawPost
        return self.port

    def log(self) -> str:
        return "(in-process server: its log is the test's)"

    def wait_idle(self, timeout_s: float = 120) -> dict[str, float]:
        """Metrics once nothing is queued and only this metrics request is in flight."""
        self.wait_for(
            lambda m: m["thaimt_queue_depth"] == 0 and m["thaimt_requests_in_flight"] <= 1,
            timeout_s,
        )
        return self.metrics()

    def metrics(self) -> dict[str, float]:
        samples: dict[str, float] = {}
        for line in self.client.get("/metrics").text.splitlines():
            name, _, value = line.rpartition(" ")
            if name and not line.startswith("#"):
                samples[name] = float(value)
        return samples

    def wait_for_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while self.client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, self.client.get("/ready").text
            time.sleep(0.05)

    def sample(self, name: str) -> float:
        """A metric read in-process, without a connection of its own (for tests that count
        connections)."""
        value = self.app.state.thaimt.metrics.registry.get_sample_value(name)
        return float(value or 0.0)

    def wait_for(
        self, condition: Callable[[dict[str, float]], bool], timeout_s: float = 120
    ) -> None:
        """Until ``condition(metrics)`` holds (polled; the timeout only ends a hang)."""
        deadline = time.monotonic() + timeout_s
        while not condition(self.metrics()):
            assert time.monotonic() < deadline, "the server never reached the condition"
            time.sleep(0.02)


@contextmanager
def held_server(
    model_dir: Path, *, held_from_start: bool = False, **settings: Any
) -> Iterator[HeldServer]:
    """Serve the tiny model with ``settings`` (THAIMT_* field names) and a held backend; ready
    when yielded, unless ``held_from_start`` (then its warm-up waits for the release)."""
    backend = HeldBackend(load_backend(ModelSpec(model=str(model_dir), device="cpu", threads=1)))
    if held_from_start:
        backend.hold()
    config = Settings(model=str(model_dir), cache=False, **settings)
    engine = Engine(backend, max_batch_size=config.max_batch_size)
    app = create_app(config, engine)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", **uvicorn_options(config)
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    held = HeldServer(f"http://127.0.0.1:{port}", backend, app)
    if not held_from_start:
        held.wait_for_ready()
    try:
        yield held
    finally:
        backend.release()
        held.client.close()
        server.should_exit = True
        thread.join(60)
