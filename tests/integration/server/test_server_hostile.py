"""Hostile input never yields a 5xx; refusals are ``{"error": ...}`` with a 4xx."""

from __future__ import annotations

import json

import pytest
from serverkit import Server

JSON = {"content-type": "application/json"}
GLOSSARY_1001 = {f"k{i}": "v" for i in range(1001)}

BAD_BODIES: list[tuple[str, bytes]] = [
    ("invalid JSON", '{"text": "แมว"'.encode()),
    ("not JSON at all", b"\x00\xff\xfe garbage"),
    ("invalid UTF-8", b'{"text": "\xff\xfe"}'),
    ("null", b"null"),
    ("array", '["แมว"]'.encode()),
    ("number text", b'{"text": 5}'),
    ("string texts", '{"texts": "แมว"}'.encode()),
    ("mixed texts", '{"texts": ["แมว", 1, null]}'.encode()),
    ("both", b'{"text": "a", "texts": ["b"]}'),
    ("neither", b"{}"),
    ("glossary list", b'{"text": "a", "glossary": ["x"]}'),
    ("empty glossary term", b'{"text": "a", "glossary": {" ": "x"}}'),
    ("beam zero", b'{"text": "a", "beam_size": 0}'),
    ("beam huge", b'{"text": "a", "beam_size": 1000}'),
    ("unknown field", b'{"text": "a", "colour": "red"}'),
    ("bad format", b'{"text": "a", "format": "pdf"}'),
    ("lone surrogate", b'{"text": "\\ud800 \xe0\xb9\x81\xe0\xb8\xa1\xe0\xb8\xa7"}'),
    ("lone low surrogate in list", b'{"texts": ["ok", "x\\udc00"]}'),
    ("surrogate glossary", b'{"text": "a", "glossary": {"\\ud800": "x"}}'),
    ("deep nesting", b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("very deep nesting", b"[" * 49_000 + b"]" * 49_000),  # just under the body limit
    ("too many glossary entries", json.dumps({"text": "a", "glossary": GLOSSARY_1001}).encode()),
    ("long glossary term", json.dumps({"text": "a", "glossary": {"ก" * 201: "x"}}).encode()),
    ("long glossary target", json.dumps({"text": "a", "glossary": {"ก": "x" * 201}}).encode()),
    ("too many kept terms", json.dumps({"text": "a", "do_not_translate": ["x"] * 1001}).encode()),
    ("long kept term", json.dumps({"text": "a", "do_not_translate": ["x" * 201]}).encode()),
]


@pytest.mark.parametrize("path", ["/v1/translate", "/translate", "/detect"])
@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[n for n, _ in BAD_BODIES])
def test_malformed_requests_are_4xx(main_server: Server, name: str, body: bytes, path: str) -> None:
    r = main_server.client.post(path, content=body, headers=JSON)
    assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
    assert r.json()["error"]


@pytest.mark.parametrize(
    ("glossary", "terms", "message"),
    [
        (GLOSSARY_1001, [], "1001 glossary entries; the limit is 1000"),
        ({"ก" * 201: "x"}, [], "glossary term of 201 characters"),
        ({}, ["x" * 201], "do_not_translate term of 201 characters"),
        ({}, ["x"] * 1001, "1001 do_not_translate terms; the limit is 1000"),
    ],
)
def test_glossary_abuse_is_refused_with_a_clear_message(
    main_server: Server, glossary: dict[str, str], terms: list[str], message: str
) -> None:
    body = {"text": "แมว", "glossary": glossary, "do_not_translate": terms}
    r = main_server.client.post("/v1/translate", json=body)
    assert r.status_code == 422 and message in r.json()["error"], r.text


def test_glossary_characters_count_toward_the_request_limit(main_server: Server) -> None:
    glossary = {f"คำ{i:04d}": "word" for i in range(400)}  # 400 x 10 characters; the limit is 4000
    r = main_server.client.post("/v1/translate", json={"text": "แมว", "glossary": glossary})
    assert r.status_code == 413 and "too many characters: 4003" in r.json()["error"]
    few = dict(list(glossary.items())[:10])
    r = main_server.client.post("/v1/translate", json={"text": "แมว", "glossary": few})
    assert r.status_code == 200 and r.json()["usage"]["characters"] == 3 + 100


ODD_TEXTS: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   \n\t \n"),
    ("control characters", "แมว\x00\x01\x07\x1b[31mนอน\x7f\x9fอยู่"),
    ("only English", "The quick brown fox jumps over the lazy dog."),
    ("emoji", "ฉันรักแมว 😺🐈‍⬛ มาก 👍🏽"),
    ("zero-width and BOM", "\ufeffแมว\u200bนอน\u200dอยู่\u2060บนโต๊ะ"),
    ("combining marks", "ก" + "\u0e31\u0e48" * 10),
    ("private use", "แมว\ue000นอน\uf8ff"),
    ("one long word", "แมว" * 120),
    ("many lines", "แมว\n" * 300),
    ("numbers and URLs", "ราคา 1,234.50 บาท ดู https://example.com/ก?x=1 หรือ a@b.co"),
    ("mixed scripts", "東京 Москва القاهرة กรุงเทพ"),
    ("CRLF", "แมว\r\nหมา\rนก"),
]


@pytest.mark.parametrize(("name", "text"), ODD_TEXTS, ids=[n for n, _ in ODD_TEXTS])
def test_odd_texts_are_translated(main_server: Server, name: str, text: str) -> None:
    r = main_server.client.post("/v1/translate", json={"text": text})
    assert r.status_code == 200, (name, r.text)
    assert isinstance(r.json()["translation"], str)
    r = main_server.client.post("/translate", json={"q": text, "source": "auto", "target": "en"})
    assert r.status_code in (200, 400), (name, r.text)  # LibreTranslate: empty q is 400


def test_only_english_is_returned_unchanged(main_server: Server) -> None:
    text = "The quick brown fox.\nSecond line!"
    assert main_server.client.post("/v1/translate", json={"text": text}).json()["translation"] == (
        text
    )


def test_megabyte_bodies_are_refused_not_crashed(main_server: Server) -> None:
    thai = ("แมว" * 350_000).encode()  # about 3 MB of UTF-8
    for path in ("/v1/translate", "/translate"):
        r = main_server.client.post(path, content=b'{"q": "' + thai + b'"}', headers=JSON)
        assert r.status_code == 413 and r.json()["error"]
    r = main_server.client.post("/translate", data={"q": "ก" * 1_000_000, "source": "th"})
    assert r.status_code == 413
    assert main_server.client.get("/ready").status_code == 200


def test_bad_forms_and_detect_inputs(main_server: Server) -> None:
    c = main_server.client
    form = {"content-type": "application/x-www-form-urlencoded"}
    r = c.post("/translate", content=b"q=\xff\xfe&source=th&target=en", headers=form)
    assert r.status_code == 400 and r.json()["error"]
    r = c.post("/translate", content=b"%%%&&&==", headers=form)
    assert r.status_code == 400 and r.json()["error"]
    r = c.post("/translate", content=b"q=%E0%B9%81%E0%B8%A1%E0%B8%A7&source=th&target=en",
               headers=form)  # fmt: skip
    assert r.status_code == 200
    assert c.post("/detect", json={}).status_code == 400
    assert c.post("/detect", content=b"not json", headers=JSON).status_code == 400
    assert c.post("/detect", json={"q": "😺"}).json()[0]["language"] == "en"
