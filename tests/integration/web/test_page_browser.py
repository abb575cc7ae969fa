"""The web page in a real headless Chromium against real servers on the tiny model.

The model's English is gibberish (random weights), but everything the page shows comes from the
real pipeline: paragraphs, sentences, protected spans, flags, errors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from htmltree import tag_tree
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from serverkit import Server
from webkit import API_KEY, CHAR_LIMIT, HTML, PAGE_JOB_BYTES, GatedServer

from service.text.flags import FLAG_NAMES, FLAG_REASONS
from service.text.normalize import has_thai, normalize, split_lines
from service.text.protect import find_spans

WAIT_S = 120  # an upper bound for slow machines; no test depends on how fast anything is

# Everything the target pane shows, per paragraph, read in one call.
READ_PANE = """
return [...document.querySelectorAll(arguments[0] + ' [data-paragraph]')].map(p => ({
  index: Number(p.dataset.paragraph),
  kept: p.hasAttribute('data-kept'),
  text: p.textContent,
  marks: [...p.querySelectorAll('[data-span-kind]')].map(m => [m.dataset.spanKind, m.textContent]),
  flags: [...p.querySelectorAll('.seg[data-flag]')].map(s => [s.dataset.flag, s.title]),
}));
"""


def open_page(browser: Any, url: str) -> None:
    browser.get(url + "/")
    wait(browser, lambda b: b.find_element(By.ID, "server-status").text.startswith("Ready"))


def wait(browser: Any, condition: Any) -> Any:
    return WebDriverWait(browser, WAIT_S).until(condition)


def paste(browser: Any, text: str) -> None:
    """Put ``text`` in the source box as a paste does (one input event)."""
    browser.execute_script(
        "const s = document.getElementById('source'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        text,
    )


def finished(browser: Any) -> bool:
    """The request ended: the button is back and the summary (or an error) is final."""
    button = browser.find_element(By.ID, "translate")
    summary = browser.find_element(By.ID, "summary").text
    error = browser.find_element(By.ID, "error")
    return button.is_enabled() and (error.is_displayed() or (summary and "so far" not in summary))


def translate_and_wait(browser: Any) -> None:
    browser.find_element(By.ID, "translate").click()
    wait(browser, finished)


def error_text(browser: Any) -> str:
    error = browser.find_element(By.ID, "error")
    return str(error.text) if error.is_displayed() else ""


def test_example_article_side_by_side(
    browser: Any, web_server: Server, example_page: str, tmp_path: Path
) -> None:
    open_page(browser, web_server.url)
    paste(browser, example_page)
    translate_and_wait(browser)
    assert error_text(browser) == ""
    lines = split_lines(example_page)
    paragraphs = [i for i, line in enumerate(lines) if line.strip()]
    source = browser.execute_script(READ_PANE, "#source-view")
    target = browser.execute_script(READ_PANE, "#target")
    assert [p["index"] for p in target] == [p["index"] for p in source] == paragraphs
    for s, t in zip(source, target, strict=True):
        line = lines[s["index"]]
        if not has_thai(line):  # copied through, marked as kept
            assert t["kept"] and t["text"].endswith(line.strip()), t
            continue
        english = [
            span.source for span in find_spans(normalize(line).strip()) if span.kind == "latin"
        ]
        for term in english:  # marked on both sides, by kind
            assert ["latin", term] in s["marks"], (term, s["marks"])
            assert any(text == term for _, text in t["marks"]), (term, t["marks"])
        for names, title in t["flags"]:
            assert set(names.split()) <= set(FLAG_NAMES)
            assert all(FLAG_REASONS[name] in title for name in names.split())
    flagged = sum(len(t["flags"]) for t in target)
    assert f"{flagged} flagged" in browser.find_element(By.ID, "summary").text or flagged == 0
    browser.set_window_size(1280, 1500)
    try:
        browser.execute_script("window.scrollTo(0, 0)")
        shot = tmp_path / "page.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        browser.set_window_size(1280, 1000)


def test_hovering_a_sentence_highlights_its_counterpart(browser: Any, web_server: Server) -> None:
    open_page(browser, web_server.url)
    paste(browser, "สมคิด เผยผู้บริหารอาลีบาบา เลือกไทยเป็น Startup Digital Hub CLMVT\nวันนี้อากาศดีมาก")
    translate_and_wait(browser)
    sentence = browser.find_elements(By.CSS_SELECTOR, "#target .seg")[-1]
    ActionChains(browser).move_to_element(sentence).perform()
    seg = sentence.get_attribute("data-seg")
    counterpart = browser.find_element(By.CSS_SELECTOR, f'#source-view .seg[data-seg="{seg}"]')
    assert "hl" in str(counterpart.get_attribute("class")).split()


def test_uploaded_html_downloads_with_the_same_tags(
    browser: Any, web_server: Server, tmp_path: Path
) -> None:
    open_page(browser, web_server.url)
    upload = tmp_path / "news.html"
    upload.write_text(HTML, encoding="utf-8")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    translate_and_wait(browser)
    assert error_text(browser) == ""
    assert browser.find_elements(By.CSS_SELECTOR, "#target [data-paragraph]")
    browser.find_element(By.ID, "download").click()
    downloaded = Path(browser.download_dir) / "news_en.html"
    wait(browser, lambda _: downloaded.exists() and downloaded.stat().st_size > 0)
    html = downloaded.read_text(encoding="utf-8")
    assert tag_tree(html) == tag_tree(HTML)
    assert html != HTML
    browser.find_element(By.ID, "clear-file").click()


def test_over_limit_text_shows_the_servers_413_message(browser: Any, web_server: Server) -> None:
    text = "วันนี้อากาศดีมาก\n" * (CHAR_LIMIT // 16 + 1)
    answer = httpx.post(
        f"{web_server.url}/v1/translate/stream",
        json={"text": text, "detail": True, "glossary": {}, "do_not_translate": []},
    )
    assert answer.status_code == 413
    open_page(browser, web_server.url)
    paste(browser, text)
    counter = browser.find_element(By.ID, "counter")
    assert "over" in str(counter.get_attribute("class")) and f"{CHAR_LIMIT:,}" in counter.text
    translate_and_wait(browser)
    assert error_text(browser) == answer.json()["error"]


def test_a_server_with_keys_asks_for_one(browser: Any, gated_server: GatedServer) -> None:
    open_page(browser, gated_server.url)
    key_field = browser.find_element(By.ID, "api-key")
    assert key_field.is_displayed()
    browser.execute_script("localStorage.removeItem('thaimt.apiKey')")
    key_field.clear()
    paste(browser, "วันนี้อากาศดีมาก")
    answer = httpx.post(f"{gated_server.url}/v1/translate/stream", json={"text": "วันนี้อากาศดีมาก"})
    assert answer.status_code == 401
    translate_and_wait(browser)
    assert error_text(browser) == answer.json()["error"]
    assert browser.switch_to.active_element == key_field  # where to type it
    key_field.send_keys(API_KEY)
    translate_and_wait(browser)
    assert error_text(browser) == ""
    assert browser.find_elements(By.CSS_SELECTOR, "#target [data-paragraph]")
    open_page(browser, gated_server.url)  # remembered in this browser
    assert browser.find_element(By.ID, "api-key").get_attribute("value") == API_KEY


def test_cancel_stops_a_long_translation(browser: Any, gated_server: GatedServer) -> None:
    """The model is held at its gate, so the request is still running when Cancel is pressed;
    the server then drops the segments that had not reached the model."""
    backend = gated_server.backend
    open_page(browser, gated_server.url)
    browser.find_element(By.ID, "api-key").clear()
    browser.find_element(By.ID, "api-key").send_keys(API_KEY)
    paste(browser, "วันนี้อากาศดีมาก\nแมวนอนอยู่บนโต๊ะ\nฝนตกหนักมาก\nเขาไปโรงเรียน")
    dropped_before = gated_server.metric("thaimt_dropped_segments_total")
    backend.entered.clear()
    backend.gate.clear()
    try:
        browser.find_element(By.ID, "translate").click()
        assert backend.entered.wait(WAIT_S), "no segment reached the model"
        browser.find_element(By.ID, "cancel").click()
        wait(browser, lambda b: "Cancelled" in b.find_element(By.ID, "progress-text").text)
        assert browser.find_element(By.ID, "translate").is_enabled()
        assert not browser.find_element(By.ID, "cancel").is_displayed()
        assert error_text(browser) == ""
        wait(
            browser, lambda _: gated_server.metric("thaimt_dropped_segments_total") > dropped_before
        )
    finally:
        backend.gate.set()
    translate_and_wait(browser)  # and the page works again
    assert len(browser.find_elements(By.CSS_SELECTOR, "#target [data-paragraph]")) == 4


def test_a_large_file_goes_as_a_document_job_showing_its_progress(
    browser: Any, gated_server: GatedServer, tmp_path: Path
) -> None:
    """Over THAIMT_PAGE_JOB_BYTES the page uploads a job: held at the model, it shows
    "0 of N segments"; released, it offers the translated file for download."""
    paragraphs = ["วันนี้อากาศดีมาก ที่ Bangkok", "แมวนอนอยู่บนโต๊ะ", "ราคา 1250 บาท ใน EEC"]
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    upload = tmp_path / "report.docx"
    document.save(str(upload))
    assert upload.stat().st_size > PAGE_JOB_BYTES
    backend = gated_server.backend
    open_page(browser, gated_server.url)
    browser.find_element(By.ID, "api-key").clear()
    browser.find_element(By.ID, "api-key").send_keys(API_KEY)
    browser.find_element(By.ID, "file").send_keys(str(upload))
    backend.entered.clear()
    backend.gate.clear()
    try:
        browser.find_element(By.ID, "translate").click()
        assert backend.entered.wait(WAIT_S), "no segment reached the model"
        wait(browser, lambda b: JOB_PROGRESS.match(b.find_element(By.ID, "progress-text").text))
    finally:
        backend.gate.set()
    wait(browser, finished)
    assert error_text(browser) == ""
    assert "report_en.docx" in browser.find_element(By.ID, "progress-text").text
    browser.find_element(By.ID, "download").click()
    downloaded = Path(browser.download_dir) / "report_en.docx"
    wait(browser, lambda _: downloaded.exists() and downloaded.stat().st_size > 0)
    texts = [p.text for p in docx.Document(str(downloaded)).paragraphs]
    assert len(texts) == len(paragraphs) and texts != paragraphs
    assert "Bangkok" in texts[0] and "EEC" in texts[2]
    browser.find_element(By.ID, "clear-file").click()


JOB_PROGRESS = re.compile(r"^0 of [1-9]\d* segments")


def test_keyboard_only(browser: Any, web_server: Server) -> None:
    """Tab to the source, type, translate with Ctrl+Enter, tab to the result, move with arrows."""
    open_page(browser, web_server.url)
    browser.execute_script("document.activeElement.blur(); window.focus()")
    keys = ActionChains(browser)
    tab_until(browser, lambda e: e.get_attribute("id") == "source", limit=10)
    keys.send_keys("วันนี้อากาศดีมาก ที่ Bangkok").perform()
    assert browser.find_element(By.ID, "source").get_attribute("value") == "วันนี้อากาศดีมาก ที่ Bangkok"
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(
        Keys.CONTROL
    ).perform()
    wait(browser, finished)
    assert error_text(browser) == ""
    tab_until(
        browser, lambda e: browser.execute_script("return !!arguments[0].closest('#target')", e)
    )
    first = browser.switch_to.active_element
    assert "seg" in str(first.get_attribute("class")).split()
    seg = first.get_attribute("data-seg")
    counterpart = browser.find_element(By.CSS_SELECTOR, f'#source-view .seg[data-seg="{seg}"]')
    assert "hl" in str(counterpart.get_attribute("class")).split()  # focus shows the counterpart
    ActionChains(browser).send_keys(Keys.END).perform()
    last = browser.switch_to.active_element
    assert last.get_attribute("data-seg") == browser.find_elements(By.CSS_SELECTOR, "#target .seg")[
        -1
    ].get_attribute("data-seg")


def tab_until(browser: Any, reached: Any, limit: int = 30) -> None:
    for _ in range(limit):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if reached(browser.switch_to.active_element):
            return
    where = browser.switch_to.active_element.get_attribute("outerHTML")[:200]
    pytest.fail(f"not reached in {limit} tabs; focus is on {where}")


def test_phone_width_is_one_readable_column(browser: Any, web_server: Server) -> None:
    browser.set_window_size(390, 844)
    try:
        open_page(browser, web_server.url)
        paste(browser, "สมคิด เผยผู้บริหารอาลีบาบา เลือกไทยเป็น Startup Digital Hub CLMVT\nวันนี้อากาศดีมาก")
        translate_and_wait(browser)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0  # no sideways scrolling
        top = browser.execute_script(
            "return [...document.querySelectorAll('[data-paragraph]')]"
            ".map(p => [p.closest('.pane').id, p.dataset.paragraph, p.getBoundingClientRect().top])"
        )
        order = [(pane, index) for pane, index, _ in sorted(top, key=lambda row: row[2])]
        assert order == [
            ("source-view", "0"),
            ("target", "0"),
            ("source-view", "1"),
            ("target", "1"),
        ]
    finally:
        browser.set_window_size(1280, 1000)


@pytest.fixture(autouse=True)
def _no_stuck_gate(gated_server: GatedServer) -> Any:
    yield
    gated_server.backend.gate.set()


READ_CONFIDENCE = """
return [...document.querySelectorAll('#target .seg')].map(s => [
  s.dataset.seg, s.dataset.confidence === undefined ? null : Number(s.dataset.confidence),
  s.classList.contains('doubt'), s.title]);
