"""JSON from untrusted input, read with bounds: a nesting depth (Python's parser recurses, so a
deep ``[[[[...]]]]`` would be a RecursionError), integers of at most Python's digit limit
(``int()`` refuses more, with a hint about ``sys.set_int_max_str_digits()`` that means nothing
to a client), and errors that say where (line and column)."""

from __future__ import annotations

import itertools
import json
import operator
import re
import sys
from typing import Any

MAX_DEPTH = 64  # arrays and objects inside each other
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH = str.maketrans({"[": "\x02", "{": "\x02", "]": "\x00", "}": "\x00"})


class JsonInputError(ValueError):
    """The text is not JSON within the bounds; the message says why, for a person."""


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` within the bounds (JsonInputError otherwise)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode(json.detect_encoding(text))
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not valid {exc.encoding.upper()} ({exc.reason})") from None
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonInputError(
            f"nested too deeply: {depth} levels of arrays or objects, at most {max_depth}"
        )
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:  # within the depth bound only if the stack is nearly spent
        raise JsonInputError("nested too deeply") from None


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (of well-formed JSON; for other
    text a bound that the parser's own error follows)."""
    if text.count("[") + text.count("{") <= 1:
        return min(1, text.count("[") + text.count("{"))
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_DEPTH)
    # Each opening adds 2 and each closing 0, so depth after n brackets = sum - n.
    sums = itertools.accumulate(brackets.encode("latin-1"))
    return max(itertools.chain((0,), map(operator.sub, sums, itertools.count(1))))


def _bounded_int(digits: str) -> int:
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        raise JsonInputError(f"a number of {len(digits.lstrip('-'))} digits; at most {limit}")
    return int(digits)
