"""Who is calling: the API key a request carries (however it carries it), checked against the
accepted keys, and whom the character budget charges.

Every route reads the same headers; parameters are read only where an API style takes them:

- ``X-API-Key: KEY``
- ``Authorization: Bearer KEY``
- ``Authorization: DeepL-Auth-Key KEY`` (DeepL's clients)
- a request parameter (query string, form or JSON body): LibreTranslate's ``api_key``, DeepL's
  legacy ``auth_key``; an API style names the ones it takes (``styles.py``).

The answer is a :class:`Caller`. Keys are :class:`KeyRecord`\\ s, so what a key may do (a team,
read/write permissions) is added here, to the record and the caller, without touching routes.
The character budget charges the key when keys are configured, otherwise the client's address
(an IPv6 client by its /64 network, since one host commonly has a whole /64), as uvicorn
resolves it from ``X-Forwarded-For`` sent by ``THAIMT_TRUSTED_PROXIES`` only: made-up or
missing keys cannot escape it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from service.desk.teams import OPEN_TEAM, Access, access_for
from service.http.errors import ApiError
from service.http.state import get_state
from service.settings import Settings

OPEN_ACCESS = Access(OPEN_TEAM)
KEY_TRANSPORT = "header X-API-Key or Authorization: Bearer"
# Authorization schemes that carry a key (lower case), and every parameter name that may carry
# one on some API (the log redaction hides their values whatever the route).
AUTH_SCHEMES = ("bearer", "deepl-auth-key")
KEY_PARAMS = ("api_key", "auth_key")
KEY_HEADERS = ("x-api-key", "authorization")


class KeyRefused(ApiError):
    """No key (``missing``) or a key that is not accepted."""

    def __init__(self, status: int, message: str, *, missing: bool) -> None:
        super().__init__(status, message)
        self.missing = missing


@dataclass(frozen=True)
class KeyRecord:
    """One accepted key, with its team and role on the desk (:mod:`service.desk.teams`)."""

    key: str
    access: Access


@dataclass(frozen=True)
class Caller:
    """Who a request (or a job) is from: the accepted key, if any, whom budgets charge, and
    which team's glossaries and memory it reaches (read, or read and write)."""

    identity: str  # "key:<key>" or "addr:<client network>": the budget and download quota owner
    record: KeyRecord | None = None  # None: the server has no keys
    open_access: Access = OPEN_ACCESS  # everyone's, on a server without keys

    @property
    def key(self) -> str | None:
        return self.record.key if self.record is not None else None

    @property
    def access(self) -> Access:
        return self.record.access if self.record is not None else self.open_access


def request_key(
    request: Request,
    params: Mapping[str, Any] | None = None,
    param_names: Sequence[str] = (),
) -> str | None:
    """The key a request carries: a header, else the first of ``param_names`` in ``params``
    (400 if that is no string)."""
    key = header_key(request)
    if key is not None or params is None:
        return key
    for name in param_names:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise ApiError(400, f"Invalid request: {name} must be a string")
        if value:
            return value
    return None


def header_key(request: Request) -> str | None:
    """``X-API-Key``, else an ``Authorization`` scheme that carries a key."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() in AUTH_SCHEMES and value.strip():
        return value.strip()
    return None


def check_key(
    key: str | None,
    accepted: Sequence[str],
    *,
    transport: str = KEY_TRANSPORT,
) -> None:
    """No keys configured: everyone may call. Otherwise a missing key is 401 and a wrong key
    403 (an API style may answer both differently: LibreTranslate says 403 to both)."""
    if not accepted:
        return
    if not key:
        raise KeyRefused(401, f"an API key is required ({transport})", missing=True)
    if not key_is_accepted(key, accepted):
        raise KeyRefused(403, "Invalid API key", missing=False)


def key_is_accepted(key: str, accepted: Sequence[str]) -> bool:
    """Constant-time comparison against every accepted key, so neither the response time nor
    an early exit tells how much of a guess was right or which key it was close to."""
    given = key.encode("utf-8")
    matched = False
    for candidate in accepted:
        matched |= hmac.compare_digest(given, candidate.encode("utf-8"))
    return matched


def authenticate(
    request: Request, params: Mapping[str, Any] | None = None, param_names: Sequence[str] = ()
) -> Caller:
    """The caller of ``request``, or KeyRefused (401/403) on a server with keys."""
    settings = get_state(request).settings
    key = request_key(request, params, param_names)
    check_key(key, settings.api_keys)
    return caller_for(key, client_host(request), settings)


def caller_for(key: str | None, host: str, settings: Settings) -> Caller:
    """The caller with an already accepted ``key`` (or none) from ``host``: its key when keys
    are configured, otherwise its address (a key given to an open server is ignored)."""
    if settings.api_keys and key:
        access = access_for(key, settings.memberships(), settings.open_role)
        return Caller(f"key:{key}", KeyRecord(key, access))
    return Caller(f"addr:{client_network(host)}", None, access_for(None, {}, settings.open_role))


def client_host(request: Request) -> str:
    return request.client.host if request.client else ""


def client_network(host: str) -> str:
    """An IPv4 address as is, an IPv6 address as its /64 network, anything else verbatim."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