"""


def test_confidence_cue_and_review_least_confident_first(browser: Any, web_server: Server) -> None:
    """Each sentence carries the server's confidence; those below the threshold get the quiet
    cue; "Review least confident first" visits them in rising order; the threshold is the
    reader's to set."""
    text = "สมคิด เผยผู้บริหารอาลีบาบา เลือกไทยเป็น Startup Digital Hub CLMVT\nวันนี้อากาศดีมาก ฝนไม่ตก"
    expected = httpx.post(
        f"{web_server.url}/v1/translate", json={"text": text, "detail": True}, timeout=120
    ).json()["detail"][0]
    server_values = [s["confidence"] for p in expected["paragraphs"] for s in p["segments"]]
    open_page(browser, web_server.url)
    try:
        browser.execute_script("localStorage.removeItem('thaimt.reviewThreshold')")
        browser.refresh()
        open_page(browser, web_server.url)
        paste(browser, text)
        translate_and_wait(browser)
        segs = browser.execute_script(READ_CONFIDENCE)
        shown = [value for _, value, _, _ in segs]  # three decimals on the page
        assert shown == pytest.approx(server_values, abs=0.0006)
        threshold = 0.5  # the server's default (/web/config.json)
        for _, value, doubt, title in segs:
            assert doubt == (value < threshold) and f"confidence {value:.2f}" in title
        below = sorted((value, seg) for seg, value, _, _ in segs if value < threshold)
        summary = browser.find_element(By.ID, "summary").text
        assert f"{len(below)} below 0.50 confidence" in summary
        visited = []
        review = browser.find_element(By.ID, "review")
        for _ in below:
            review.click()
            visited.append(browser.switch_to.active_element.get_attribute("data-seg"))
        assert visited == [seg for _, seg in below]  # least confident first
        set_threshold(browser, 0)  # nothing is below 0: no cue, no review button
        assert not any(doubt for _, _, doubt, _ in browser.execute_script(READ_CONFIDENCE))
        assert not browser.find_element(By.ID, "review").is_displayed()
        set_threshold(browser, 1)  # everything translated is below 1
        assert all(doubt for _, _, doubt, _ in browser.execute_script(READ_CONFIDENCE))
        browser.refresh()  # the choice is kept in this browser
        open_page(browser, web_server.url)
        assert browser.find_element(By.ID, "threshold").get_attribute("value") == "1"
    finally:
        browser.execute_script("localStorage.removeItem('thaimt.reviewThreshold')")


def set_threshold(browser: Any, value: float) -> None:
    browser.execute_script(
        "const t = document.getElementById('threshold'); t.value = arguments[0];"
        "t.dispatchEvent(new Event('input', {bubbles: true}));",
        str(value),
    )
