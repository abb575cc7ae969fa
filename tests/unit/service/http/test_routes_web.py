"""The page's routes and the off switches, on the app in this process (no model is loaded: the
page and its settings do not need one)."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser

import httpx

from service.http.app import create_app
from service.http.routes_web import static_files
from service.settings import Settings
from service.text.flags import FLAG_NAMES


def request(settings: Settings, method: str, path: str, **kwargs: object) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(go())


ON = Settings(model="unused", cache=False)
OFF = Settings(model="unused", cache=False, web_ui=False, files_translation=False)


def test_the_page_is_served_with_a_strict_policy() -> None:
    r = request(ON, "GET", "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    for hook in ('id="source"', 'id="translate"', 'id="target"'):
        assert hook in r.text
    assert request(ON, "GET", "/web/app.js").headers["content-type"].startswith("text/javascript")
    assert request(ON, "GET", "/web/style.css").headers["content-type"].startswith("text/css")
    missing = request(ON, "GET", "/web/nothing.js")
    assert missing.status_code == 404 and "error" in missing.json()


def test_page_config_names_every_flag() -> None:
    config = request(ON, "GET", "/web/config.json").json()
    assert list(config["flags"]) == list(FLAG_NAMES)
    assert {"latin", "number", "url", "glossary", "keep"} <= set(config["spanKinds"])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """Air-gapped: only the server's own files, no CDN, no web font."""
    files = static_files()
    assert {"index.html", "app.js", "style.css"} <= set(files)
    parser = _Links()
    parser.feed(files["index.html"].decode())
    assert parser.links and all(link.startswith(("/", "#", "data:")) for link in parser.links)
    for name, data in files.items():
        text = data.decode()
        assert not re.search(r"https?://", text), name
        assert "@font-face" not in text and "@import" not in text, name


def test_the_page_can_be_turned_off() -> None:
    for path in ("/", "/web/app.js", "/web/config.json"):
        r = request(OFF, "GET", path)
        assert r.status_code == 404 and "THAIMT_WEB_UI=false" in r.json()["error"]


def test_file_translation_can_be_turned_off() -> None:
    r = request(OFF, "POST", "/translate_file", files={"file": ("a.txt", b"x")})
    assert (r.status_code, r.json()) == (
        403,
        {"error": "Files translation are disabled on this server."},
    )
    r = request(OFF, "POST", "/v1/translate/file", files={"file": ("a.txt", b"x")})
    assert r.status_code == 403 and "THAIMT_FILES_TRANSLATION=false" in r.json()["error"]
    r = request(OFF, "GET", "/download_file/" + "0" * 32 + ".a.txt")
    assert r.status_code == 400
    settings = request(OFF, "GET", "/frontend/settings").json()
    assert (settings["filesTranslation"], settings["supportedFilesFormat"]) == (False, [])
