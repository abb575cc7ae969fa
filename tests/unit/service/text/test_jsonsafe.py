"""JSON from untrusted input: any nesting depth is a value or a clear error (never a
RecursionError), huge integers are a clear error, and errors say where."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.jsonsafe import MAX_DEPTH, JsonInputError, loads, nesting_depth


def nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return opener * depth + "1" + closer * depth


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(0, 200_000), opener=st.sampled_from(["[", '{"a":']))
def test_any_depth_is_a_value_or_a_clear_error(depth: int, opener: str) -> None:
    text = nested(depth, opener)
    if depth <= MAX_DEPTH:
        value: Any = loads(text)
        for _ in range(depth):
            value = value[0] if opener == "[" else value["a"]
        assert value == 1
    else:
        with pytest.raises(JsonInputError, match=f"{depth} levels"):
            loads(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(JSON_VALUES)
def test_ordinary_json_reads_as_json_loads_reads_it(value: Any) -> None:
    text = json.dumps(value)
    assert loads(text) == json.loads(text)
    assert loads(text.encode("utf-8")) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": [1, 2}', "Expecting ',' delimiter at line 1, column 12"),
        ('{\n  "a": \n}', "Expecting value at line 3, column 1"),
        ("1" * 5000, "a number of 5000 digits; at most 4300"),
        ('{"n": -' + "9" * 5000 + "}", "a number of 5000 digits"),
        (b'{"a": "\xff"}', "not valid UTF-8"),
    ],
)
def test_errors_say_what_and_where(text: str | bytes, message: str) -> None:
    with pytest.raises(JsonInputError) as refused:
        loads(text)
    assert message in str(refused.value)
    assert "set_int_max_str_digits" not in str(refused.value)


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert nesting_depth('["[[[[", {"k": "}}]]"}]') == 2
    assert loads('{"a": "' + "[" * 10_000 + '"}') == {"a": "[" * 10_000}
