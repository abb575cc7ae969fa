"""A lean HTTP/1.1 load generator for ``thaimt bench``, parsed by ``h11`` over asyncio streams:
closed loops (N clients, each a keep-alive connection sending one JSON request at a time) and
timed arrivals (each request sent at its own moment, whatever is still in flight: open loop).

Why not httpx: on a 2-core machine the load generator shares the cores with the server it
measures, and httpx spends about 3 ms of CPU per request there (32 concurrent ``GET /health``:
~100 ms with httpx, ~20 ms with this client), which the server's throughput would be charged for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11

REFUSED_BACKOFF_S = 0.25  # a saturating client's pause after a 429/503


class LoadError(RuntimeError):
    """A request that did not get a 200 answer (the message carries status and body)."""


class Connection:
    """One keep-alive connection; opened on first use, one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._http = h11.Connection(h11.CLIENT)
        self._answered = False  # a response began on the current request

    async def post_json(self, path: str, body: Any, timeout_s: float = 600) -> Any:
        """POST ``body`` as JSON; the decoded JSON answer. LoadError unless 200 within
        ``timeout_s``, or when the server breaks the protocol or the connection."""
        status, payload = await self.request("POST", path, body, timeout_s)
        if status != 200:
            raise LoadError(f"POST {path}: HTTP {status}: {payload[:500]!r}")
        return json.loads(payload)

    async def request(
        self, method: str, path: str, body: Any = None, timeout_s: float = 600
    ) -> tuple[int, bytes]:
        """One request (``body`` sent as JSON unless None): status and payload, whatever the
        status. LoadError when no answer comes within ``timeout_s`` or the connection breaks."""
        status, _, payload = await self.exchange(method, path, body, timeout_s)
        return status, payload

    async def exchange(
        self, method: str, path: str, body: Any = None, timeout_s: float = 600
    ) -> tuple[int, dict[str, str], bytes]:
        """:meth:`request`, with the response headers (names in lower case).

        A kept-alive connection the server closed while it was idle (the server's keep-alive
        timeout) is reopened before use; one that breaks before any answer began, in the race
        between that close and our request, is reopened and the request sent once more — the
        server never started on it (what every HTTP client's pool does)."""
        if self._reader is not None and self._reader.at_eof():
            await self.close()
        reused = self._reader is not None
        try:
            return await asyncio.wait_for(self._request(method, path, body), timeout_s)
        except TimeoutError as exc:
            await self.close()
            raise LoadError(f"{method} {path}: no answer within {timeout_s:g} s") from exc
        except (h11.ProtocolError, OSError) as exc:
            answered = self._answered
            await self.close()
            if reused and not answered:
                return await self.exchange(method, path, body, timeout_s)
            raise LoadError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc

    async def _request(
        self, method: str, path: str, body: Any
    ) -> tuple[int, dict[str, str], bytes]:
        self._answered = False
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        headers = [("Host", f"{self.host}:{self.port}"), ("Content-Length", str(len(data)))]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        message = self._http.send(h11.Request(method=method, target=path, headers=headers))
        message = (message or b"") + (self._http.send(h11.Data(data=data)) or b"")
        message += self._http.send(h11.EndOfMessage()) or b""
        self._writer.write(message)
        await self._writer.drain()
        return await self._read_response(self._reader)

    async def _read_response(
        self, reader: asyncio.StreamReader
    ) -> tuple[int, dict[str, str], bytes]:
        status, headers, chunks = 0, {}, []
        while True:
            event = self._http.next_event()
            if event is h11.NEED_DATA:
                self._http.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                self._answered = True
                status = event.status_code
                headers = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            # A close before the end of the response makes h11 raise RemoteProtocolError.
        if self._http.our_state is h11.MUST_CLOSE or self._http.their_state is h11.MUST_CLOSE:
            await self.close()
        else:
            self._http.start_next_cycle()
        return status, headers, b"".join(chunks)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
        self._http = h11.Connection(h11.CLIENT)


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)  # per request, in completion order
    translations: list[str] = field(default_factory=list)  # per input, in input order


