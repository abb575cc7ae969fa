from __future__ import annotations

import json

import pytest

from service.formats.base import FormatError, FormatOptions
from service.formats.registry import get_format

LINES = [
    '{"id": 1, "title": "ข่าว", "body": "เนื้อหา", "n": 1.5}',
    '{"id":2,"title":"กรุงเทพ","meta":{"summary":"สรุป","lang":"th"}}',
    '{"id": 3, "tags": ["ไทย", "Bangkok"], "items": [{"title": "ก"}, {"title": "ข"}]}',
    '{"id": 4, "other": "\\u0e44\\u0e17\\u0e22"}',
]
CONTENT = "\n".join(LINES) + "\n"


def _fmt(*fields: str):  # type: ignore[no-untyped-def]
    return get_format("jsonl", FormatOptions(tuple(fields)))


def test_chosen_fields_only_and_nested_paths():
    ex = _fmt("title", "meta.summary", "tags", "items.title").extract(CONTENT)
    assert ex.texts == ["ข่าว", "กรุงเทพ", "สรุป", "ไทย", "Bangkok", "ก", "ข"]


def test_untouched_fields_line_order_and_style_kept():
    ex = _fmt("title", "meta.summary").extract(CONTENT)
    out = ex.rebuild([f"T{i}" for i in range(len(ex.texts))])
    out_lines = out.split("\n")
    assert len(out_lines) == len(CONTENT.split("\n"))
    before, after = json.loads(LINES[0]), json.loads(out_lines[0])
    assert list(after) == list(before)  # key order
    assert {k: v for k, v in after.items() if k != "title"} == {
        k: v for k, v in before.items() if k != "title"
    }
    assert out_lines[1] == '{"id":2,"title":"T1","meta":{"summary":"T2","lang":"th"}}'
    assert out_lines[2] == LINES[2] and out_lines[3] == LINES[3]  # no field: byte-identical


def test_invalid_json_line_fails_the_file_with_its_line_number():
    with pytest.raises(FormatError, match="line 2: invalid JSON"):
        _fmt("title").extract('{"title": "ก"}\n{"title": \n')


def test_jsonl_needs_a_field():
    with pytest.raises(FormatError, match="--field"):
        get_format("jsonl")
