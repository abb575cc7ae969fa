"""Reading request bodies: a size limit (413), a read deadline (408), one framing per request
(400), and refusals that reach the client.

A server that answers before reading a body and closes leaves the unread bytes in its socket;
the kernel answers them with a reset, and a client that is still sending (Python's urllib,
requests and httpx all send the whole body before they read) loses the answer with the
connection. So a refusal is written first, then the rest of the body is read and thrown away up
to ``drain_bytes`` (what nginx's lingering close does), and only then is the connection closed.
A body larger than that is refused without being read here; ``thaimt serve``'s protocol
(``connections.py``) then drops the rest of it at the socket before closing.

A request with both ``Content-Length`` and ``Transfer-Encoding`` is refused (400) and its
connection closed, as RFC 9112 §6.1 requires: a proxy in front that believed the other header
would see a different request boundary, and bytes it sent as a second request would be run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import ApiError
from service.http.styles import style_for_path
from service.settings import Settings

LINGER_S = 2.0  # how long a timed-out client's late bytes are still read before closing


@dataclass(frozen=True)
class BodyLimits:
    max_bytes: int  # larger bodies are refused with 413
    timeout_s: float  # the whole body must arrive within this, once the headers are in (408)
    drain_bytes: int  # a refused body is read (and dropped) up to this many bytes
    # Paths that take whole documents (document jobs), and the bodies they may have.
    upload_paths: tuple[str, ...] = ()
    upload_max_bytes: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            settings.max_body_bytes,
            settings.body_timeout_s,
            settings.max_drain_bytes,
            UPLOAD_PATHS,
            settings.jobs_max_upload_bytes + UPLOAD_FORM_BYTES,
        )

    def for_path(self, path: str) -> BodyLimits:
        """These limits, with a document upload's body size on the upload paths."""
        if self.upload_max_bytes > self.max_bytes and path in self.upload_paths:
            return dataclasses.replace(self, max_bytes=self.upload_max_bytes)
        return self


# Where whole documents are uploaded (THAIMT_JOBS_MAX_UPLOAD_BYTES, plus the form around it).
UPLOAD_PATHS = ("/v1/documents", "/v2/document")
UPLOAD_FORM_BYTES = 1_000_000


class BodyTooLarge(Exception):
    def __init__(self, size: int, complete: bool) -> None:
        super().__init__(size)
        self.size = size
        self.complete = complete  # the client has sent all of it


class ClientDisconnected(Exception):
    pass


class BodyGuard:
    """ASGI middleware: read the body under the size limit and the deadline, then replay it to
    the app. The app's later ``receive()`` calls go to the server again, so disconnect
    detection keeps working. The declared Content-Length is checked first, then the bytes
    actually received (which a client can't lie about)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limits = self.limits.for_path(path)
        if has_two_framings(scope):
            await refuse(receive, send, 400, TWO_FRAMINGS, path=path)
            return
        declared = content_length(scope)
        if declared is not None and declared > limits.max_bytes:
            drain = limits.drain_bytes if declared <= limits.drain_bytes else 0
            too_large = _too_large(declared, limits)
            await refuse(receive, send, 413, too_large, drain, limits.timeout_s, path=path)
            return
        try:
            body = await read_body(receive, limits.max_bytes, limits.timeout_s)
        except BodyTooLarge as exc:
            drain = 0 if exc.complete else limits.drain_bytes
            too_large = _too_large(exc.size, limits)
            await refuse(receive, send, 413, too_large, drain, limits.timeout_s, path=path)
            return
        except TimeoutError:
            message = f"the request body did not arrive within {limits.timeout_s:g} s"
            await refuse(receive, send, 408, message, limits.drain_bytes, LINGER_S, path=path)
            return
        except ClientDisconnected:
            return
        await self.app(scope, _replay(body, receive), send)


def _too_large(size: int, limits: BodyLimits) -> str:
    return f"request body too large: {size} bytes, the limit is {limits.max_bytes}"


async def read_body(receive: Receive, max_bytes: int, timeout_s: float) -> bytes:
    """The whole body; BodyTooLarge past ``max_bytes``, TimeoutError past ``timeout_s``."""
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout_s):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False)
            if size > max_bytes:
                raise BodyTooLarge(size, complete=not more)
            chunks.append(chunk)
            if not more:
                return b"".join(chunks)


async def refuse(
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    drain_bytes: int = 0,
    drain_s: float = 0.0,
    headers: dict[str, str] | None = None,
    path: str = "",
) -> None:
    """Answer ``message`` in the error body of ``path``'s API family (``{"error": ...}``, or
    DeepL's ``{"message": ...}``) and close the connection, reading the rest of the request
    body first (up to ``drain_bytes``, for at most ``drain_s``) so the client gets to read the
    answer. Only for a request whose body has not been read to its end."""
    error = ApiError(status, message)
    body = json.dumps(style_for_path(path).body(error)).encode()
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *extra,
            ],
        }
    )
    # The answer goes out whole now; the response is completed (and the connection closed)
    # only after the drain, since the server stops reading once a response is complete.
    await send({"type": "http.response.body", "body": body, "more_body": True})
    if drain_bytes > 0:
        await drain(receive, drain_bytes, drain_s)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def drain(receive: Receive, max_bytes: int, timeout_s: float) -> None:
    """Read and drop the rest of the body: until its end, the client leaving, ``max_bytes`` or
    ``timeout_s``, whichever comes first."""
    seen = 0
    try:
        async with asyncio.timeout(timeout_s):
            while seen <= max_bytes:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                seen += len(message.get("body", b""))
                if not message.get("more_body", False):
                    return
    except TimeoutError:
        return


TWO_FRAMINGS = (
    "a request may not carry both Content-Length and Transfer-Encoding (RFC 9112 §6.1); "
    "send one of them"
)


def has_two_framings(scope: Scope) -> bool:
    names = {name for name, _ in scope.get("headers", [])}
    return b"content-length" in names and b"transfer-encoding" in names


def content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
