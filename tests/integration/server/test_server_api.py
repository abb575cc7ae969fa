"""Every endpoint of a real server (``thaimt serve`` subprocess, tiny model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from heldserver import held_server
from serverkit import Server, ndjson

ARTICLE = "สวัสดีครับ วันนี้อากาศดีมาก\nHello world, this line stays.\n\n  ผมชอบกินข้าวผัด"


def translate(server: Server, **body: object) -> httpx.Response:
    return server.client.post("/v1/translate", json=body)


def test_health_ready_docs(main_server: Server) -> None:
    assert main_server.client.get("/health").json() == {"status": "ok"}
    ready = main_server.client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert main_server.client.get("/docs").status_code == 200
    paths = main_server.client.get("/openapi.json").json()["paths"]
    for path in ("/v1/translate", "/v1/translate/stream", "/translate", "/detect", "/languages"):
        assert path in paths


def test_ready_only_after_warm_up(factory_server: Server) -> None:
    """Under plain uvicorn the port opens first; /health answers from then on and /ready turns
    200 once the model is warm. (The fixture has joined the thread that watched the startup.
    That /ready is 503 meanwhile is checked on a held warm-up, below: here it would depend on
    how soon the watcher looks.)"""
    assert set(factory_server.startup) <= {(200, 503), (200, 200)}, factory_server.startup
    assert factory_server.startup[-1] == (200, 200)
    r = factory_server.client.post("/v1/translate", json={"text": "แมว"})
    assert r.status_code == 200


def test_ready_is_503_while_the_warm_up_is_held(tiny_model_dir: Path) -> None:
    with held_server(tiny_model_dir, held_from_start=True) as server:
        server.backend.wait_until_waiting()  # the warm-up has reached the model
        assert server.client.get("/health").json() == {"status": "ok"}
        loading = server.client.get("/ready")
        assert loading.status_code == 503 and loading.json() == {"status": "loading"}
        assert int(loading.headers["retry-after"]) >= 1
        r = server.client.post("/v1/translate", json={"text": "แมว"})
        assert r.status_code == 503 and "loading" in r.json()["error"]
        server.backend.release()
        server.wait_for_ready()
        assert server.client.post("/v1/translate", json={"text": "แมว"}).status_code == 200


def test_cached_segments_skip_the_model(factory_server: Server) -> None:
    """THAIMT_CACHE=true with the cache file in the session's temporary directory."""
    text = "ฝนตกหนักเมื่อคืนนี้\nตลาดเปิดตอนเช้า"
    before = factory_server.metrics()
    first = factory_server.client.post("/v1/translate", json={"text": text}).json()
    middle = factory_server.metrics()
    again = factory_server.client.post("/v1/translate", json={"text": text}).json()
    after = factory_server.metrics()
    segments = first["usage"]["segments"]
    assert again["translation"] == first["translation"]
    assert middle["thaimt_cache_misses_total"] - before["thaimt_cache_misses_total"] == segments
    assert middle["thaimt_cache_hits_total"] == before["thaimt_cache_hits_total"]
    assert after["thaimt_cache_hits_total"] - middle["thaimt_cache_hits_total"] == segments
    assert after["thaimt_cache_misses_total"] == middle["thaimt_cache_misses_total"]
    assert after["thaimt_batch_size_sum"] == middle["thaimt_batch_size_sum"]  # no model call


def test_a_repeated_stream_is_served_from_the_cache(factory_server: Server) -> None:
    """/v1/translate/stream reads and fills the translation cache like /v1/translate."""
    text = "นักเรียนไปโรงเรียนทุกวัน\nเขาอ่านหนังสือพิมพ์ตอนเช้า\nนักเรียนไปโรงเรียนทุกวัน"
    before = factory_server.metrics()
    first = ndjson(factory_server.client.post("/v1/translate/stream", json={"text": text}).text)
    middle = factory_server.metrics()
    again = ndjson(factory_server.client.post("/v1/translate/stream", json={"text": text}).text)
    after = factory_server.metrics()
    segments = first[-1]["usage"]["segments"]
    assert segments == 2  # the repeated line is one segment
    assert [p["translation"] for p in again[:-1]] == [p["translation"] for p in first[:-1]]
    assert middle["thaimt_cache_misses_total"] - before["thaimt_cache_misses_total"] == segments
    assert after["thaimt_cache_hits_total"] - middle["thaimt_cache_hits_total"] == segments
    assert after["thaimt_batch_size_sum"] == middle["thaimt_batch_size_sum"]  # no model call


