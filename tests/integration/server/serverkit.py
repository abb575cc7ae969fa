"""Running ``thaimt serve`` (or plain uvicorn) as a subprocess and talking to it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 300


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path
    client: httpx.Client = field(init=False)
    startup: list[tuple[int, int]] = field(default_factory=list)  # (health, ready) statuses

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

    def watch_startup(self) -> None:
        """Record (health, ready) status pairs from launch until ready (or 300 s)."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    pair = (client.get("/health").status_code, client.get("/ready").status_code)
                except httpx.TransportError:
                    pair = (0, 0)
                if not self.startup or self.startup[-1] != pair:
                    self.startup.append(pair)
                if pair[1] == 200:
                    return
                time.sleep(0.05)

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

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
    env["THAIMT_CACHE_PATH"] = str(log_dir / f"{name}-cache.sqlite3")
    env.update(env_extra)
    log_path = log_dir / f"{name}.log"
    if name == "factory":  # plain uvicorn on the app factory: the model loads after binding
        env["THAIMT_MODEL"] = str(model_dir)
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "service.http.app:app_from_env",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ]  # fmt: skip
    else:
        command = [
            sys.executable, "-m", "service.cli.main", "serve",
            "--model", str(model_dir), "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning",
        ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    return Server(name, proc, f"http://127.0.0.1:{port}", log_path)


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
