"""The load generator against a peer that closes kept-alive connections (as ``thaimt serve``
does after ``THAIMT_KEEP_ALIVE_S`` idle): a closed connection is not counted as a failure."""

from __future__ import annotations

import asyncio
import contextlib

from bench.loadgen import Connection, ConnectionPool

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


async def read_request(reader: asyncio.StreamReader) -> bool:
    """Read one request (headers and its Content-Length body); False at end of stream."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return False
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)
    return True


async def serve(closing: str) -> tuple[asyncio.Server, list[int]]:
    """A peer that answers the first request on each connection, then either closes at once
    (``after``: the idle timeout fired) or reads the next request and closes without answering
    (``unanswered``: the close raced the request). Counts requests answered per connection."""
    answered: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ANSWER)
        await writer.drain()
        answered.append(1)
        if closing == "unanswered":
            with contextlib.suppress(asyncio.IncompleteReadError):
                await read_request(reader)
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0), answered


def url_of(server: asyncio.Server) -> tuple[str, int]:
    host, port = server.sockets[0].getsockname()[:2]
    return host, port


async def two_requests(closing: str) -> tuple[list[int], int]:
    server, answered = await serve(closing)
    host, port = url_of(server)
    connection = Connection(host, port)
    statuses = []
    for _ in range(2):
        status, _ = await connection.request("POST", "/v1/translate", {"text": "x"}, 10)
        statuses.append(status)
        if closing == "after":
            while len(answered) < len(statuses):
                await asyncio.sleep(0.01)
            # let the close reach us: the connection then reads end-of-stream
            await asyncio.wait_for(_until_eof(connection), 10)
    await connection.close()
    server.close()
    await server.wait_closed()
    return statuses, len(answered)


async def _until_eof(connection: Connection) -> None:
    while not (connection._reader is None or connection._reader.at_eof()):
        await asyncio.sleep(0.01)


def test_a_connection_the_server_closed_while_idle_is_reopened() -> None:
    statuses, answered = asyncio.run(two_requests("after"))
    assert statuses == [200, 200]
    assert answered == 2


def test_a_request_the_closing_server_never_answered_is_sent_again() -> None:
    statuses, answered = asyncio.run(two_requests("unanswered"))
    assert statuses == [200, 200]
    assert answered == 2


def test_the_open_loop_pool_counts_no_failure_for_a_closed_idle_connection() -> None:
    async def run() -> list[int]:
        server, _ = await serve("unanswered")
        host, port = url_of(server)
        pool = ConnectionPool(f"http://{host}:{port}")
        statuses = [await pool.send("/v1/translate", {"text": "x"}, 10) for _ in range(3)]
        await pool.close()
        server.close()
        await server.wait_closed()
        return statuses

    assert asyncio.run(run()) == [200, 200, 200]