def test_translate_text_keeps_lines_and_reports_usage(main_server: Server) -> None:
    response = translate(main_server, text=ARTICLE)
    assert response.status_code == 200, response.text
    body = response.json()
    lines = body["translation"].split("\n")
    assert len(lines) == 4
    assert lines[1] == "Hello world, this line stays."  # no Thai: copied
    assert lines[2] == ""
    assert lines[3].startswith("  ")  # indentation kept
    assert body["model"]
    assert body["usage"]["characters"] == len(ARTICLE)
    assert body["usage"]["segments"] >= 2
    assert "translations" not in body and "detail" not in body


def test_translate_texts_with_detail(main_server: Server) -> None:
    body = translate(main_server, texts=["แมวนอนอยู่บนโต๊ะ", "", "Only English"], detail=True).json()
    assert len(body["translations"]) == 3
    assert body["translations"][1:] == ["", "Only English"]
    segments = body["detail"][0]["paragraphs"][0]["segments"]
    assert segments and {"source", "masked", "target_raw", "target", "spans"} <= set(segments[0])


def test_glossary_and_do_not_translate_survive_the_model(main_server: Server) -> None:
    text = "ฉันใช้ Python กับกรุงเทพมหานครและแมว"
    body = translate(
        main_server, text=text, glossary={"แมว": "cat"}, do_not_translate=["กรุงเทพมหานคร"]
    ).json()
    assert "cat" in body["translation"]
    assert "Python" in body["translation"]
    assert "กรุงเทพมหานคร" in body["translation"]


def test_beam_search_and_html(main_server: Server) -> None:
    assert translate(main_server, text="แมวนอนอยู่บนโต๊ะ", beam_size=2).status_code == 200
    html = '<p class="x">สวัสดีครับ <b>แมว</b></p><code>ไม่แปล</code>'
    response = translate(main_server, text=html, format="html")
    assert response.status_code == 200, response.text
    out = response.json()["translation"]
    assert out.startswith('<p class="x">') and "<b>" in out and "</p>" in out
    assert "<code>ไม่แปล</code>" in out


def test_stream_yields_each_paragraph_in_order_then_done(main_server: Server) -> None:
    whole = translate(main_server, text=ARTICLE).json()["translation"].split("\n")
    with main_server.client.stream("POST", "/v1/translate/stream", json={"text": ARTICLE}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = ndjson(r.read().decode())
    *paragraphs, done = lines
    assert [(p["index"], p["paragraph"]) for p in paragraphs] == [(0, i) for i in range(4)]
    assert [p["translation"] for p in paragraphs] == whole
    assert [p["source"] for p in paragraphs] == ARTICLE.split("\n")
    assert done["done"] is True and done["usage"]["characters"] == len(ARTICLE)


def test_stream_refuses_html_and_validates(main_server: Server) -> None:
    r = main_server.client.post("/v1/translate/stream", json={"text": "<p>x</p>", "format": "html"})
    assert r.status_code == 400 and "error" in r.json()
    r = main_server.client.post("/v1/translate/stream", json={"text": 3})
    assert r.status_code == 422 and "error" in r.json()


def test_libretranslate_endpoints(main_server: Server) -> None:
    c = main_server.client
    ours = translate(main_server, text="แมวนอนอยู่บนโต๊ะ").json()["translation"]
    r = c.post("/translate", json={"q": "แมวนอนอยู่บนโต๊ะ", "source": "th", "target": "en"})
    assert r.json() == {"translatedText": ours}
    r = c.post("/translate", data={"q": "แมวนอนอยู่บนโต๊ะ", "source": "auto", "target": "en"})
    assert r.json()["translatedText"] == ours
    assert r.json()["detectedLanguage"]["language"] == "th"
    r = c.post("/translate", json={"q": ["แมวนอนอยู่บนโต๊ะ", "Hi"], "source": "th", "target": "en"})
    assert r.json() == {"translatedText": [ours, "Hi"]}
    r = c.post("/translate", files={"q": (None, "แมวนอนอยู่บนโต๊ะ"), "source": (None, "th"),
                                     "target": (None, "en")})  # fmt: skip
    assert r.json() == {"translatedText": ours}
    assert {"code": "th", "name": "Thai", "targets": ["en"]} in c.get("/languages").json()
    assert c.post("/detect", data={"q": "สวัสดีครับ"}).json()[0]["language"] == "th"
    assert c.post("/detect", json={"q": "Good morning"}).json()[0]["language"] == "en"
    settings = c.get("/frontend/settings").json()
    assert settings["charLimit"] == 4000 and settings["keyRequired"] is False


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"source": "th", "target": "en"}, "missing q"),
        ({"q": "แมว", "target": "en"}, "missing source"),
        ({"q": "แมว", "source": "th"}, "missing target"),
        ({"q": "แมว", "source": "fr", "target": "en"}, "fr is not supported"),
        ({"q": "แมว", "source": "th", "target": "de"}, "de is not supported"),
        ({"q": "แมว", "source": "th", "target": "en", "format": "pdf"}, "format"),
        ({"q": 5, "source": "th", "target": "en"}, "q must be"),
        ({"q": ["a", 1], "source": "th", "target": "en"}, "q must be"),
    ],
)
def test_libretranslate_bad_parameters_are_400(
    main_server: Server, params: dict[str, object], message: str
) -> None:
    r = main_server.client.post("/translate", json=params)
    assert r.status_code == 400
    assert message in r.json()["error"]


