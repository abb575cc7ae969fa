"""Any nesting depth works or is a clear error at a documented bound (issue 19, point 5): inline
HTML elements of any depth and shape, in any order the model returns their markers; JSON values
of any depth (a JsonDepthError beyond MAX_DEPTH, never a RecursionError)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from fmt_standins import lose_markers, move_text_out, reverse, shout
from hypothesis import given, settings
from hypothesis import strategies as st

from service.formats.base import FormatError, FormatOptions
from service.formats.markers import MAX_MARKERS
from service.formats.registry import get_format
from service.text.jsonsafe import MAX_DEPTH, JsonInputError, loads
from tests.standins import translate_html

MODELS: list[Callable[[str], str]] = [shout, reverse, lose_markers, move_text_out]
TAGS = ["b", "i", "span", "a", "em"]


def tag_names(document: str) -> list[str]:
    return [t.name for t in BeautifulSoup(document, "html.parser").find_all(True)]


def chain(depth: int, names: list[str], with_text: list[bool]) -> str:
    opened = "".join(f"<{n}>" + ("ก" if t else "") for n, t in zip(names, with_text, strict=True))
    return "<p>" + opened + "ไทย" + "".join(f"</{n}>" for n in reversed(names)) + " ข</p>"


@pytest.mark.parametrize("depth", [300, 1000])
@pytest.mark.parametrize("text", ["every level", "no level", "every other level"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_any_depth_and_any_marker_order_rebuilds(
    depth: int, text: str, model: Callable[[str], str]
) -> None:
    with_text = [text == "every level" or (text == "every other level" and k % 2 == 0)
                 for k in range(depth)]  # fmt: skip
    document = chain(depth, ["b"] * depth, with_text)
    out = translate_html(document, lambda texts: [model(t) for t in texts])
    assert tag_names(out) == tag_names(document)
    assert "ก" not in out and "ไทย" not in out  # every text piece was translated


@st.composite
def nested_inline(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 400))
    names = draw(st.lists(st.sampled_from(TAGS), min_size=depth, max_size=depth))
    with_text = draw(st.lists(st.booleans(), min_size=depth, max_size=depth))
    return chain(depth, names, with_text)


@settings(max_examples=15, deadline=None)
@given(nested_inline(), st.sampled_from(MODELS))
def test_any_shape_rebuilds(document: str, model: Callable[[str], str]) -> None:
    out = translate_html(document, lambda texts: [model(t) for t in texts])
    assert tag_names(out) == tag_names(document)


def test_the_example_that_was_not_monotonic_in_depth() -> None:
    for depth in (100, 300, 1000):
        document = "<p>" + "".join(f"<b>ก{i}" for i in range(depth)) + "</b>" * depth + "</p>"
        out = translate_html(document, lambda texts: [t[::-1] for t in texts])
        assert out.count("<b>") == depth


def test_beyond_the_marker_bound_is_a_clear_error() -> None:
    # The bound is per block: MAX_MARKERS markers (two per inline element, one per Private Use
    # character, <br>, comment ...). The workflow turns the ValueError into a FormatError (400).
    document = "<p>ไทย" + "\ue000" * MAX_MARKERS + "<b>x</b></p>"
    with pytest.raises(ValueError, match="too many inline markers in one text"):
        get_format("html").extract(document)


@st.composite
def nested_json(draw: st.DrawFn) -> tuple[str, int]:
    depth = draw(st.integers(1, 3 * MAX_DEPTH))
    opens = draw(
        st.lists(st.sampled_from(["[", '{"k": ', '["[{", ']), min_size=depth, max_size=depth)
    )
    closes = {"[": "]", '{"k": ': "}", '["[{", ': "]"}
    text = "".join(opens) + '"ไทย"' + "".join(closes[o] for o in reversed(opens))
    return text, depth


@settings(max_examples=60, deadline=None)
@given(nested_json())
def test_json_of_any_depth_loads_or_is_refused(case: tuple[str, int]) -> None:
    text, depth = case
    if depth <= MAX_DEPTH:
        assert loads(text) == json.loads(text)
    else:
        with pytest.raises(JsonInputError, match=f"nested too deeply: {depth} levels"):
            loads(text)


def test_brackets_inside_strings_do_not_count() -> None:
    assert loads(json.dumps({"k": "[" * 10_000})) == {"k": "[" * 10_000}


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 100_000])
def test_jsonl_of_any_depth_translates_or_names_its_line(depth: int) -> None:
    line = '{"title": "ข่าว", "deep": ' + "[" * depth + "]" * depth + "}"
    fmt = get_format("jsonl", FormatOptions(("title",)))
    if depth <= MAX_DEPTH - 1:  # the record itself is one level
        assert fmt.extract(line).texts == ["ข่าว"]
    else:
        with pytest.raises(FormatError, match="line 1: invalid JSON: nested too deeply"):
            fmt.extract(line)
