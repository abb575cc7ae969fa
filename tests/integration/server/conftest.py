"""Real servers for the integration tests: ``thaimt serve`` subprocesses on 127.0.0.1, random
ports, the session's tiny model. Every server this package needs is launched together the first
time one is asked for (they load in parallel) and stopped at the end of the session."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
TATOEBA_TH = REPO / "eval" / "data" / "tatoeba" / "tatoeba-test-v2021-08-07.tha"
READY_TIMEOUT_S = 300

# name -> THAIMT_* settings of that server
SERVER_CONFIGS: dict[str, dict[str, str]] = {
    "main": {
        "THAIMT_MAX_WAIT_MS": "30",
        "THAIMT_MAX_CHARS_PER_REQUEST": "4000",
        "THAIMT_MAX_TEXTS_PER_REQUEST": "8",
        "THAIMT_MAX_BODY_BYTES": "100000",
    },
    # API keys, a per-key character budget and a timeout no translation can meet (504).
    "guarded": {
        "THAIMT_API_KEYS": '["key-a", "key-b"]',
        "THAIMT_KEY_CHAR_LIMIT": "100",
        "THAIMT_REQUEST_TIMEOUT_S": "0.001",
    },
    # One segment per model call and a tiny queue: backpressure, disconnects, SIGTERM.
    "small": {"THAIMT_BATCHING": "false", "THAIMT_QUEUE_SIZE": "8"},
}


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=120)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server {self.name} exited ({self.proc.returncode}):\n{self.log()}")
            try:
                if self.client.get("/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server {self.name} not ready in {READY_TIMEOUT_S} s:\n{self.log()}")

    def metrics(self) -> dict[str, float]:
        """Unlabelled samples plus ``name{labels}`` keys, from /metrics."""
        samples: dict[str, float] = {}
        for line in self.client.get("/metrics").text.splitlines():
            match = re.match(r"^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$", line)
            if match:
                samples[match.group(1)] = float(match.group(2))
        return samples

    def wait_idle(self, timeout_s: float = 120) -> dict[str, float]:
        """Metrics once nothing is queued and only this metrics request is in flight."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            m = self.metrics()
            if m["thaimt_queue_depth"] == 0 and m["thaimt_requests_in_flight"] <= 1:
                time.sleep(0.3)  # a model call that was running when the client left
                again = self.metrics()
                if again["thaimt_batch_size_count"] == m["thaimt_batch_size_count"]:
                    return again
            time.sleep(0.1)
        pytest.fail(f"server {self.name} never became idle:\n{self.log()}")

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(name: str, model_dir: Path, env_extra: dict[str, str], log_dir: Path) -> Server:
    port = free_port()
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "THAIMT_CACHE": "false", "THAIMT_THREADS": "1"})
    env.update(env_extra)
    log_path = log_dir / f"{name}.log"
    command = [
        sys.executable, "-m", "service.cli.main", "serve",
        "--model", str(model_dir), "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    return Server(name, proc, f"http://127.0.0.1:{port}", log_path)


@pytest.fixture(scope="session")
def server_pool(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Server]]:
    log_dir = tmp_path_factory.mktemp("server-logs")
    pool = {
        name: launch(name, tiny_model_dir, cfg, log_dir) for name, cfg in SERVER_CONFIGS.items()
    }
    yield pool
    for server in pool.values():
        server.stop()


def _ready(pool: dict[str, Server], name: str) -> Server:
    server = pool[name]
    server.wait_ready()
    return server


@pytest.fixture(scope="session")
def main_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "main")


@pytest.fixture(scope="session")
def guarded_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "guarded")


@pytest.fixture(scope="session")
def small_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "small")


@pytest.fixture(scope="session")
def thai_sentences() -> list[str]:
    """Short, distinct Thai sentences (Tatoeba test set), one segment each."""
    lines = TATOEBA_TH.read_text(encoding="utf-8").splitlines()
    short = [ln.strip() for ln in lines if 6 <= len(ln.strip()) <= 40 and " " not in ln.strip()]
    return list(dict.fromkeys(short))


def ndjson(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
