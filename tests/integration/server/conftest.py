"""Real servers for the integration tests: ``thaimt serve`` subprocesses on 127.0.0.1, random
ports, the session's tiny model. Every server the selected tests use (``<name>_server``
fixtures) is launched together the first time one is asked for (they load in parallel) and
stopped at the end of the session; a run of a few tests starts only the servers they need."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverkit import READY_TIMEOUT_S, REPO, Server, launch

TATOEBA_TH = REPO / "eval" / "data" / "tatoeba" / "tatoeba-test-v2021-08-07.tha"

# Servers whose tests were written against the torch backend's outputs or speed keep it (the
# default backend is auto: CTranslate2 int8 on this CPU, whose gibberish and timing differ):
# "main" (test_server_alternatives picks lines on which torch's beam gives three distinct
# alternatives), "keyed" and "hygiene" (their tests need a non-empty translation of one
# sentence: CTranslate2's gibberish for it is a number loop, which the repetition guard removes
# whole), "small" and "doomed" (written for a request that stays queued a while). The others,
# and test_server_startup's own server, run the default.
TORCH = {"THAIMT_BACKEND": "torch"}

# name -> THAIMT_* settings of that server
SERVER_CONFIGS: dict[str, dict[str, str]] = {
    "main": {
        **TORCH,
        "THAIMT_MAX_WAIT_MS": "30",
        "THAIMT_MAX_CHARS_PER_REQUEST": "4000",
        "THAIMT_MAX_TEXTS_PER_REQUEST": "8",
        "THAIMT_MAX_BODY_BYTES": "100000",
    },
    # API keys, a per-key character budget and a timeout no translation can meet: a
    # microsecond, which admission refuses up front (413) whatever the machine's speed.
    "guarded": {
        "THAIMT_API_KEYS": '["key-a", "key-b", "key-c"]',
        "THAIMT_KEY_CHAR_LIMIT": "100",
        "THAIMT_REQUEST_TIMEOUT_S": "0.000001",
    },
    # API keys and a per-key character budget, with time enough to translate (200, 429).
    "keyed": {
        **TORCH,
        "THAIMT_API_KEYS": '["key-a", "key-b", "key-c"]',
        "THAIMT_KEY_CHAR_LIMIT": "100",
    },
    # No API keys but a character budget (so per client address, as uvicorn resolves it from
    # X-Forwarded-For sent by the trusted 127.0.0.1), CORS for one origin, /metrics behind a
    # key, no /docs.
    "open": {
        "THAIMT_KEY_CHAR_LIMIT": "100",
        "THAIMT_TRUSTED_PROXIES": "127.0.0.1",
        "THAIMT_CORS_ORIGINS": '["https://app.example"]',
        "THAIMT_METRICS_KEY": "scrape-secret",
        "THAIMT_DOCS": "false",
    },
    # One segment per model call and a small queue: backpressure and disconnects.
    "small": {"THAIMT_BATCHING": "false", "THAIMT_QUEUE_SIZE": "40", **TORCH},
    # A batch may be held for 10 minutes while a request is being prepared (the slow-upload
    # test: a request still uploading its body must not count as being prepared).
    "patient": {"THAIMT_MAX_HOLD_MS": "600000", "THAIMT_MAX_CHARS_PER_REQUEST": "1100000"},
    # Stopped by the SIGTERM test, so no other test may use it.
    "doomed": {"THAIMT_BATCHING": "false", **TORCH},
    # Connection hygiene: one-second deadlines, and 256 file descriptors (SERVER_NOFILE), so
    # its connection cap is derived from the descriptor limit.
    "hygiene": {
        **TORCH,  # its test needs a non-empty translation (see TORCH above)
        "THAIMT_HEADER_TIMEOUT_S": "1",
        "THAIMT_BODY_TIMEOUT_S": "1",
        "THAIMT_KEEP_ALIVE_S": "1",
    },
    # The desk: keys in two teams (a writer and a reader in one), glossaries and memory in the
    # session's desk file (THAIMT_DESK_PATH, set by tests/conftest.py).
    "desk": {
        "THAIMT_KEY_TEAMS": '{"alpha-w": "alpha:write", "alpha-r": "alpha:read", '
        '"beta-w": "beta:write"}',
    },
    # The DeepL-compatible API through the official clients: keys, a budget the quota test
    # spends (one window for the whole run).
    "deepl": {
        "THAIMT_API_KEYS": '["dk-main", "dk-quota", "dk-node", "dk-other", "dk-docs"]',
        "THAIMT_KEY_CHAR_LIMIT": "40000",
        "THAIMT_KEY_CHAR_WINDOW_S": "3600",
    },
    # Started with `python -m uvicorn --factory`; watched from launch to readiness. The
    # persistent cache is on here (each server's file is in the session's temporary directory).
    "factory": {"THAIMT_CACHE": "true"},
}


SERVER_NOFILE = {"hygiene": 256}  # name -> its RLIMIT_NOFILE (soft and hard)
ACCESS_LOGGED = {"keyed"}  # servers whose log has uvicorn's access lines (secrets redacted)
_NEEDED: set[str] = set()  # the servers the collected tests use


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for name in getattr(item, "fixturenames", ()):
            if name.endswith("_server") and name.removesuffix("_server") in SERVER_CONFIGS:
                _NEEDED.add(name.removesuffix("_server"))


@pytest.fixture(scope="session")
def server_pool(
    tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Server]]:
    log_dir = tmp_path_factory.mktemp("server-logs")
    wanted = _NEEDED or set(SERVER_CONFIGS)
    pool = {
        name: launch(
            name, tiny_model_dir, env, log_dir, SERVER_NOFILE.get(name), name in ACCESS_LOGGED
        )
        for name, env in SERVER_CONFIGS.items()
        if name in wanted
    }
    if "factory" in pool:
        factory = pool["factory"]
        factory.startup_watcher = threading.Thread(target=factory.watch_startup, daemon=True)
        factory.startup_watcher.start()
    yield pool
    for server in pool.values():
        server.terminate()  # all at once: they drain in parallel
    for server in pool.values():
        server.stop()


def _ready(pool: dict[str, Server], name: str) -> Server:
    server = pool[name]
    server.wait_ready()
    return server


@pytest.fixture(scope="session")
def main_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "main")


@pytest.fixture(scope="session")
def guarded_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "guarded")


@pytest.fixture(scope="session")
def keyed_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "keyed")


@pytest.fixture(scope="session")
def open_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "open")


@pytest.fixture(scope="session")
def small_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "small")


@pytest.fixture(scope="session")
def patient_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "patient")


@pytest.fixture(scope="session")
def hygiene_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "hygiene")


@pytest.fixture(scope="session")
def doomed_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "doomed")


@pytest.fixture(scope="session")
def deepl_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "deepl")


@pytest.fixture(scope="session")
def factory_server(server_pool: dict[str, Server]) -> Server:
    server = _ready(server_pool, "factory")
    assert server.startup_watcher is not None
    server.startup_watcher.join(READY_TIMEOUT_S)  # it has seen /ready turn 200 (or given up)
    assert not server.startup_watcher.is_alive()
    return server


@pytest.fixture(scope="session")
def thai_sentences() -> list[str]:
    """Short, distinct Thai sentences (Tatoeba test set), one segment each."""
    lines = TATOEBA_TH.read_text(encoding="utf-8").splitlines()
    short = [ln.strip() for ln in lines if 6 <= len(ln.strip()) <= 40 and " " not in ln.strip()]
    return list(dict.fromkeys(short))


@pytest.fixture(scope="session")
def desk_server(server_pool: dict[str, Server]) -> Server:
    return _ready(server_pool, "desk")
