"""A lean HTTP/1.1 load generator for ``thaimt bench``: N clients, each a keep-alive connection
sending one JSON request at a time (a closed loop), parsed by ``h11`` over asyncio streams.

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

    async def post_json(self, path: str, body: Any, timeout_s: float = 600) -> Any:
        """POST ``body`` as JSON; the decoded JSON answer. LoadError unless 200 within
        ``timeout_s``, or when the server breaks the protocol or the connection."""
        try:
            return await asyncio.wait_for(self._post_json(path, body), timeout_s)
        except TimeoutError as exc:
            await self.close()
            raise LoadError(f"POST {path}: no answer within {timeout_s:g} s") from exc
        except (h11.ProtocolError, OSError) as exc:
            await self.close()
            raise LoadError(f"POST {path}: {type(exc).__name__}: {exc}") from exc

    async def _post_json(self, path: str, body: Any) -> Any:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode("utf-8")
        headers = [
            ("Host", f"{self.host}:{self.port}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
        ]
        message = self._http.send(h11.Request(method="POST", target=path, headers=headers))
        message = (message or b"") + (self._http.send(h11.Data(data=data)) or b"")
        message += self._http.send(h11.EndOfMessage()) or b""
        self._writer.write(message)
        await self._writer.drain()
        status, payload = await self._read_response(self._reader)
        if status != 200:
            raise LoadError(f"POST {path}: HTTP {status}: {payload[:500]!r}")
        return json.loads(payload)

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status, chunks = 0, []
        while True:
            event = self._http.next_event()
            if event is h11.NEED_DATA:
                self._http.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            # A close before the end of the response makes h11 raise RemoteProtocolError.
        if self._http.our_state is h11.MUST_CLOSE or self._http.their_state is h11.MUST_CLOSE:
            await self.close()
        else:
            self._http.start_next_cycle()
        return status, b"".join(chunks)

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
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
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
