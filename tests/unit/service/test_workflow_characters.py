"""Every character that is not translated comes back through the real workflow (issue 19,
point 1): line breaks as written (CRLF, lone CR, U+2028), the whitespace around a translated
line, every line without Thai, every Private Use character and emoji (protected spans) — with
a model that echoes its input and with the real tiny model, for plain text and for files.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.engine import Engine
from service.formats.registry import get_format
from service.pipeline import DocumentResult, TranslateOptions
from service.text.normalize import has_thai, normalize, split_lines_and_breaks
from service.workflow import translate_document, translate_documents, translate_formatted
from tests.standins import StandInBackend

KEPT = regex.compile(r"[\uE000-\uF8FF\U000F0000-\U0010FFFD]|\p{Extended_Pictographic}")
PIECES = [
    "ไทย", "สวัสดีครับ", "ราคา", "Price", "100", "\ue000", "\ue001", "\U000f0001", "😀", "e\u0301",
    "\x00", "\r", "\r\n", "\n", "\u2028", "\t", " ", "  ", "\xa0", "\u200b", "Startup Digital Hub",
]  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=16).map("".join)
SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def check(source: str, output: str) -> None:
    lines, breaks = split_lines_and_breaks(source)
    out_lines, out_breaks = split_lines_and_breaks(output)
    assert out_breaks == breaks
    for line, out in zip(lines, out_lines, strict=True):
        if not has_thai(normalize(line)):
            assert out == line  # copied through exactly as written
            continue
        core = out.strip()
        assert out.startswith(line[: len(line) - len(line.lstrip())])
        assert not core or out.endswith(line[len(line.rstrip()) :])
        # protected spans: every Private Use character and emoji exactly once
        assert Counter(KEPT.findall(core)) == Counter(KEPT.findall(normalize(line)))


@settings(SETTINGS, max_examples=150)
@given(texts)
def test_an_echo_model_gives_every_character_back(text: str) -> None:
    check(text, translate_document(Engine(StandInBackend()), text).text)


@settings(SETTINGS, max_examples=10)
@given(text=texts)
def test_the_tiny_model_gives_every_untranslated_character_back(
    text: str, tiny_engine: Engine
) -> None:
    check(text, translate_document(tiny_engine, text).text)


def test_the_issue_examples_through_the_tiny_model(tiny_engine: Engine) -> None:
    text = "Price \ue001 100 A\ue000B\r\nราคา \ue001 100 บาท  \r\n\tไทย\ue000\rจบ\n"
    out = translate_document(tiny_engine, text).text
    check(text, out)
    assert out.startswith("Price \ue001 100 A\ue000B\r\n")


def _files(engine: Engine, fmt: str, contents: Sequence[str]) -> list[str]:
    async def translate(texts: list[str]) -> tuple[list[DocumentResult], int]:
        return translate_documents(engine, texts, TranslateOptions()), 0

    done = asyncio.run(translate_formatted(contents, get_format(fmt), translate))
    return done.texts


def test_files_keep_private_use_characters_through_the_tiny_model(tiny_engine: Engine) -> None:
    html = "<p>Price \ue001 100 A\ue000B</p>\n<p>ราคา <b>\ue001 ไทย</b> A\ue000B</p>\n"
    md = "Price \ue001 100 A\ue000B\n\nราคา **\ue001 ไทย** [ลิงก์\ue000](http://x)\n"
    (html_out,) = _files(tiny_engine, "html", [html])
    (md_out,) = _files(tiny_engine, "md", [md])
    assert html_out.startswith("<p>Price \ue001 100 A\ue000B</p>\n") and html_out.endswith("\n")
    assert md_out.startswith("Price \ue001 100 A\ue000B\n\n") and md_out.endswith("\n")
    for source, out in ((html, html_out), (md, md_out)):
        assert Counter(KEPT.findall(out)) == Counter(KEPT.findall(source))
