"""n-best alternatives on a real server (``thaimt serve``, tiny random-weight model):
LibreTranslate's ``/translate`` and the ``/v1`` API, their shapes and bounds, and the cache.

The model's outputs are gibberish, and its repetition guard often makes two hypotheses of the
beam read alike (they are then dropped), so a single sentence may get fewer alternatives than
asked for. The texts below hold several lines that each had all three on this model: a whole
text gets alternative k from each line's k-th, so it has all three as long as any line does.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from serverkit import Server, ndjson

LINES = [
    "นาฬิกามีมือสองข้าง",
    "ฉันใช้ Python กับ Google Cloud ทุกวัน",
    "ฉันมีแค่หนังสือเล่มเดียว",
    "คุณเหนื่อยไหม",
    "หนูไม่ได้เป็นสัตว์ใหญ่",
]
TEXT = "\n".join(LINES)
ENGLISH_SPANS = ["Python", "Google Cloud"]  # what the source keeps verbatim
N = 3  # the main server's bound (THAIMT_MAX_ALTERNATIVES' default)


def libre(server: Server, **params: Any) -> httpx.Response:
    return server.client.post("/translate", json={"source": "th", "target": "en", **params})


def assert_alternatives_of(translation: str, alternatives: list[str], count: int) -> None:
    """``count`` alternatives of a translation of TEXT: distinct, none the translation itself,
    each with as many lines and every English span of the source."""
    assert len(alternatives) == count, alternatives
    assert len(set(alternatives)) == count and translation not in alternatives
    for alternative in alternatives:
        assert len(alternative.split("\n")) == len(LINES)
        for span in ENGLISH_SPANS:
            assert span in alternative


def assert_at_most(translation: str, alternatives: list[str], count: int) -> None:
    assert len(alternatives) <= count
    assert len(set(alternatives)) == len(alternatives) and translation not in alternatives


def test_libretranslate_alternatives_for_a_string_q(main_server: Server) -> None:
    """JSON as in LibreTranslate's docs; a form field and a query parameter are strings."""
    body = libre(main_server, q=TEXT, alternatives=N).json()
    assert set(body) == {"translatedText", "alternatives"}
    assert_alternatives_of(body["translatedText"], body["alternatives"], N)
    c = main_server.client
    form = {"q": TEXT, "source": "auto", "target": "en", "alternatives": "2"}
    body = c.post("/translate", data=form).json()
    assert set(body) == {"translatedText", "alternatives", "detectedLanguage"}
    assert_alternatives_of(body["translatedText"], body["alternatives"], 2)
    body = c.post("/translate?alternatives=1", data={"q": TEXT, "source": "th", "target": "en"})
    assert_alternatives_of(body.json()["translatedText"], body.json()["alternatives"], 1)


def test_libretranslate_alternatives_as_its_web_page_sends_them(main_server: Server) -> None:
    """LibreTranslate's page posts multipart form data; libretranslatepy 2.1.4's translate()
    has no alternatives parameter (and returns translatedText only), so this is the client."""
    fields = {"q": TEXT, "source": "th", "target": "en", "format": "text", "alternatives": "2"}
    r = main_server.client.post("/translate", files={k: (None, v) for k, v in fields.items()})
    assert r.status_code == 200, r.text
    assert_alternatives_of(r.json()["translatedText"], r.json()["alternatives"], 2)


def test_libretranslate_alternatives_for_a_list_q_are_a_list_of_lists(main_server: Server) -> None:
    q = [TEXT, "Hello, nothing to translate", "แมวนอนอยู่บนโต๊ะ"]
    body = libre(main_server, q=q, alternatives=N).json()
    translated, alternatives = body["translatedText"], body["alternatives"]
    assert len(translated) == len(alternatives) == len(q)
    assert_alternatives_of(translated[0], alternatives[0], N)
    assert translated[1] == q[1] and alternatives[1] == []  # no Thai: nothing else to offer
    assert_at_most(translated[2], alternatives[2], N)


def test_libretranslate_without_alternatives_or_with_html(main_server: Server) -> None:
    """alternatives=0 is the plain answer; HTML gets empty lists, as from LibreTranslate, and
    its beam is not widened for them (the translation is the plain one)."""
    plain = libre(main_server, q="แมวนอนอยู่บนโต๊ะ").json()
    assert libre(main_server, q="แมวนอนอยู่บนโต๊ะ", alternatives=0).json() == plain
    html = "<p>แมวนอนอยู่บนโต๊ะ <b>Python</b></p>"
    without = libre(main_server, q=html, format="html").json()
    body = libre(main_server, q=html, format="html", alternatives=2).json()
    assert body == {**without, "alternatives": []}
    body = libre(main_server, q=[html, html], format="html", alternatives=2).json()
    assert body["alternatives"] == [[], []]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4, "alternatives parameter must be <= 3 (this server's THAIMT_MAX_ALTERNATIVES)"),
        ("4", "must be <= 3"),
        (-1, "alternatives parameter must be >= 0"),
        ("-2", "must be >= 0"),
        (2.5, "alternatives parameter must be a whole number, not 2.5"),
        ("two", "must be a whole number"),
        (True, "must be a whole number"),
        ([1], "must be a whole number"),
    ],
)
def test_libretranslate_alternatives_out_of_bounds_are_400(
    main_server: Server, value: object, message: str
) -> None:
    r = libre(main_server, q="แมว", alternatives=value)
    assert r.status_code == 400 and message in r.json()["error"]
    assert r.json()["error"].startswith("Invalid request: ")


