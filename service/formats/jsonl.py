"""JSON Lines: the chosen fields of every record are translated; everything else is kept.

Fields are dotted paths (``meta.title``); a path through a list applies to each element, and a
field holding a list of strings translates each string. A key that itself contains dots wins
over the dotted path. Only the characters of the translated strings change: each one is
replaced in the line as written, so key order, spacing, escapes, numbers, duplicate keys and
line ends stay byte for byte (a string whose translation is itself keeps its escapes too).

A line that is not valid JSON, or nests deeper than :data:`service.text.jsonsafe.MAX_DEPTH`
levels, fails the whole file with its line number; so does a field that is in no line (the
message lists the fields the lines have): nothing is silently dropped, altered or skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from service.formats.base import Extracted, FormatError, FormatOptions
from service.formats.jsontext import PathPart, StringValue, string_values
from service.text.jsonsafe import loads

_MAX_FIELDS_LISTED = 20


@dataclass(frozen=True)
class _Text:
    """A string to translate: its line, where its token lies there, and its value."""

    line_no: int
    value: StringValue
    text: str


def _keys(path: tuple[PathPart, ...]) -> tuple[str, ...]:
    return tuple(part for part in path if isinstance(part, str))


def _matches(path: tuple[PathPart, ...], field: tuple[str, ...]) -> bool:
    """``path`` reaches a string of ``field``: its keys are the field's, lists may stand
    anywhere before the last key, and after it at most one (a list of strings)."""
    if _keys(path) != field or not field:
        return False
    last_key = max(i for i, part in enumerate(path) if isinstance(part, str))
    return len(path) - last_key - 1 <= 1


def _field_paths(name: str, value: Any) -> tuple[str, ...]:
    # A key that itself contains dots wins over the dotted path.
    if isinstance(value, dict) and name in value:
        return (name,)
    return tuple(part for part in name.split(".") if part)


def _line_texts(
    line_no: int, line: str, fields: tuple[str, ...], used: set[str], seen: dict[str, None]
) -> list[_Text]:
    try:
        value = loads(line)
    except ValueError as exc:  # JsonInputError: not JSON, nested too deeply, a huge number
        raise FormatError(f"line {line_no + 1}: invalid JSON: {exc}") from None
    wanted = {name: _field_paths(name, value) for name in fields}
    present = _key_paths(value)
    seen.update(dict.fromkeys(".".join(path) for path in present))
    used.update(name for name, path in wanted.items() if path in present)
    found: list[_Text] = []
    for string in string_values(line):
        if any(_matches(string.path, path) for path in wanted.values()):
            text = json.loads(line[string.start : string.end])
            found.append(_Text(line_no, string, text))
    return found


def _key_paths(value: Any) -> dict[tuple[str, ...], None]:
    """Every key path of ``value`` (lists are transparent), in document order; no recursion."""
    paths: dict[tuple[str, ...], None] = {}
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in reversed(node.items()):
                stack.append((child, (*path, key)))
        elif isinstance(node, list):
            stack.extend((child, path) for child in reversed(node))
        if path:
            paths.setdefault(path)
    return paths


def _unmatched(fields: tuple[str, ...], used: set[str], seen: dict[str, None]) -> FormatError:
    missing = ", ".join(repr(name) for name in fields if name not in used)
    listed = list(seen)[:_MAX_FIELDS_LISTED]
    more = " ..." if len(seen) > len(listed) else ""
    return FormatError(
        f"field {missing} matches nothing in any line; the lines have these fields: "
        f"{', '.join(listed) + more if listed else 'none'} (choose with --field, or 'fields' "
        "in the API)"
    )


def _replacement(line: str, item: _Text, translation: str) -> str:
    """The JSON string token for ``translation``, in the style of the token it replaces."""
    if translation == item.text:
        return line[item.value.start : item.value.end]
    # Non-ASCII written as escapes or not: as the source string did, else as the line does.
    token = line[item.value.start : item.value.end]
    told = not item.text.isascii()
    escaped = token.isascii() if told else line.isascii() and "\\u" in line
    return json.dumps(translation, ensure_ascii=escaped)


class JsonlFormat:
    name = "jsonl"

    def __init__(self, fields: tuple[str, ...]) -> None:
        if not fields:
            raise FormatError("JSONL needs at least one --field NAME to translate")
        self.fields = fields

    def extract(self, content: str) -> Extracted:
        lines = content.split("\n")
        used: set[str] = set()
        seen: dict[str, None] = {}  # key paths of every string value, in order
        texts: list[_Text] = []
        records = 0
        for line_no, line in enumerate(lines):
            if line.strip():
                records += 1
                texts += _line_texts(line_no, line, self.fields, used, seen)
        if records and len(used) < len(self.fields):
            raise _unmatched(self.fields, used, seen)

        def rebuild(translations: Sequence[str]) -> str:
            out = list(lines)
            remaining = iter(zip(texts, translations, strict=True))
            for line_no, group in _by_line(remaining):
                line, parts, position = lines[line_no], [], 0
                for item, translation in group:
                    parts += [
                        line[position : item.value.start],
                        _replacement(line, item, translation),
                    ]
                    position = item.value.end
                out[line_no] = "".join([*parts, line[position:]])
            return "\n".join(out)

        return Extracted([t.text for t in texts], rebuild)


def _by_line(pairs: Iterator[tuple[_Text, str]]) -> Iterator[tuple[int, list[tuple[_Text, str]]]]:
    group: list[tuple[_Text, str]] = []
    for pair in pairs:
        if group and group[-1][0].line_no != pair[0].line_no:
            yield group[0][0].line_no, group
            group = []
        group.append(pair)
    if group:
        yield group[0][0].line_no, group


def make_format(options: FormatOptions) -> JsonlFormat:
    return JsonlFormat(options.fields)
