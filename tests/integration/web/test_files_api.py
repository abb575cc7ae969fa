"""File translation against real servers: LibreTranslate's /translate_file + /download_file
(called as LibreTranslate's own page calls them: a multipart form with file, source, target and
api_key) and the page's /v1/translate/file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
import pytest
from heldserver import held_server
from htmltree import tag_tree
from serverkit import Server
from webkit import API_KEY, CHAR_LIMIT, HTML, TXT, GatedServer

from service.text.flags import FLAG_NAMES


def libre_file_call(
    url: str,
    name: str,
    content: bytes,
    api_key: str = "",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    """The request LibreTranslate's page sends (its app.js: FormData file/source/target/api_key)."""
    form = {"source": "th", "target": "en", "api_key": api_key, **fields}
    return httpx.post(
        f"{url}/translate_file",
        data=form,
        files={"file": (name, content)},
        headers=headers,
        timeout=120,
    )


def download(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, response.text
    file_url = response.json()["translatedFileUrl"]
    assert set(response.json()) == {"translatedFileUrl"}
    got = httpx.get(file_url, timeout=60)
    assert got.status_code == 200, got.text
    return got


def test_libretranslate_client_round_trips_a_txt_file(web_server: Server) -> None:
    got = download(libre_file_call(web_server.url, "ข่าว article.txt", TXT.encode("utf-8")))
    path = urlparse(got.request.url.path).path
    assert path.startswith("/download_file/") and path.endswith("_en.txt")
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "article_en.txt" in disposition
    assert got.headers["content-type"].startswith("text/plain")
    text = got.content.decode("utf-8")
    assert text.split("\n")[1:3] == ["", "Top"]  # blank and kept lines come back as they were
    assert len(text.split("\n")) == len(TXT.split("\n"))
    assert "Startup Digital Hub CLMVT" in text


def test_libretranslate_client_round_trips_an_html_file(web_server: Server) -> None:
    got = download(libre_file_call(web_server.url, "news.html", HTML.encode("utf-8")))
    assert got.headers["content-type"].startswith("text/html")
    html = got.content.decode("utf-8")
    assert tag_tree(html) == tag_tree(HTML)
    assert 'var x = "ไม่แปล";' in html and "<code>EEC</code>" in html  # untranslated parts kept
    assert "Digital Hub" in html and "2567" in html


@pytest.mark.parametrize(
    ("name", "fields", "status", "error"),
    [
        ("a.txt", {"source": "fr"}, 400, "fr is not supported"),
        ("a.txt", {"target": "de"}, 400, "de is not supported"),
        ("a.exe", {}, 400, "Invalid request: file format not supported"),
        ("a.txt", {"source": ""}, 400, "Invalid request: missing source parameter"),
    ],
)
def test_libretranslate_file_errors(
    web_server: Server, name: str, fields: dict[str, str], status: int, error: str
) -> None:
    r = libre_file_call(web_server.url, name, TXT.encode("utf-8"), **fields)
    assert (r.status_code, r.json()) == (status, {"error": error})


def test_libretranslate_file_call_without_a_file(web_server: Server) -> None:
    r = httpx.post(f"{web_server.url}/translate_file", data={"source": "th", "target": "en"})
    assert (r.status_code, r.json()) == (400, {"error": "Invalid request: missing file parameter"})


def test_download_names_are_checked(web_server: Server) -> None:
    r = httpx.get(f"{web_server.url}/download_file/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code in (400, 404) and "error" in r.json()
    r = httpx.get(f"{web_server.url}/download_file/not-a-stored-name.txt")
    assert (r.status_code, r.json()) == (400, {"error": "Invalid filename"})
    r = httpx.get(f"{web_server.url}/download_file/{'0' * 32}.gone_en.txt")
    assert r.status_code == 404 and "expired" in r.json()["error"]


def test_the_download_folder_is_bounded(web_server: Server) -> None:
    """THAIMT_DOWNLOAD_MAX_FILES=3 on this server: a fourth result pushes out the first."""
    urls = [
        libre_file_call(web_server.url, f"f{i}.txt", TXT.encode()).json()["translatedFileUrl"]
        for i in range(4)
    ]
    assert httpx.get(urls[0]).status_code == 404
    assert all(httpx.get(u).status_code == 200 for u in urls[1:])


def test_keys_are_required_where_configured(gated_server: GatedServer) -> None:
    r = libre_file_call(gated_server.url, "a.txt", TXT.encode())
    assert (r.status_code, r.json()) == (403, {"error": "Invalid API key"})
    assert download(libre_file_call(gated_server.url, "a.txt", TXT.encode(), API_KEY)).content


def test_frontend_settings_announce_file_translation(web_server: Server) -> None:
    settings = httpx.get(f"{web_server.url}/frontend/settings").json()
    assert settings["filesTranslation"] is True
    assert {".txt", ".html", ".md", ".srt", ".jsonl"} <= set(settings["supportedFilesFormat"])
    assert settings["charLimit"] == CHAR_LIMIT


def v1_file(url: str, name: str, content: bytes, **fields: Any) -> httpx.Response:
    form = {
        k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in fields.items()
    }
    return httpx.post(
        f"{url}/v1/translate/file", data=form, files={"file": (name, content)}, timeout=120
    )


def test_v1_file_answers_with_the_file_and_its_segments(web_server: Server) -> None:
    r = v1_file(
        web_server.url, "news.html", HTML.encode(), detail="true", glossary={"อาลีบาบา": "Alibaba"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["filename"], body["format"]) == ("news_en.html", "html")
    assert tag_tree(body["content"]) == tag_tree(HTML)
    assert "Alibaba" in body["content"]
    segments = [s for d in body["detail"] for p in d["paragraphs"] for s in p["segments"]]
    assert segments and all(set(s["flags"]) <= set(FLAG_NAMES) for s in segments)
    kinds = {span["kind"] for s in segments for span in s["spans"]}
    assert {"glossary", "markup"} <= kinds


def test_v1_file_jsonl_fields_and_limits(web_server: Server) -> None:
    lines = [{"id": 1, "title": "วันนี้อากาศดีมาก", "body": "ไม่แปล"}, {"id": 2, "title": "สวัสดีครับ"}]
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode()
    body = v1_file(web_server.url, "rows.jsonl", data, fields="title").json()
    out = [json.loads(line) for line in body["content"].splitlines()]
    assert [x["id"] for x in out] == [1, 2] and out[0]["body"] == "ไม่แปล"
    assert out[0]["title"] != lines[0]["title"]
    r = v1_file(web_server.url, "big.txt", ("ก" * (CHAR_LIMIT + 1)).encode())
    assert r.status_code == 413 and f"the limit is {CHAR_LIMIT}" in r.json()["error"]
    r = v1_file(web_server.url, "bad.txt", b"\x00\x01binary")
    assert r.status_code == 400 and "binary" in r.json()["error"]
    r = v1_file(web_server.url, "a.txt", TXT.encode(), glossary="{not json")
    assert r.status_code == 400 and "glossary" in r.json()["error"]


def test_detail_output_carries_flags(web_server: Server) -> None:
    """/v1/translate and its stream: every segment in ``detail`` has its (computed) flags."""
    body = {"text": TXT, "detail": True}
    done = httpx.post(f"{web_server.url}/v1/translate", json=body, timeout=120).json()
    segments = [s for d in done["detail"] for p in d["paragraphs"] for s in p["segments"]]
    assert segments and all("flags" in s for s in segments)
    stream = httpx.post(f"{web_server.url}/v1/translate/stream", json=body, timeout=120)
    lines = [json.loads(line) for line in stream.text.splitlines()]
    streamed = [s for line in lines[:-1] for s in line["segments"]]
    assert [s["flags"] for s in streamed] == [s["flags"] for s in segments]


# Issue 19: file names in any script, links, forms


LONG_THAI = "รายงานการประชุมคณะกรรมการส่งเสริมการลงทุนประจำไตรมาสที่สามของปีงบประมาณ"  # 73


def test_long_thai_file_names_are_translated_and_downloaded(web_server: Server) -> None:
    """73 Thai characters (219 bytes of UTF-8): no "[Errno 36] File name too long", the name
    cut by bytes between two characters, the extension and the _en kept."""
    got = download(libre_file_call(web_server.url, f"{LONG_THAI}.txt", TXT.encode()))
    disposition = got.headers["content-disposition"]
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name.endswith("_en.txt") and LONG_THAI.startswith(name.removesuffix("_en.txt"))
    assert len(name.encode()) < 200 and "Startup Digital Hub CLMVT" in got.text
    r = v1_file(web_server.url, f"{LONG_THAI * 3}.md", TXT.encode())
    assert r.status_code == 200 and r.json()["filename"].endswith("_en.md")
    assert len(r.json()["filename"].encode()) < 200


def test_download_links_ignore_the_host_header(web_server: Server) -> None:
    r = libre_file_call(web_server.url, "a.txt", TXT.encode(), headers={"Host": "evil.example"})
    url = r.json()["translatedFileUrl"]
    assert url.startswith(f"{web_server.url}/download_file/"), url
    assert httpx.get(url).status_code == 200


def test_two_file_fields_are_refused(web_server: Server) -> None:
    files = [("file", ("a.txt", b"\xe0\xb8\x81")), ("file", ("b.txt", b"\xe0\xb8\x82"))]
    for path in ("/translate_file", "/v1/translate/file"):
        r = httpx.post(
            f"{web_server.url}{path}", data={"source": "th", "target": "en"}, files=files
        )
        assert r.status_code == 400 and "2 'file' fields" in r.json()["error"], r.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("glossary", "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("do_not_translate", '["x", ' + "[" * 2000 + "]" * 2000 + "]", "nested too deeply"),
        ("glossary", "1" * 5000, "a number of 5000 digits"),
        ("glossary", '{"a": "b",}', "at line 1, column 11"),
    ],
)
def test_json_form_fields_are_read_with_bounds(
    web_server: Server, field: str, value: str, message: str
) -> None:
    r = v1_file(web_server.url, "a.txt", TXT.encode(), **{field: value})
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert "set_int_max_str_digits" not in r.json()["error"]


def test_a_disk_fault_is_503_without_a_path_and_not_charged(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The download folder cannot be made (a file is in its place): the server's fault, so no
    path in the answer, a Retry-After, and the characters given back (two such requests
    would exceed the budget if the first had been charged)."""
    blocked = tmp_path / "downloads"
    blocked.write_text("not a folder")
    text = "ก" * 30
    with held_server(tiny_model_dir, download_dir=blocked, key_char_limit=50) as server:
        answers = [libre_file_call(server.url, "a.txt", text.encode()) for _ in range(2)]
    for r in answers:
        assert r.status_code == 503, r.text
        assert str(tmp_path) not in r.text and "Errno" not in r.text
        assert r.headers["retry-after"]
