"""Running ``thaimt serve`` (or plain uvicorn) as a subprocess and talking to it.

Servers bind port 0 and the test reads the port the OS gave them from uvicorn's "running on"
log line: no window in which another process can take a port picked in advance.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 300
RUNNING_ON = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    startup: list[tuple[int, int]] = field(default_factory=list)  # (health, ready) statuses
    startup_watcher: threading.Thread | None = None
    _port: int | None = None
    _client: httpx.Client | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def port_if_bound(self) -> int | None:
        """The bound port, once uvicorn has logged it."""
        if self._port is None:
            match = RUNNING_ON.search(self.log_path.read_text(errors="replace"))
            if match:
                self._port = int(match.group(1))
        return self._port

    def wait_port(self, deadline: float) -> int:
        while time.monotonic() < deadline:
            port = self.port_if_bound()
            if port is not None:
                return port
            if self.proc.poll() is not None:
                pytest.fail(f"server {self.name} exited ({self.proc.returncode}):\n{self.log()}")
            time.sleep(0.1)
        pytest.fail(f"server {self.name} never bound a port:\n{self.log()}")

    @property
    def url(self) -> str:
        port = self.wait_port(time.monotonic() + READY_TIMEOUT_S)
        return f"http://127.0.0.1:{port}"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=120)
        return self._client

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        self.wait_port(deadline)
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

    def metrics(self, headers: dict[str, str] | None = None) -> dict[str, float]:
        """Unlabelled samples plus ``name{labels}`` keys, from /metrics."""
        samples: dict[str, float] = {}
        for line in self.client.get("/metrics", headers=headers).text.splitlines():
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
        """Record (health, ready) status pairs from the moment the port is bound until ready
        (or 300 s). Run it in ``startup_watcher`` and join that thread before reading."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.port_if_bound() is None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return
            time.sleep(0.01)
        # A generous read timeout: on a loaded machine a warm-up can starve the server's event
        # loop for seconds, and "slow" is not the "no answer" that (0, 0) records.
        with httpx.Client(base_url=self.url, timeout=60) as client:
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
        if self._client is not None:
            self._client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def launch(
    name: str,
    model_dir: Path,
    env_extra: dict[str, str],
    log_dir: Path,
    nofile: int | None = None,
    access_log: bool = False,
) -> Server:
    """Start server ``name``; ``nofile`` caps its file descriptors (soft and hard limit);
    ``access_log`` keeps uvicorn's line per request in its log."""
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "THAIMT_CACHE": "false", "THAIMT_THREADS": "1"})
    env["THAIMT_CACHE_PATH"] = str(log_dir / f"{name}-cache.sqlite3")
    env.update(env_extra)
    log_path = log_dir / f"{name}.log"
    # Log level info: uvicorn names the port it bound ("Uvicorn running on ...") at that level.
    if name == "factory":  # plain uvicorn on the app factory: the model loads after binding
        env["THAIMT_MODEL"] = str(model_dir)
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "service.http.app:app_from_env",
            "--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--no-access-log",
        ]  # fmt: skip
    else:
        command = [
            sys.executable, "-m", "service.cli.main", "serve",
            "--model", str(model_dir), "--host", "127.0.0.1", "--port", "0",
            "--log-level", "info", "--no-access-log",
        ]  # fmt: skip
    if access_log:
        command.remove("--no-access-log")
    if nofile is not None:  # util-linux's prlimit: the limit holds from the server's first line
        command = ["prlimit", f"--nofile={nofile}:{nofile}", *command]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    return Server(name, proc, log_path)


class RawPost:
    """A POST /v1/translate on a plain socket that the test can hang up on at a moment of its
    choosing (an HTTP client library gives no such control)."""

    def __init__(self, server: Server, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        port = server.wait_port(time.monotonic() + READY_TIMEOUT_S)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300)
        head = (
            f"POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.sock.sendall(head.encode() + data)

    def hang_up(self) -> None:
        self.sock.close()

    def status(self) -> int:
        """Read the whole response; its status code."""
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
        self.sock.close()
        return int(b"".join(chunks).split(b" ", 2)[1])


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Trickle:
    """A raw connection whose bytes the test sends at its own pace, checking between two sends
    whether the server has answered or closed (an HTTP client library gives no such control)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.received = b""
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answered(self, wait_s: float = 0.1) -> bool:
        """Whether the server has sent anything or closed, waiting up to ``wait_s`` for it."""
        if not self.received and not self.closed:
            readable, _, _ = select.select([self.sock], [], [], wait_s)
            if readable:
                self._read_some()
        return bool(self.received) or self.closed

    def trickle(self, data: bytes, wait_s: float = 0.1) -> int:
        """Send ``data`` a byte at a time until the server answers or closes; the number of
        bytes sent by then (``len(data)`` if it never did)."""
        for sent in range(len(data)):
            if self.answered(wait_s):
                return sent
            self.send(data[sent : sent + 1])
        return len(data)

    def _read_some(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self.received += chunk
        self.closed = self.closed or not chunk

    def response(self) -> tuple[int, bytes]:
        """Read to the server's close: the status and the body."""
        while not self.closed:
            self._read_some()
        self.sock.close()
        head, _, body = self.received.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body

    def close(self) -> None:
        self.sock.close()
