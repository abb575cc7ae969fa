"""The official DeepL clients, unmodified, against a real thaimt server (the ``deepl`` server:
keys and a character budget): the Python ``deepl`` package through ``server_url`` and the Node
``deepl-node`` package (installed by ``make install`` into tests/clients/node)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import deepl
import docx
import httpx
import pytest
from lxml import etree
from serverkit import REPO, Server

from tests.conftest import EXAMPLE_PAGE

pytestmark = pytest.mark.slow  # a real server

NODE_DIR = REPO / "tests" / "clients" / "node"
# English spans of the seed page, each to come back verbatim as often as it is written.
PAGE_TERMS = (
    "Startup Digital Hub CLMVT",
    "Ms. Angel Zhao",
    "Head of Globalization Leadership Group",
    "EEC",
    "drsomkit2",
)


@pytest.fixture(scope="module", autouse=True)
def no_client_retries() -> Iterator[None]:
    """The clients retry 429 and 5xx with backoff; a test wants the first answer."""
    saved = deepl.http_client.max_network_retries
    deepl.http_client.max_network_retries = 0
    yield
    deepl.http_client.max_network_retries = saved


def translator(server: Server, key: str = "dk-main") -> deepl.Translator:
    return deepl.Translator(key, server_url=server.url)


def test_one_text_and_a_list(deepl_server: Server) -> None:
    client = translator(deepl_server)
    one = client.translate_text("วันนี้อากาศดีมาก", source_lang="TH", target_lang="EN-US")
    assert isinstance(one, deepl.TextResult)
    assert one.text.strip() and one.detected_source_lang == "TH"
    assert one.billed_characters == len("วันนี้อากาศดีมาก")
    texts = ["ตลาดเปิดแล้ว", "ราคา 250 บาท", "EEC"]
    many = client.translate_text(texts, target_lang="EN-GB")
    assert [r.detected_source_lang for r in many] == ["TH", "TH", "EN"]  # detected
    assert "250" in many[1].text and many[2].text == "EEC"


def test_the_seed_page_keeps_every_english_term(deepl_server: Server) -> None:
    page = EXAMPLE_PAGE.read_text(encoding="utf-8")
    result = translator(deepl_server).translate_text(page, source_lang="TH", target_lang="EN-US")
    assert result.text.count("\n") == page.count("\n")  # line structure kept
    for term in PAGE_TERMS:
        assert result.text.count(term) >= page.count(term) > 0, term


def test_html_keeps_its_tags_on_the_words(deepl_server: Server) -> None:
    html = '<p>ราคา <b>สินค้า</b> ที่ <a href="https://x.example/">ตลาด</a></p>'
    result = translator(deepl_server).translate_text(html, target_lang="EN-US", tag_handling="html")
    root = etree.fromstring(result.text)
    assert root.tag == "p"
    assert root.find("b").text.strip()  # the bold word is not left empty
    assert root.find("a").get("href") == "https://x.example/"


def test_xml_with_ignore_tags_copies_their_content_verbatim(deepl_server: Server) -> None:
    xml = (
        "<doc><title>ข่าวเศรษฐกิจ</title><para>ตลาดหุ้น <term>SET</term> ปรับตัวขึ้น"
        "<code lang='th'>ห้าม &amp; แปล <i>นี่</i></code></para></doc>"
    )
    result = translator(deepl_server).translate_text(
        xml, source_lang="TH", target_lang="EN-GB", tag_handling="xml", ignore_tags=["code"]
    )
    root = etree.fromstring(result.text)
    assert [child.tag for child in root] == ["title", "para"]
    code = root.find("para/code")
    assert etree.tostring(code, encoding="unicode", with_tail=False) == (
        '<code lang="th">ห้าม &amp; แปล <i>นี่</i></code>'
    )
    assert root.find("para/term").text == "SET"
    assert root.findtext("title").strip()


def test_languages_and_glossary_pairs(deepl_server: Server) -> None:
    client = translator(deepl_server)
    assert [(lang.code, lang.name) for lang in client.get_source_languages()] == [("TH", "Thai")]
    targets = client.get_target_languages()
    assert {lang.code for lang in targets} == {"EN-GB", "EN-US"}
    assert all(lang.supports_formality is False for lang in targets)
    pairs = client.get_glossary_languages()
    assert [(p.source_lang, p.target_lang) for p in pairs] == [("th", "en")]


def test_usage_counts_what_the_key_was_charged(deepl_server: Server) -> None:
    client = translator(deepl_server, "dk-other")
    before = client.get_usage()
    assert before.character.limit == 40000
    text = "ร้านกาแฟเปิดใหม่ใกล้บ้าน"
    client.translate_text(text, target_lang="EN-US")
    after = client.get_usage()
    assert after.character.count == before.character.count + len(text)
    assert not after.any_limit_reached


def test_each_refusal_raises_the_clients_own_exception(deepl_server: Server) -> None:
    with pytest.raises(deepl.AuthorizationException):
        translator(deepl_server, "wrong-key").translate_text("สวัสดี", target_lang="EN-US")
    quota = translator(deepl_server, "dk-quota")
    quota.translate_text("x" * 39_990, target_lang="EN-US")  # no Thai: nothing for the model
    with pytest.raises(deepl.QuotaExceededException):
        quota.translate_text("ตลาดเปิดแล้ววันนี้", target_lang="EN-US")
    assert quota.get_usage().character.limit_reached is False  # 39,990 of 40,000
    with pytest.raises(deepl.DeepLException, match=r"Bad request.*formality"):
        translator(deepl_server).translate_text("สวัสดี", target_lang="EN-US", formality="more")
    with pytest.raises(deepl.DeepLException, match=r"Bad request.*source_lang"):
        translator(deepl_server).translate_text("Hallo", source_lang="DE", target_lang="EN-US")
    too_many = ["ก"] * 200  # over THAIMT_MAX_TEXTS_PER_REQUEST (128)
    with pytest.raises(deepl.DeepLException, match="413"):
        translator(deepl_server).translate_text(too_many, target_lang="EN-US")


def test_refusals_outside_the_routes_speak_deepl_too(deepl_server: Server) -> None:
    """An unknown /v2 path and the body guard's 413 carry ``message``, as DeepL's do."""
    headers = {"Authorization": "DeepL-Auth-Key dk-main"}
    missing = deepl_server.client.get("/v2/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found"}
    huge = deepl_server.client.post(
        "/v2/translate", content=b"x" * 2_000_001, headers={**headers, "Content-Type": "text/plain"}
    )
    assert huge.status_code == 413 and "too large" in huge.json()["message"]


def test_the_node_client(deepl_server: Server) -> None:
    assert shutil.which("node"), "Node.js is needed (Debian: nodejs)"
    assert (NODE_DIR / "node_modules" / "deepl-node").is_dir(), "run make install (npm ci)"
    texts = ["ฝนตกหนักที่กรุงเทพ", "ราคา 99 บาท"]
    proc = subprocess.run(
        ["node", "check.js", deepl_server.url, "dk-node", *texts],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["one"]["detected"] == "th" and answer["one"]["billed"] == len(texts[0])
    assert [r["detected"] for r in answer["many"]] == ["th", "th"]
    assert "99" in answer["many"][1]["text"]
    assert answer["usage"] == {"count": 2 * len(texts[0]) + len(texts[1]), "limit": 40000}
    assert answer["refused"] == "AuthorizationError"
    glossary = answer["glossary"]  # the desk's store, through deepl-node
    assert glossary["listed"] and glossary["deleted"]
    assert glossary["entries"] == {"อาลีบาบา": "Alibaba Group"}
    assert glossary["text"].count("Alibaba Group") == 2  # every occurrence


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_translate_document_on_a_docx_and_a_txt(deepl_server: Server, tmp_path: Path) -> None:
    """``translate_document`` (file objects) and ``translate_document_from_filepath``: upload,
    poll, download, side by side (the client polls every 5 s); the key is charged what each
    status billed."""
    lines = [ln for ln in EXAMPLE_PAGE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    word = docx.Document()
    for line in lines[:6]:
        word.add_paragraph(line)
    word.save(tmp_path / "ข่าว.docx")
    text = "\n".join(lines[6:12]) + "\n"
    (tmp_path / "note.txt").write_text(text, encoding="utf-8")

    def as_files() -> deepl.DocumentStatus:
        with open(tmp_path / "ข่าว.docx", "rb") as src, open(tmp_path / "out.docx", "wb") as out:
            client = translator(deepl_server, "dk-docs")
            return client.translate_document(src, out, source_lang="TH", target_lang="EN-US")

    def by_path() -> deepl.DocumentStatus:
        client = translator(deepl_server, "dk-docs")
        paths = (tmp_path / "note.txt", tmp_path / "note_en.txt")
        return client.translate_document_from_filepath(*paths, target_lang="EN-GB")

    with ThreadPoolExecutor(2) as pool:
        statuses = [job.result() for job in [pool.submit(as_files), pool.submit(by_path)]]
    assert all(s.done and s.ok and s.billed_characters for s in statuses)
    usage = translator(deepl_server, "dk-docs").get_usage().character.count
    assert usage == sum(s.billed_characters or 0 for s in statuses)
    translated = _paragraphs((tmp_path / "out.docx").read_bytes())
    assert len(translated) == 6 and all(p.strip() for p in translated)
    assert "Startup Digital Hub CLMVT" in "\n".join(translated)
    english = (tmp_path / "note_en.txt").read_text(encoding="utf-8")
    assert english.count("\n") == text.count("\n") and english != text
    for term in PAGE_TERMS:
        assert english.count(term) >= text.count(term), term


def test_a_document_key_opens_its_document_once(deepl_server: Server) -> None:
    """A wrong ``document_key`` is DeepL's 404 (the client's DeepLException) for status and
    download; the right one downloads the result once, then the document is gone."""
    client = translator(deepl_server)
    handle = client.translate_document_upload(
        "ราคา 250 บาท ที่ EEC\n".encode(), filename="price.txt", target_lang="EN-US"
    )
    wrong = deepl.DocumentHandle(handle.document_id, "not-" + handle.document_key)
    for ask in (client.translate_document_get_status, client.translate_document_download):
        with pytest.raises(deepl.DeepLException, match="Not found") as refused:
            ask(wrong)
        assert refused.value.http_status_code == 404
    with pytest.raises(deepl.DeepLException, match="document_key"):
        client.translate_document_get_status(deepl.DocumentHandle(handle.document_id, ""))
    deadline = time.monotonic() + 120  # ends a hang only
    while not (status := client.translate_document_get_status(handle)).done:
        assert status.ok and time.monotonic() < deadline, status
        time.sleep(0.1)
    out = io.BytesIO()
    client.translate_document_download(handle, out)
    assert "250" in out.getvalue().decode() and "EEC" in out.getvalue().decode()
    with pytest.raises(deepl.DeepLException, match="Not found"):
        client.translate_document_get_status(handle)


def test_openapi_lists_the_deepl_routes(deepl_server: Server) -> None:
    paths = httpx.get(f"{deepl_server.url}/openapi.json").json()["paths"]
    for path in (
        "/v2/translate",
        "/v2/languages",
        "/v2/usage",
        "/v2/glossary-language-pairs",
        "/v2/document",
        "/v2/document/{document_id}",
        "/v2/document/{document_id}/result",
    ):
        assert path in paths, path
    assert "456" in paths["/v2/translate"]["post"]["responses"]


def test_a_glossary_through_the_python_client_is_the_desks(deepl_server: Server) -> None:
    client = translator(deepl_server)
    made = client.create_glossary("ข่าว", "TH", "EN-US", {"อาลีบาบา": "Alibaba Group", "EEC": "EEC"})
    assert made.ready and made.entry_count == 2 and made.source_lang == "TH"
    assert made.glossary_id in [g.glossary_id for g in client.list_glossaries()]
    entries = client.get_glossary_entries(made)
    assert entries == {"อาลีบาบา": "Alibaba Group", "EEC": "EEC"}
    text = "อาลีบาบา ลงทุนใน EEC และ อาลีบาบา เปิดสำนักงานใหม่"
    result = client.translate_text(text, source_lang="TH", target_lang="EN-US", glossary=made)
    assert result.text.count("Alibaba Group") == 2 and "EEC" in result.text
    on_v1 = httpx.get(f"{deepl_server.url}/v1/glossaries/{made.glossary_id}",
                      headers={"X-API-Key": "dk-main"}).json()  # fmt: skip
    assert on_v1["entries"] == {"อาลีบาบา": "Alibaba Group"} and on_v1["do_not_translate"] == ["EEC"]
    with pytest.raises(deepl.GlossaryNotFoundException):  # another key: another team
        translator(deepl_server, "dk-other").get_glossary(made.glossary_id)
    client.delete_glossary(made)
    assert made.glossary_id not in [g.glossary_id for g in client.list_glossaries()]
