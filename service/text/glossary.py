"""User glossaries: Thai term → English target, plus terms to keep untranslated.

Formats (chosen by file suffix; ``.json`` is JSON, anything else TSV):

- TSV: ``Thai<TAB>English`` per line; a line with one column is a do-not-translate term;
  blank lines and lines starting with ``#`` are ignored.
- JSON: ``{"กรุงเทพฯ": "Bangkok"}`` or
  ``{"glossary": {"กรุงเทพฯ": "Bangkok"}, "do_not_translate": ["Alibaba"]}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Glossary:
    entries: Mapping[str, str] = field(default_factory=dict)
    do_not_translate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Read-only view: a frozen glossary should not change behind a cached pattern.
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))

    def __len__(self) -> int:
        return len(self.entries) + len(self.do_not_translate)


def load_glossary(path: Path) -> Glossary:
    """Read a TSV or JSON glossary; ``ValueError`` (with the line number for TSV) if malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: glossary must be UTF-8 ({error})") from error
    if path.suffix.lower() == ".json":
        return _parse_json(text, path)
    return parse_tsv(text, path)


def merge(*glossaries: Glossary | None) -> Glossary:
    """One glossary from several; for a term in more than one, the later glossary wins."""
    entries: dict[str, str] = {}
    keep: dict[str, None] = {}  # ordered set
    for glossary in glossaries:
        if glossary is None:
            continue
        entries.update(glossary.entries)
        keep.update(dict.fromkeys(glossary.do_not_translate))
    return Glossary(entries=entries, do_not_translate=tuple(keep))


def parse_tsv(text: str, path: Path | str) -> Glossary:
    """TSV glossary text (``path`` names it in messages: a file, or "entries")."""
    entries: dict[str, str] = {}
    first_line: dict[str, int] = {}
    keep: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = [c.strip() for c in line.split("\t")]
        if len(columns) > 2 or not columns[0] or (len(columns) == 2 and not columns[1]):
            raise ValueError(
                f"{path}:{number}: expected 'Thai<TAB>English' or one term, got {line!r}"
            )
        if len(columns) == 1:
            keep.append(columns[0])
            continue
        term, target = columns
        if term in entries and entries[term] != target:
            raise ValueError(
                f"{path}:{number}: {term!r} already maps to {entries[term]!r} "
                f"(line {first_line[term]}), now to {target!r}"
            )
        entries[term] = target
        first_line.setdefault(term, number)
    return Glossary(entries=entries, do_not_translate=tuple(dict.fromkeys(keep)))


def _parse_json(text: str, path: Path) -> Glossary:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}:{error.lineno}: invalid JSON: {error.msg}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
    if set(data) <= {"glossary", "do_not_translate"} and data:
        entries, keep = data.get("glossary", {}), data.get("do_not_translate", [])
    else:
        entries, keep = data, []
    return Glossary(entries=_string_map(entries, path), do_not_translate=_string_list(keep, path))


def _string_map(value: Any, path: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: 'glossary' must be an object of Thai → English strings")
    bad = [k for k, v in value.items() if not isinstance(v, str) or not k.strip() or not v.strip()]
    if bad:
        raise ValueError(f"{path}: entries need a non-empty term and string target: {bad[:5]}")
    return {k.strip(): v.strip() for k, v in value.items()}


def _string_list(value: Any, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{path}: 'do_not_translate' must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))
