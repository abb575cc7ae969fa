"""Markdown keeps every link and emphasis that had text (issue 19, point 12): never ``[](url)``
or ``****``, and a protected term stays in its ``**bold**``, whatever the model does to the
markers or however few words it returns. The HTML guarantee through the same mechanism: a slot
the translation left empty gets its source text translated on its own (the second round)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fmt_standins import lose_markers, move_text_out, reverse, shout
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from service.engine import Engine
from service.formats.markers import marker_index
from service.formats.registry import get_format
from service.pipeline import DocumentResult, TranslateOptions
from service.workflow import translate_documents, translate_formatted
from tests.standins import rebuild_files

TERM = "Startup Digital Hub"


def first_word_only(text: str) -> str:
    """Fewer words than the text has slots: one word, every marker after it."""
    words = "".join(c for c in text if marker_index(c) is None).split()
    markers = "".join(c for c in text if marker_index(c) is not None)
    return (shout(words[0]) if words else "") + " " + markers


class Recording:
    """A model: ``first`` for the sentences, an echo for the second round (texts on their
    own), recording every batch."""

    def __init__(self, first: Callable[[str], str]) -> None:
        self.first = first
        self.batches: list[list[str]] = []

    def __call__(self, texts: list[str]) -> list[str]:
        self.batches.append(list(texts))
        return [self.first(t) if len(self.batches) == 1 else t for t in texts]


def translate(source: str, model: Callable[[str], str]) -> str:
    return rebuild_files([get_format("md").extract(source)], Recording(model))[0]


def elements(source: str) -> list[tuple[str, str]]:
    """(type, text inside) of every link, image and emphasis, in order."""
    found: list[tuple[str, str]] = []

    def walk(children: list[Token]) -> None:
        stack: list[tuple[str, list[str]]] = []
        for token in children:
            if token.type.endswith("_open"):
                stack.append((token.type.removesuffix("_open"), []))
            elif token.type.endswith("_close") and stack:
                kind, texts = stack.pop()
                found.append((kind, "".join(texts)))
                if stack:
                    stack[-1][1].extend(texts)
            elif token.type == "image":
                found.append(("image", token.content))
            elif stack:
                stack[-1][1].append(token.content)

    md = MarkdownIt("commonmark").enable(["strikethrough"])
    for token in md.parse(source):
        walk(token.children or [])
    return found


def test_a_link_never_comes_back_empty() -> None:
    source = "อ่าน [ข่าวล่าสุด](https://example.com/a) วันนี้\n"
    out = translate(source, first_word_only)
    assert "[](https://" not in out
    assert [kind for kind, _ in elements(out)] == ["link"]
    assert elements(out)[0][1].strip()


def test_a_protected_term_stays_in_its_bold() -> None:
    source = f"ผู้บริหาร **{TERM}** กล่าวว่า ดี\n"
    out = translate(source, first_word_only)
    assert f"**{TERM}**" in out
    assert elements(out) == [("strong", TERM)]


def test_no_second_round_when_every_slot_kept_its_text() -> None:
    recording = Recording(shout)
    extracted = get_format("md").extract("ก **ข** [ค](u)\n")
    rebuild_files([extracted], recording)
    assert len(recording.batches) == 1


WORDS = ["ไทย", "ข่าว", "รัฐบาล", TERM, "EEC", "ราคา 100"]
emphasis = st.recursive(
    st.sampled_from(WORDS),
    lambda inner: st.one_of(
        inner.map(lambda t: f"**{t}**"),
        inner.map(lambda t: f"*{t}*"),
        inner.map(lambda t: f"~~{t}~~"),
        st.tuples(inner, inner).map(" ".join),
    ),
    max_leaves=4,
)
# A link holds no link (CommonMark: the inner one wins and the outer brackets are text).
inline = st.one_of(
    emphasis,
    emphasis.map(lambda t: f"[{t}](https://example.com/{len(t)})"),
    emphasis.map(lambda t: f"**[{t}](https://example.com/)**"),
)
MODELS = [shout, reverse, lose_markers, move_text_out, first_word_only]


@settings(max_examples=150, deadline=None)
@given(st.lists(inline, min_size=1, max_size=4).map(" ".join), st.sampled_from(MODELS))
def test_every_element_with_text_keeps_text(line: str, model: Callable[[str], str]) -> None:
    source = f"{line}\n\n- {line}\n"
    out = translate(source, model)
    before, after = elements(source), elements(out)
    assert [kind for kind, _ in after] == [kind for kind, _ in before]  # the same structure
    for (_, text), (_, result) in zip(before, after, strict=True):
        assert not text.strip() or result.strip(), (source, out)


def test_the_real_pipeline_keeps_terms_in_their_elements(tiny_engine: Engine) -> None:
    source = f"ผู้บริหาร **{TERM}** กล่าวว่า [ข่าวล่าสุด](https://example.com/a) และ *EEC* ดี\n"

    async def run(texts: list[str]) -> tuple[list[DocumentResult], int]:
        return translate_documents(tiny_engine, texts, TranslateOptions()), 0

    (out,) = asyncio.run(translate_formatted([source], get_format("md"), run)).texts
    assert [kind for kind, _ in elements(out)] == ["strong", "link", "em"]
    assert all(text.strip() for _, text in elements(out))
    assert f"**{TERM}**" in out and "*EEC*" in out