def test_libretranslate_alternatives_bounds_in_a_form_and_a_query(main_server: Server) -> None:
    c = main_server.client
    r = c.post("/translate", data={"q": "แมว", "source": "th", "target": "en", "alternatives": ""})
    assert r.status_code == 400 and "alternatives" in r.json()["error"]
    r = c.post("/translate?alternatives=9", data={"q": "แมว", "source": "th", "target": "en"})
    assert r.status_code == 400 and "THAIMT_MAX_ALTERNATIVES" in r.json()["error"]


def test_v1_alternatives_for_text_with_detail(main_server: Server) -> None:
    r = main_server.client.post(
        "/v1/translate", json={"text": TEXT, "alternatives": N, "detail": True}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert_alternatives_of(body["translation"], body["alternatives"], N)
    segments = [s for p in body["detail"][0]["paragraphs"] for s in p["segments"]]
    assert any(len(s["alternatives"]) == N for s in segments)
    for segment in segments:  # each segment's own n-best, restored like its best
        assert_at_most(segment["target"], segment["alternatives"], N)
        for alternative in segment["alternatives"]:
            for span in segment["spans"]:
                assert span["output"] in alternative
    assert {s["output"] for s in segments[1]["spans"]} == set(ENGLISH_SPANS)


def test_v1_alternatives_for_texts_are_a_list_of_lists(main_server: Server) -> None:
    texts = [TEXT, "", "Only English"]
    body = main_server.client.post("/v1/translate", json={"texts": texts, "alternatives": 2}).json()
    assert len(body["alternatives"]) == len(texts)
    assert_alternatives_of(body["translations"][0], body["alternatives"][0], 2)
    assert body["alternatives"][1:] == [[], []]
    plain = main_server.client.post("/v1/translate", json={"texts": texts, "alternatives": 0})
    assert "alternatives" not in plain.json()


def test_v1_stream_alternatives_per_paragraph(main_server: Server) -> None:
    r = main_server.client.post(
        "/v1/translate/stream", json={"text": TEXT, "alternatives": N, "detail": True}
    )
    *paragraphs, done = ndjson(r.text)
    assert done["done"] is True and len(paragraphs) == len(LINES)
    assert any(len(p["alternatives"]) == N for p in paragraphs)
    for p in paragraphs:
        assert_at_most(p["translation"], p["alternatives"], N)
        assert [s["alternatives"] for s in p["segments"]] == [p["alternatives"]]  # one sentence
    assert all(span in a for span in ENGLISH_SPANS for a in paragraphs[1]["alternatives"])


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/translate", {"alternatives": 4}, 422, "at most 3 on this server"),
        ("/v1/translate", {"alternatives": 4}, 422, "THAIMT_MAX_ALTERNATIVES"),
        ("/v1/translate/stream", {"alternatives": 4}, 422, "THAIMT_MAX_ALTERNATIVES"),
        ("/v1/translate", {"alternatives": -1}, 422, "alternatives"),
        ("/v1/translate", {"alternatives": "2"}, 422, "alternatives"),  # strict: no strings
        ("/v1/translate", {"alternatives": 2.0}, 422, "alternatives"),
        ("/v1/translate", {"alternatives": True}, 422, "alternatives"),
        ("/v1/translate", {"alternatives": 2, "format": "html"}, 400, "format text only"),
    ],
)
def test_v1_alternatives_out_of_bounds(
    main_server: Server, path: str, body: dict[str, object], status: int, message: str
) -> None:
    r = main_server.client.post(path, json={"text": "<p>แมว</p>", **body})
    assert r.status_code == status and message in r.json()["error"]


def test_alternatives_are_served_from_the_cache(factory_server: Server) -> None:
    """The cache keeps each output's n-best: a repeated request (through either API) gets the
    same alternatives with no model call; another count is another cache entry."""
    text = "เขาอ่านหนังสือพิมพ์ตอนเช้า\n" + TEXT
    before = factory_server.metrics()
    first = libre(factory_server, q=text, alternatives=2).json()
    middle = factory_server.metrics()
    again = libre(factory_server, q=text, alternatives=2).json()
    after = factory_server.metrics()
    segments = middle["thaimt_cache_misses_total"] - before["thaimt_cache_misses_total"]
    assert segments == len(LINES) + 1 and len(first["alternatives"]) == 2
    assert again == first
    assert after["thaimt_cache_hits_total"] - middle["thaimt_cache_hits_total"] == segments
    assert after["thaimt_cache_misses_total"] == middle["thaimt_cache_misses_total"]
    assert after["thaimt_batch_size_sum"] == middle["thaimt_batch_size_sum"]  # no model call
    v1 = factory_server.client.post("/v1/translate", json={"text": text, "alternatives": 2})
    assert v1.json()["alternatives"] == first["alternatives"]
    assert v1.json()["translation"] == first["translatedText"]
    assert factory_server.metrics()["thaimt_batch_size_sum"] == after["thaimt_batch_size_sum"]
    libre(factory_server, q=text, alternatives=1)
    final = factory_server.metrics()
    assert final["thaimt_cache_misses_total"] - after["thaimt_cache_misses_total"] == segments
