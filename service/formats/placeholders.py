"""Placeholders of software strings (printf ``%s`` ``%1$d`` ``%(name)s``, Python/ICU/.NET
``{0}`` ``{name}`` ``{count, number}``, and ``%%``): each is one opaque inline item, so it comes
back exactly once and exactly as written, wherever the translation puts it."""

from __future__ import annotations

import re
from typing import Any

from service.formats.inline import InlineBuilder

PLACEHOLDER = re.compile(
    r"%%"
    r"|%(?:\d+\$|\([A-Za-z_][A-Za-z0-9_]*\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
    r"(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsrpn@]"
    r"|\{[A-Za-z0-9_]+(?:,\s*[a-z]+(?:,\s*[^{}]*)?)?\}"
)


def add_text(builder: InlineBuilder[Any], text: str) -> None:
    """``text`` into ``builder`` with each placeholder as an opaque item (its payload: the
    placeholder itself, a ``str``)."""
    position = 0
    for match in PLACEHOLDER.finditer(text):
        builder.text(text[position : match.start()])
        builder.opaque(match.group())
        position = match.end()
    builder.text(text[position:])