def test_libretranslate_lone_surrogate_is_400(main_server: Server) -> None:
    body = b'{"q": "\\ud800", "source": "th", "target": "en"}'  # valid JSON, invalid text
    r = main_server.client.post(
        "/translate", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and "surrogate" in r.json()["error"]


def test_libretranslatepy_client_works_unchanged(main_server: Server) -> None:
    from libretranslatepy import LibreTranslateAPI

    ours = translate(main_server, text="นาฬิกามีมือสองข้าง").json()["translation"]
    client = LibreTranslateAPI(main_server.url)
    assert client.translate("นาฬิกามีมือสองข้าง", source="th", target="en") == ours
    assert client.translate("นาฬิกามีมือสองข้าง", source="auto", target="en") == ours
    assert client.detect("นาฬิกามีมือสองข้าง")[0]["language"] == "th"
    assert any(lang["code"] == "th" for lang in client.languages())


def test_unknown_routes_and_methods_are_json_errors(main_server: Server) -> None:
    r = main_server.client.get("/nope")
    assert r.status_code == 404 and "error" in r.json()
    r = main_server.client.get("/v1/translate")
    assert r.status_code == 405 and "error" in r.json()


def test_limits_are_413_with_a_message(main_server: Server) -> None:
    c = main_server.client
    r = translate(main_server, texts=["แมว"] * 9)
    assert r.status_code == 413 and "too many texts" in r.json()["error"]
    r = translate(main_server, text="ก" * 4001)
    assert r.status_code == 413 and "too many characters" in r.json()["error"]
    r = c.post("/translate", json={"q": "ก" * 4001, "source": "th", "target": "en"})
    assert r.status_code == 413 and "too many characters" in r.json()["error"]
    big = b'{"text": "' + b"a" * 200_000 + b'"}'
    r = c.post("/v1/translate", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is counted as the body arrives
        yield b'{"text": "'
        for _ in range(20):
            yield b"a" * 10_000
        yield b'"}'

    r = c.post("/v1/translate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["error"]
    assert c.get("/health").status_code == 200


def test_metrics_expose_every_series(main_server: Server) -> None:
    translate(main_server, text="แมวนอนอยู่บนโต๊ะ")
    m = main_server.metrics()
    for name in (
        "thaimt_queue_depth",
        "thaimt_requests_in_flight",
        "thaimt_batch_size_count",
        "thaimt_batch_tokens_sum",
        "thaimt_segment_seconds_count",
        "thaimt_tokens_generated_total",
        "thaimt_dropped_segments_total",
    ):
        assert name in m, name
    assert m["thaimt_tokens_generated_total"] > 0
    assert m['thaimt_request_seconds_count{endpoint="/v1/translate",status="200"}'] >= 1
