"""JSON Lines: the chosen fields of every record are translated; everything else is kept.

Fields are dotted paths (``meta.title``); a path through a list applies to each element, and a
field holding a list of strings translates each string. Other fields, key order and line order
are kept, and each line is re-serialised in its own style (compact or spaced separators, escaped
or literal non-ASCII) so untouched lines come back byte-identical. A line that is not valid JSON
fails the whole file with its line number: nothing is silently dropped or altered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from service.formats.base import Extracted, FormatError, FormatOptions

_Setter = Callable[[str], None]

_STYLES: tuple[dict[str, Any], ...] = (
    {"ensure_ascii": False, "separators": (", ", ": ")},
    {"ensure_ascii": False, "separators": (",", ":")},
    {"ensure_ascii": True, "separators": (", ", ": ")},
    {"ensure_ascii": True, "separators": (",", ":")},
)


@dataclass
class _Record:
    line_no: int
    value: Any
    style: dict[str, Any]
    setters: list[_Setter]


def _line_style(line: str, value: Any) -> dict[str, Any]:
    for style in _STYLES:
        if json.dumps(value, **style) == line:
            return style
    return _STYLES[0]


def _targets(node: Any, path: list[str], found: list[tuple[str, _Setter]]) -> None:
    """Collect (text, setter) for every string at ``path`` under ``node``."""
    if isinstance(node, list):
        for item in node:
            _targets(item, path, found)
        return
    if not isinstance(node, dict) or not path:
        return
    key, rest = path[0], path[1:]
    if key not in node:
        return
    if rest:
        _targets(node[key], rest, found)
        return
    value = node[key]
    if isinstance(value, str):
        found.append((value, _setter(node, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                found.append((item, _setter(value, i)))


def _setter(container: Any, key: Any) -> _Setter:
    def set_value(text: str) -> None:
        container[key] = text

    return set_value


def _split_path(name: str) -> list[str]:
    return [part for part in name.split(".") if part]


class JsonlFormat:
    name = "jsonl"

    def __init__(self, fields: tuple[str, ...]) -> None:
        if not fields:
            raise FormatError("JSONL needs at least one --field NAME to translate")
        self.fields = fields

    def extract(self, content: str) -> Extracted:
        lines = content.split("\n")
        records: list[_Record] = []
        texts: list[str] = []
        for line_no, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(f"line {line_no + 1}: invalid JSON: {exc.msg}") from None
            found: list[tuple[str, _Setter]] = []
            for name in self.fields:
                # A key that itself contains dots wins over the dotted path.
                path = [name] if isinstance(value, dict) and name in value else _split_path(name)
                _targets(value, path, found)
            if found:
                records.append(_Record(line_no, value, _line_style(line.strip(), value), []))
                for text, set_value in found:
                    texts.append(text)
                    records[-1].setters.append(set_value)

        def rebuild(translations: Sequence[str]) -> str:
            out = list(lines)
            remaining = iter(translations)
            for record in records:
                for set_value in record.setters:
                    set_value(next(remaining))
                out[record.line_no] = json.dumps(record.value, **record.style)
            return "\n".join(out)

        return Extracted(texts, rebuild)


def make_format(options: FormatOptions) -> JsonlFormat:
    return JsonlFormat(options.fields)
