"""Placeholders of software strings (printf ``%s`` ``%1$d`` ``%(name)s``, Python/ICU/.NET
``{0}`` ``{name}`` ``{count, number}``, and ``%%``): each is one opaque inline item, so it comes
back exactly once and exactly as written, wherever the translation puts it."""

from __future__ import annotations

import re
from typing import TypeVar

from service.formats.inline import InlineBuilder

P = TypeVar("P")

PLACEHOLDER = re.compile(
    r"%%"
    r"|%(?:\d+\$|\([A-Za-z_][A-Za-z0-9_]*\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
    r"(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsrpn@]"
    r"|\{[A-Za-z0-9_]+(?:,\s*[a-z]+(?:,\s*[^{}]*)?)?\}"
)


def add_text(builder: InlineBuilder[P], text: str, literal: type[P] | None = None) -> None:
    """``text`` into ``builder`` with each placeholder as an opaque item (its payload:
    ``literal(placeholder)``, or the placeholder string itself)."""
    position = 0
    for match in PLACEHOLDER.finditer(text):
        builder.text(text[position : match.start()])
        builder.opaque(literal(match.group()) if literal else match.group())  # type: ignore[arg-type]
        position = match.end()
    builder.text(text[position:])