async def closed_loop(url: str, texts: Sequence[str], clients: int) -> LoadResult:
    """``clients`` concurrent clients, each sending one text per ``/v1/translate`` request and
    the next as soon as the answer is in, until every text is translated."""
    host, port = _address(url)
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for item in enumerate(texts):
        queue.put_nowait(item)
    result = LoadResult(0.0, translations=[""] * len(texts))

    async def client(connection: Connection) -> None:
        try:
            while not queue.empty():
                index, text = queue.get_nowait()
                started = time.perf_counter()
                answer = await connection.post_json("/v1/translate", {"text": text})
                result.translations[index] = answer["translation"]
                finished.append(time.perf_counter())
                result.latencies.append(finished[-1] - started)
        finally:
            await connection.close()

    finished: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(client(Connection(host, port)) for _ in range(clients)))
    result.seconds = max(finished, default=start) - start  # closing connections not counted
    return result


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass(frozen=True)
class Arrival:
    """One request of an open loop: when it is sent (seconds after the start) and what."""

    at: float
    kind: str  # a label the results are grouped by (e.g. "sentence", "article")
    path: str
    body: Any


@dataclass
class Outcome:
    kind: str
    status: int  # HTTP status; 0 = no answer (timeout or broken connection)
    sent: float  # seconds after the start
    seconds: float  # latency


class ConnectionPool:
    """Keep-alive connections for requests in flight at once: an idle one is reused, a new
    one opened when none is idle (an open loop never waits for a free connection)."""

    def __init__(self, url: str) -> None:
        self.host, self.port = _address(url)
        self._idle: list[Connection] = []
        self._all: list[Connection] = []

    async def send(self, path: str, body: Any, timeout_s: float) -> int:
        """The status of one request (0 when it got no answer)."""
        connection = self._idle.pop() if self._idle else self._open()
        try:
            status, _ = await connection.request("POST", path, body, timeout_s)
        except LoadError:
            return 0  # the connection closed itself; it reopens on its next use
        finally:
            self._idle.append(connection)
        return status

    def _open(self) -> Connection:
        connection = Connection(self.host, self.port)
        self._all.append(connection)
        return connection

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()


async def open_loop(url: str, arrivals: Sequence[Arrival], timeout_s: float = 600) -> list[Outcome]:
    """Send each arrival at its moment, whatever is still in flight, and wait for every
    answer; outcomes in arrival order."""
    pool = ConnectionPool(url)
    start = time.perf_counter()

    async def one(arrival: Arrival) -> Outcome:
        await asyncio.sleep(max(0.0, start + arrival.at - time.perf_counter()))
        sent = time.perf_counter()
        status = await pool.send(arrival.path, arrival.body, timeout_s)
        return Outcome(arrival.kind, status, sent - start, time.perf_counter() - sent)

    try:
        return list(await asyncio.gather(*(one(a) for a in arrivals)))
    finally:
        await pool.close()


async def saturate(
    url: str, requests: Sequence[tuple[str, Any]], clients: int, stop: asyncio.Event
) -> int:
    """``clients`` closed-loop clients cycling through ``requests`` (path, body) until ``stop``
    is set; the requests answered 200. Requests in flight at the stop are abandoned (their
    connections close, so the server drops what it has not started)."""
    host, port = _address(url)
    done = 0
    turn = 0

    async def client(connection: Connection) -> None:
        nonlocal done, turn
        try:
            while not stop.is_set():
                path, body = requests[turn % len(requests)]
                turn += 1
                try:
                    status, _ = await connection.request("POST", path, body)
                except LoadError:
                    continue  # the connection reopens on the next request
                done += status == 200
                if status in (429, 503):  # refused: back off rather than spin on the server
                    await asyncio.sleep(REFUSED_BACKOFF_S)
        finally:
            await connection.close()

    tasks = [asyncio.create_task(client(Connection(host, port))) for _ in range(clients)]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return done
