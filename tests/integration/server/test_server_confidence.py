"""Confidence on a real server (``thaimt serve`` with its persistent cache, tiny model): in the
``/v1`` detail, in the stream, and unchanged when the answer comes from the cache."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import Server, ndjson

from service.text.confidence import aggregate_confidence

# Lines no other test sends (the server's cache is shared with them); the last has no Thai.
TEXT = "\n".join(
    [
        "ผู้สื่อข่าวรายงานว่าฝนตกหนักที่ Chiang Mai เมื่อคืนนี้",
        "ชาวบ้านช่วยกันขนของขึ้นที่สูง ส่วนโรงเรียนปิดสองวัน",
        "Reuters",
    ]
)


def _segments(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in detail["paragraphs"] for s in p["segments"]]


def _detail(server: Server) -> dict[str, Any]:
    r = server.client.post("/v1/translate", json={"text": TEXT, "detail": True})
    assert r.status_code == 200, r.text
    detail: dict[str, Any] = r.json()["detail"][0]
    return detail


@pytest.fixture(scope="module")
def first_and_second(factory_server: Server) -> tuple[dict[str, Any], dict[str, Any], float]:
    """The same request twice; the second must be all cache hits."""
    before = factory_server.metrics()["thaimt_cache_hits_total"]
    first = _detail(factory_server)
    second = _detail(factory_server)
    hits = factory_server.metrics()["thaimt_cache_hits_total"] - before
    return first, second, hits


def test_detail_carries_confidence_per_segment_paragraph_and_text(
    first_and_second: tuple[dict[str, Any], dict[str, Any], float],
) -> None:
    detail = first_and_second[0]
    segments = _segments(detail)
    assert len(segments) >= 3
    for segment in segments:
        assert 0 < segment["confidence"] <= 1
        assert (segment["confidence"] <= 0.5) == bool(segment["flags"])  # the rule's bands
    for paragraph in detail["paragraphs"][:2]:
        weights = [(s["confidence"], len(s["source"])) for s in paragraph["segments"]]
        assert paragraph["confidence"] == pytest.approx(aggregate_confidence(weights))
    assert detail["paragraphs"][2]["confidence"] is None  # "Reuters": nothing translated
    everything = [(s["confidence"], len(s["source"])) for s in segments]
    assert detail["confidence"] == pytest.approx(aggregate_confidence(everything))


def test_a_cache_hit_returns_the_same_confidence(
    first_and_second: tuple[dict[str, Any], dict[str, Any], float],
) -> None:
    first, second, hits = first_and_second
    assert hits == len(_segments(first))  # the second answer came from the cache
    assert second == first  # confidences included, to the last digit


def test_the_stream_carries_confidence(
    factory_server: Server, first_and_second: tuple[dict[str, Any], dict[str, Any], float]
) -> None:
    r = factory_server.client.post("/v1/translate/stream", json={"text": TEXT, "detail": True})
    lines = ndjson(r.text)
    paragraphs = [line for line in lines if "paragraph" in line]
    expected = first_and_second[0]["paragraphs"]
    assert [p["confidence"] for p in paragraphs] == [p["confidence"] for p in expected]
    assert [[s["confidence"] for s in p["segments"]] for p in paragraphs] == [
        [s["confidence"] for s in p["segments"]] for p in expected
    ]
    plain = factory_server.client.post("/v1/translate/stream", json={"text": TEXT})
    assert [line.get("confidence") for line in ndjson(plain.text) if "paragraph" in line] == [
        p["confidence"] for p in expected
    ]  # the paragraph's confidence comes without detail too
