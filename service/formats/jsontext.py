"""The string values of a JSON text with their exact positions.

:func:`string_values` walks a JSON text (iteratively, any depth) and yields every string value
with its path and its position in the text, so a format can replace exactly those characters and
leave every other byte of the line as it was written. Reading untrusted JSON with a depth bound
is :mod:`service.text.jsonsafe`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

# One JSON token: a string (escapes included), a structural character, or a bare word (number,
# true, false, null, NaN, Infinity). Whitespace between them is skipped by ``finditer``.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)

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
