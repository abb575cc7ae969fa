"""The one Settings object: the defaults a new user gets, and the checks on THAIMT_* values."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.settings import Settings


def test_the_default_backend_is_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THAIMT_BACKEND", raising=False)
    settings = Settings()
    assert settings.backend == "auto"
    assert settings.model_spec().backend == "auto"


@pytest.mark.parametrize("backend", ["auto", "torch", "ct2"])
def test_every_backend_name_is_accepted(backend: str) -> None:
    assert Settings(backend=backend).backend == backend


def test_an_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="auto, torch, ct2"):
        Settings(backend="onnx")


def test_cache_path_follows_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THAIMT_CACHE_PATH", raising=False)
    monkeypatch.setenv("THAIMT_CACHE_DIR", str(tmp_path / "data"))
    settings = Settings()
    assert settings.cache_dir == tmp_path / "data"
    assert settings.cache_path == tmp_path / "data" / "cache.sqlite3"
    assert settings.model_spec().cache_root == tmp_path / "data"
    explicit = Settings(cache_path=tmp_path / "elsewhere.sqlite3")
    assert explicit.cache_path == tmp_path / "elsewhere.sqlite3"


def test_default_cache_dir_honours_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THAIMT_CACHE_DIR", raising=False)
    monkeypatch.delenv("THAIMT_CACHE_PATH", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    settings = Settings()
    assert settings.cache_dir == tmp_path / "thaimt"
    assert settings.cache_path == tmp_path / "thaimt" / "cache.sqlite3"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings().cache_dir == tmp_path / "home" / ".cache" / "thaimt"


def test_a_tilde_in_a_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("THAIMT_CACHE_PATH", "~/thaimt.sqlite3")
    assert Settings().cache_path == tmp_path / "thaimt.sqlite3"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("0.0.0.0", 80, "http://0.0.0.0:80"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_server_url(host: str, port: int, url: str) -> None:
    assert Settings(host=host, port=port).server_url() == url


@pytest.mark.parametrize("port", [-1, 65536])
def test_a_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(ValidationError):
        Settings(port=port)


def test_address_lists_take_commas_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIMT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    monkeypatch.setenv("THAIMT_CORS_ORIGINS", '["https://app.example"]')
    settings = Settings()
    assert settings.trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]
    assert settings.cors_origins == ["https://app.example"]
    monkeypatch.setenv("THAIMT_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings()
