"""The desk in a real Chromium against two real ``thaimt serve`` replicas sharing one real
``redis-server`` (issue 22's acceptance): an editor fixes a sentence of the example article on
one replica; a reader of the same team, in a new browser session on the other replica, gets
that sentence back as edited and marked as from the memory, with its number adapted when the
article's number changes; the editor re-translates the sentence and picks among its n-best
alternatives; a team glossary chosen in the page is applied to every occurrence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from serverkit import Server, launch
from test_page_browser import open_page, paste, translate_and_wait, wait

from service.text.normalize import has_thai, normalize, split_lines
from tests.realdeps import RedisProcess

pytestmark = pytest.mark.slow  # two servers, Redis and browsers

EDITOR, READER, OTHER = "desk-editor", "desk-reader", "desk-other"
TEAMS = {EDITOR: "news:write", READER: "news:read", OTHER: "features:write"}
SENTENCE = "ใน 4 โครงการ"  # the seed article's sentence with a number
EDITED = "Alibaba has offered to take part in 4 projects, namely:"
TERM, ENGLISH = "อาลีบาบา", "Alibaba Group"

# The sentences as a reader sees them: the pane's text without badges and screen-reader words.
SEGMENTS = """
return [...document.querySelectorAll('#target .seg')].map(seg => {
  const copy = seg.cloneNode(true);
  copy.querySelectorAll('.memory-badge, .sugg-mark, .flag-mark, .visually-hidden')
      .forEach(n => n.remove());
  const source = document.querySelector(`#source-view .seg[data-seg="${seg.dataset.seg}"]`);
  return {id: seg.dataset.seg, text: copy.textContent, source: source.textContent,
          memory: seg.hasAttribute('data-memory'), flagged: seg.hasAttribute('data-flag')};
});
"""


@pytest.fixture(scope="module")
def redis_proc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    proc = RedisProcess(tmp_path_factory.mktemp("desk-redis")).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def replicas(
    redis_proc: RedisProcess, tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    log_dir = tmp_path_factory.mktemp("desk-replicas")
    env = {
        "THAIMT_REDIS_URL": redis_proc.url,
        "THAIMT_KEY_TEAMS": json.dumps(TEAMS),
        "THAIMT_MAX_WAIT_MS": "5",
    }
    pair = (launch("desk-a", tiny_model_dir, env, log_dir),
            launch("desk-b", tiny_model_dir, env, log_dir))  # fmt: skip
    try:
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        for server in pair:
            server.stop()


def sign_in(browser: Any, server: Server, key: str) -> None:
    """Open the page and give it ``key`` as a user types it."""
    open_page(browser, server.url)
    browser.execute_script(
        "const k = document.getElementById('api-key'); k.value = arguments[0];"
        "k.dispatchEvent(new Event('input')); k.dispatchEvent(new Event('change'));",
        key,
    )
    wait(browser, lambda b: "Team " in b.find_element(By.ID, "team-status").text)


def segments(browser: Any) -> list[dict[str, Any]]:
    return list(browser.execute_script(SEGMENTS))


def the_sentence(browser: Any, number: str = "4") -> dict[str, Any]:
    [found] = [s for s in segments(browser) if SENTENCE.replace("4", number) in s["source"]]
    return found


def target_seg(browser: Any, seg_id: str) -> Any:
    return browser.find_element(By.CSS_SELECTOR, f'#target .seg[data-seg="{seg_id}"]')


def test_an_edit_on_one_replica_comes_back_from_memory_on_the_other(
    replicas: tuple[Server, Server], browsers: Any, example_page: str
) -> None:
    a, b = replicas
    editor = browsers()
    sign_in(editor, a, EDITOR)
    paste(editor, example_page)
    translate_and_wait(editor)
    assert "can edit" in editor.find_element(By.ID, "team-status").text

    # The keyboard path: j / k through the flagged sentences, Enter edits, Ctrl+Enter saves.
    flagged = [s["id"] for s in segments(editor) if s["flagged"]]
    assert len(flagged) >= 2  # the random-weight model's English is flagged nearly everywhere
    target_seg(editor, the_sentence(editor)["id"]).click()
    active = 'return document.activeElement.getAttribute("data-seg")'
    for key, expected in (("j", flagged[0]), ("j", flagged[1]), ("k", flagged[0])):
        editor.switch_to.active_element.send_keys(key)
        assert editor.execute_script(active) == expected
    seg = target_seg(editor, the_sentence(editor)["id"])
    seg.send_keys(Keys.ENTER)
    area = editor.find_element(By.CSS_SELECTOR, ".seg-editor textarea")
    # Re-translate the one sentence: the machine's English and its n-best alternatives.
    editor.find_element(By.XPATH, '//span[@class="seg-editor"]//button[.="Alternatives"]').click()
    choice = ".seg-editor .seg-choice"
    wait(editor, lambda b: len(b.find_elements(By.CSS_SELECTOR, choice)) >= 2)
    labels = [c.text.split(":")[0] for c in editor.find_elements(By.CSS_SELECTOR, choice)]
    assert labels[0] == "Machine" and labels[1] == "Alternative 1", labels
    editor.find_elements(By.CSS_SELECTOR, choice)[1].click()
    picked = editor.find_elements(By.CSS_SELECTOR, choice)[1].text.split(": ", 1)[1]
    filled = area.get_attribute("value")  # a choice fills the editor (as the page shows it)
    assert " ".join(filled.split()) == " ".join(picked.split()), (filled, picked)
    area.clear()
    area.send_keys(EDITED)
    area.send_keys(Keys.CONTROL, Keys.ENTER)
    wait(editor, lambda _: the_sentence(editor)["memory"])
    assert the_sentence(editor)["text"] == EDITED

    # Side by side, edits included.
    editor.find_element(By.ID, "export-xlsx").click()
    exported = Path(editor.download_dir) / "translation_th-en.xlsx"
    wait(editor, lambda _: exported.exists() and exported.stat().st_size > 0)
    rows = [tuple(r) for r in load_workbook(exported).active.iter_rows(values_only=True)]
    assert any(SENTENCE in str(th) and en == EDITED for th, en in rows), rows

    # A reader of the team, a new browser session, the other replica.
    reader = browsers()
    sign_in(reader, b, READER)
    assert "read-only" in reader.find_element(By.ID, "team-status").text
    paste(reader, example_page)
    translate_and_wait(reader)
    again = the_sentence(reader)
    assert again["memory"] and again["text"] == EDITED
    target_seg(reader, again["id"]).send_keys(Keys.ENTER)
    assert not reader.find_elements(By.CSS_SELECTOR, ".seg-editor")  # read-only: no editor
    assert not reader.find_element(By.ID, "glossary-create").is_displayed()

    # The same sentence with another number: the memory's English with the new number.
    paste(reader, example_page.replace(SENTENCE, SENTENCE.replace("4", "7")))
    translate_and_wait(reader)
    changed = the_sentence(reader, "7")
    assert changed["memory"] and changed["text"] == EDITED.replace("4", "7")


def test_a_team_glossary_chosen_in_the_page_is_applied_to_every_occurrence(
    replicas: tuple[Server, Server], browsers: Any, example_page: str
) -> None:
    a, b = replicas
    made = httpx.post(
        f"{a.url}/v1/glossaries",
        json={"name": "company names", "entries": {TERM: ENGLISH}},
        headers={"X-API-Key": OTHER},
    )
    assert made.status_code == 201, made.text
    browser = browsers()
    sign_in(browser, b, OTHER)  # created on one replica, chosen on the other
    browser.find_element(By.CSS_SELECTOR, "#terms summary").click()
    Select(browser.find_element(By.ID, "glossary-select")).select_by_value(
        made.json()["glossary_id"]
    )
    paste(browser, example_page)
    translate_and_wait(browser)
    occurrences = sum(
        normalize(line).count(TERM) for line in split_lines(example_page) if has_thai(line)
    )
    assert occurrences >= 10
    english = browser.find_element(By.ID, "target").text
    assert english.count(ENGLISH) == occurrences
    marks = browser.find_elements(By.CSS_SELECTOR, '#target mark[data-span-kind="glossary"]')
    assert [m.text for m in marks] == [ENGLISH] * occurrences
