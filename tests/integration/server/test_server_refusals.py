"""Every refusal reaches the client: a body over the limit is read (and dropped) before the
connection closes, so clients that send the whole body before reading the answer (urllib,
requests, httpx) read the 413 instead of a connection reset, and so does curl (which waits
for ``100 Continue`` on large bodies)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
import requests
from serverkit import Server

BIG = 20_000_000  # bytes; the main server's limit is 100,000
JSON = {"content-type": "application/json"}
ROUTES = ("/v1/translate", "/translate")


@pytest.fixture(scope="module")
def big_body(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bodies") / "big.json"
    path.write_bytes(b'{"text": "' + b"a" * BIG + b'", "q": "", "source": "th"}')
    return path


def assert_too_large(status: int, body: bytes | str) -> None:
    assert status == 413, body[:200]
    assert "request body too large" in json.loads(body)["error"]


@pytest.mark.parametrize("path", ROUTES)
def test_urllib_reads_the_413(main_server: Server, big_body: Path, path: str) -> None:
    data = big_body.read_bytes()
    for _ in range(3):  # before the fix: a reset or a broken pipe, every time
        request = urllib.request.Request(main_server.url + path, data=data, headers=JSON)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=120)
        assert_too_large(refused.value.code, refused.value.read())


def test_httpx_reads_the_413(main_server: Server, big_body: Path) -> None:
    r = httpx.post(main_server.url + "/v1/translate", content=big_body.read_bytes(), headers=JSON,
                   timeout=120)  # fmt: skip
    assert_too_large(r.status_code, r.content)


def test_requests_reads_the_413(main_server: Server, big_body: Path) -> None:
    r = requests.post(main_server.url + "/v1/translate", data=big_body.read_bytes(), headers=JSON,
                      timeout=120)  # fmt: skip
    assert_too_large(r.status_code, r.content)


@pytest.mark.parametrize("expect", ["100-continue", ""], ids=["expect-100", "no-expect"])
def test_curl_reads_the_413(main_server: Server, big_body: Path, expect: str) -> None:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "120", "-H", "content-type: application/json",
         "-H", f"Expect: {expect}", "--data-binary", f"@{big_body}", "-w", "\n%{http_code}",
         main_server.url + "/v1/translate"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body, _, status = result.stdout.rpartition("\n")
    assert_too_large(int(status), body)


def test_a_chunked_body_over_the_limit_gets_its_413(main_server: Server) -> None:
    """No Content-Length: the size is counted as the body arrives, the rest is drained."""

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"text": "'
        for _ in range(200):
            yield b"a" * 50_000
        yield b'"}'

    r = httpx.post(main_server.url + "/v1/translate", content=chunks(), headers=JSON, timeout=120)
    assert_too_large(r.status_code, r.content)
    assert main_server.client.get("/health").status_code == 200
