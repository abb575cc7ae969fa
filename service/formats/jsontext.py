"""JSON text without surprises: a loader with a nesting bound, and the string values of a JSON
text with their exact positions.

``json.loads`` recurses once per nesting level and raises ``RecursionError`` (a 500 where it
escapes) somewhere near a thousand levels, depending on how deep the caller already is.
:func:`load_json` measures the depth first, in one linear pass without recursion, and refuses
anything deeper than :data:`MAX_JSON_DEPTH` with a :class:`JsonDepthError` (a ``ValueError``
that says where and what to do). Every user of JSON input (JSONL files, form fields) shares it.

:func:`string_values` walks a JSON text (iteratively) and yields every string value with its
path and its position in the text, so a format can replace exactly those characters and leave
every other byte of the line as it was written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_JSON_DEPTH = 200

# One JSON token: a string (escapes included), a structural character, or a bare word (number,
# true, false, null, NaN, Infinity). Whitespace between them is skipped by ``finditer``.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|"|[\[{]|[\]}]', re.S)


class JsonDepthError(ValueError):
    """The JSON text nests arrays and objects deeper than the bound."""


def check_depth(text: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`JsonDepthError` when ``text`` nests deeper than ``max_depth`` levels.
    Strings are skipped; an unterminated one ends the scan (the parser will name it)."""
    depth = 0
    for match in _NESTING.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise JsonDepthError(
                    f"JSON nested deeper than {max_depth} levels (at character {match.start()}); "
                    f"send at most {max_depth} levels of arrays and objects"
                )
        elif token in "]}":
            depth = max(0, depth - 1)
        elif token == '"':
            return


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for untrusted text: :class:`JsonDepthError` beyond ``max_depth`` levels,
    ``json.JSONDecodeError`` (a ``ValueError`` too) for text that is not JSON."""
    check_depth(text, max_depth)
    return json.loads(text)


PathPart = str | int


@dataclass(frozen=True)
class StringValue:
    """A string value of a JSON text: its keys and list indexes from the root, and where its
    token (quotes included) lies in the text."""

    path: tuple[PathPart, ...]
    start: int
    end: int


@dataclass
class _Frame:
    is_object: bool
    key: PathPart = 0  # the current key (object) or index (array)
    expects_key: bool = True


def string_values(text: str) -> Iterator[StringValue]:
    """Every string value (not object keys) of a valid JSON ``text``, in order."""
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("{", "["):
            stack.append(_Frame(is_object=token == "{"))
        elif token in ("}", "]"):
            stack.pop()
        elif token == ":":
            stack[-1].expects_key = False
        elif token == ",":
            _next_item(stack[-1])
        elif token.startswith('"'):
            frame = stack[-1] if stack else None
            if frame is not None and frame.is_object and frame.expects_key:
                frame.key = json.loads(token)
            else:
                yield StringValue(tuple(f.key for f in stack), match.start(), match.end())


def _next_item(frame: _Frame) -> None:
    if frame.is_object:
        frame.expects_key = True
    else:
        assert isinstance(frame.key, int)
        frame.key += 1
