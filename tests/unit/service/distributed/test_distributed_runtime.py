"""Which runtime ``--ray [ADDRESS]`` means, loopback addresses, and Ray missing."""

from __future__ import annotations

import sys

import pytest

from service.distributed.errors import RayUnavailableError
from service.distributed.runtime import choose_address, import_ray, is_loopback


@pytest.mark.parametrize(
    ("given", "ray_address", "expected"),
    [
        (None, None, None),  # a private local runtime
        ("", None, None),  # --ray without an address
        ("", "10.0.0.5:6379", "10.0.0.5:6379"),  # ray job submit sets RAY_ADDRESS
        ("local", "10.0.0.5:6379", None),  # 'local' forces the private runtime
        ("auto", None, "auto"),
        ("head:6379", "10.0.0.5:6379", "head:6379"),  # the flag wins
        ("ray://head:10001", None, "ray://head:10001"),
    ],
)
def test_the_address_chosen(given, ray_address, expected):
    assert choose_address(given, ray_address) == expected


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:6379", True),
        ("127.0.1.1:6379", True),
        ("localhost:6379", True),
        ("ray://127.0.0.1:10001", True),
        ("[::1]:6379", True),
        ("10.0.0.5:6379", False),
        ("head.example.org:6379", False),
        ("auto", False),
    ],
)
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_missing_ray_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    with pytest.raises(RayUnavailableError, match=r"pip install 'thaimt\[ray\]'"):
        import_ray()
