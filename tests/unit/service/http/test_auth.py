"""Authentication as tables: whose budget a request charges, and where its key comes from."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from service.http.auth import KEY_PARAMS, caller_for, client_network, request_key
from service.http.errors import ApiError
from service.settings import Settings


def _request(headers: dict[str, str], client: str = "192.0.2.1") -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/translate",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (client, 50000),
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),  # an IPv4 client on a dual-stack socket
        ("testclient", "testclient"),
        ("", "unknown"),
    ],
)
def test_client_network(host: str, expected: str) -> None:
    assert client_network(host) == expected


@pytest.mark.parametrize(
    ("headers", "params", "expected"),
    [
        ({"X-API-Key": "a"}, None, "a"),
        ({"Authorization": "Bearer b"}, None, "b"),
        ({"Authorization": "bearer  c "}, None, "c"),
        ({"Authorization": "Basic xyz"}, None, None),
        ({}, {"api_key": "d"}, "d"),  # LibreTranslate's parameter
        ({"Authorization": "DeepL-Auth-Key e:fx"}, None, "e:fx"),  # DeepL's header
        ({}, {"auth_key": "f"}, "f"),  # DeepL's legacy parameter
        ({"Authorization": "DeepL-Auth-Key "}, None, None),
        ({}, None, None),
        ({"X-API-Key": "a"}, {"api_key": "d"}, "a"),
    ],
)
def test_request_api_key(
    headers: dict[str, str], params: dict[str, Any] | None, expected: str | None
) -> None:
    assert request_key(_request(headers), params, KEY_PARAMS) == expected


def test_a_non_string_api_key_parameter_is_400() -> None:
    with pytest.raises(ApiError) as refused:
        request_key(_request({}), {"api_key": ["x"]}, KEY_PARAMS)
    assert refused.value.status == 400


def test_budget_identity_is_the_key_only_when_keys_are_configured() -> None:
    keyed = Settings(api_keys=["k"], key_char_limit=10)
    open_ = Settings(key_char_limit=10)
    host = "203.0.113.5"
    assert caller_for("k", host, keyed).identity == "key:k"
    assert caller_for("k", host, keyed).key == "k"
    assert caller_for("made-up", host, open_).identity == "addr:203.0.113.5"
    assert caller_for(None, host, open_).identity == "addr:203.0.113.5"
