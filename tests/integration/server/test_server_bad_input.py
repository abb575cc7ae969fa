"""Input no splitter or parser may choke on is answered, never a 500 (issue 12, point 3), with a
real server: a segment that no split point can cut, HTML nested deeper than Python's recursion
limit, and breadcrumbs whose separators must survive."""

from __future__ import annotations

import sys

from bs4 import BeautifulSoup
from serverkit import Server

STACKED = "ก" + "\u0e49" * 520  # one grapheme cluster over the model's 512-token budget
DEPTH = 570  # nested inline tags: deeper than the recursion limit, within 4,000 characters
DEEP_HTML = "<b>" * DEPTH + "แมว" + "</b>" * DEPTH


def test_a_grapheme_cluster_over_the_budget_is_translated(main_server: Server) -> None:
    r = main_server.client.post("/v1/translate", json={"text": STACKED, "detail": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["translation"].strip()
    segments = body["detail"][0]["paragraphs"][0]["segments"]
    assert len(segments) > 1 and "".join(s["source"] for s in segments) == STACKED
    libre = {"q": STACKED, "source": "th", "target": "en"}
    assert main_server.client.post("/translate", json=libre).status_code == 200


def test_html_nested_deeper_than_the_recursion_limit_is_translated(main_server: Server) -> None:
    assert sys.getrecursionlimit() < 2 * DEPTH and len(DEEP_HTML) <= 4000
    r = main_server.client.post("/v1/translate", json={"text": DEEP_HTML, "format": "html"})
    assert r.status_code == 200, r.text
    out = BeautifulSoup(r.json()["translation"], "html.parser")
    assert len(out.find_all("b")) == DEPTH  # the same tags, well formed
    assert out.get_text().strip() and "แมว" not in out.get_text()
    libre = {"q": DEEP_HTML, "source": "th", "target": "en", "format": "html"}
    assert main_server.client.post("/translate", json=libre).status_code == 200


def test_breadcrumb_separators_and_brackets_come_back(main_server: Server) -> None:
    text = "หน้าแรก > เทคโนโลยี > ข่าวล่าสุด\nเปิดตัว X (Twitter) ใหม่"
    r = main_server.client.post("/v1/translate", json={"text": text})
    assert r.status_code == 200, r.text
    crumbs, brackets = r.json()["translation"].split("\n")
    assert crumbs.count(">") == 2
    assert brackets.count("(") == brackets.count(")") == 1 and "Twitter" in brackets
