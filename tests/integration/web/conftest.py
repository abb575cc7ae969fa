"""Servers and a browser for the web page tests.

Two servers: ``thaimt serve`` as a subprocess (the product as shipped, on the tiny model), and
one in this process whose backend has a gate the tests hold shut to make translation "slow"
on demand (cancelling), with API keys. One headless Chromium session per test module: the
system's ``/usr/bin/chromium`` driven through ``/usr/bin/chromedriver`` (``make install`` puts
both there); nothing is downloaded.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serverkit import Server, launch
from webkit import (
    API_KEY,
    CHAR_LIMIT,
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    PAGE_JOB_BYTES,
    GatedBackend,
    GatedServer,
)

from models.loading import ModelSpec, load_backend
from service.engine import Engine
from service.http.app import create_app
from service.settings import Settings


@pytest.fixture(scope="session")
def web_server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``thaimt serve`` with a small character limit and its own download folder."""
    log_dir = tmp_path_factory.mktemp("web-server")
    env = {
        "THAIMT_MAX_CHARS_PER_REQUEST": str(CHAR_LIMIT),
        "THAIMT_MAX_WAIT_MS": "20",
        "THAIMT_DOWNLOAD_DIR": str(log_dir / "downloads"),
        "THAIMT_DOWNLOAD_MAX_FILES": "3",
    }
    server = launch("web", tiny_model_dir, env, log_dir)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def gated_server(tiny_model_dir: Path) -> Iterator[GatedServer]:
    """In this process: API keys, one segment per model call, the backend behind a gate."""
    backend = GatedBackend(
        load_backend(ModelSpec(model=str(tiny_model_dir), device="cpu", threads=1))
    )
    settings = Settings(
        model=str(tiny_model_dir),
        cache=False,
        api_keys=[API_KEY],
        max_batch_size=1,
        max_wait_ms=5,
        download_dir=Path(tempfile.mkdtemp(prefix="thaimt-gated-downloads-")),
        jobs_dir=Path(tempfile.mkdtemp(prefix="thaimt-gated-jobs-")),
        page_job_bytes=PAGE_JOB_BYTES,  # a .docx goes as a document job, an .html page not
        scheduler="static",  # the gate is on the static path's model call
    )
    app = create_app(settings, Engine(backend, max_batch_size=1))  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    while httpx.get(f"{url}/ready").status_code != 200:
        assert time.monotonic() < deadline, httpx.get(f"{url}/ready").text
        time.sleep(0.05)
    yield GatedServer(url, backend)
    backend.gate.set()
    server.should_exit = True
    thread.join(60)


def start_browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A headless Chromium with its own profile; downloads land in ``driver.download_dir``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        assert path.exists(), (
            f"{path} is missing: `make install` installs chromium + chromium-driver"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.download_dir = downloads
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module; downloads land in ``browser.download_dir``."""
    driver = start_browser(tmp_path_factory)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Fresh browser sessions on demand (``browsers()``), each with its own profile, all quit
    at the end of the module."""
    started: list[Any] = []

    def new() -> Any:
        started.append(start_browser(tmp_path_factory))
        return started[-1]

    try:
        yield new
    finally:
        for driver in started:
            driver.quit()
