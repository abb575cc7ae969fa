"""What ``thaimt serve`` says while it starts, and the docs it serves offline.

One server of its own (default settings: backend auto on the tiny model), not the shared pool.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from serverkit import REPO, Server, launch

from service.cli.serve import exposure_warning, is_loopback
from service.settings import Settings

READY = re.compile(
    r"thaimt ready on http://127\.0\.0\.1:(\d+) "
    r"\((ct2|torch) (\w+), cpu, 1 thread, (continuous|lanes|static) batching\)"
)


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch("startup", tiny_model_dir, {}, tmp_path_factory.mktemp("startup-logs"))
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def test_ready_line_names_the_url_and_what_runs(server: Server) -> None:
    log = server.log()
    match = READY.search(log)
    assert match is not None, log
    assert int(match.group(1)) == server.port_if_bound()  # the port really bound, not "0"
    assert (match.group(2), match.group(3)) == ("ct2", "int8_float32")  # auto on this CPU
    assert match.group(4) == "static"  # one thread: one replica, nothing to run lanes on
    loaded = log.index("loaded: ct2 int8")  # backend, precision, device, threads at load
    assert loaded < log.index("Uvicorn running on") < match.start()
    assert len(READY.findall(log)) == 1


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_come_from_the_server_itself(server: Server, page: str) -> None:
    response = server.client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "://" not in html  # no CDN, no external font, no validator badge
    parser = _References()
    parser.feed(html)
    assert parser.urls, html
    spec = re.search(r"(?:url|spec-url)['\"]?[:=]\s*['\"]([^'\"]+)['\"]", html)
    assert spec is not None and spec.group(1) == "/openapi.json"
    for url in [*parser.urls, spec.group(1)]:
        assert url.startswith("/"), url
        asset = server.client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url


@pytest.mark.parametrize(
    ("host", "keys", "loopback", "warns"),
    [
        ("127.0.0.1", [], True, False),
        ("127.0.0.2", [], True, False),
        ("localhost", [], True, False),
        ("::1", [], True, False),
        ("0.0.0.0", [], False, True),
        ("::", [], False, True),
        ("10.1.2.3", [], False, True),
        ("thaimt.example", [], False, True),  # a name may resolve anywhere
        ("0.0.0.0", ["key"], False, False),  # exposed, but keys are required
    ],
)
def test_exposure_warning(host: str, keys: list[str], loopback: bool, warns: bool) -> None:
    assert is_loopback(host) == loopback
    warning = exposure_warning(Settings(host=host, api_keys=keys))
    assert (warning is not None) == warns
    if warning is not None:
        assert host in warning and "THAIMT_API_KEYS" in warning


def test_serve_on_an_outside_address_without_keys_warns(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never this machine's, so the bind fails and nothing
    # ever listens or sends; the warning comes first, then the one-line bind error.
    env = dict(os.environ, HF_HUB_OFFLINE="1", THAIMT_CACHE="false", THAIMT_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", "service.cli.main", "serve", "--model", str(tiny_model_dir),
         "--host", "192.0.2.1", "--port", "0"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    warnings = [line for line in lines if line.startswith("WARNING:")]
    assert len(warnings) == 1 and "192.0.2.1 with no API key" in warnings[0], result.stderr
    assert lines[-1].startswith("thaimt: error: cannot listen on 192.0.2.1:0")


def test_plain_uvicorn_logs_ready_too(factory_server: Server) -> None:
    """Under ``uvicorn --factory`` thaimt's log lines go through uvicorn's handlers; the port is
    uvicorn's to name (its "running on" line), so the ready line names what runs."""
    factory = factory_server
    log = factory.log()
    assert "loaded: ct2 int8" in log
    assert "thaimt ready (ct2 int8_float32, cpu, 1 thread, static batching)" in log
