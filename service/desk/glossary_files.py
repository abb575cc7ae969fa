"""Glossary entries as text and files: TSV, CSV and TBX, in and out.

- TSV: ``Thai<TAB>English`` per line; a line with one column is a do-not-translate term; blank
  lines and lines starting with ``#`` are skipped (the format of ``thaimt batch --glossary``).
- CSV: the same as rows of one or two cells (RFC 4180 quoting).
- TBX (translate-toolkit): one ``termEntry`` per entry with a ``th`` and an ``en`` term; a
  do-not-translate term has the same text in both and the note ``do-not-translate``.

DeepL's entries format is the two-column part: written with ``keep_as_pairs`` a do-not-translate
term becomes ``term<TAB>term`` (what DeepL clients expect: every line a pair), which translates
the same way (the term comes out as written).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.desk.glossaries import GlossaryInvalid
from service.text.glossary import parse_tsv

FORMATS = ("tsv", "csv", "tbx")
MEDIA_TYPES = {
    "tsv": "text/tab-separated-values; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tbx": "application/x-tbx+xml",
}
KEEP_NOTE = "do-not-translate"


@dataclass(frozen=True)
class Terms:
    """Entries and do-not-translate terms read from a file (not yet checked for limits)."""

    entries: dict[str, str]
    do_not_translate: tuple[str, ...]


def format_for(filename: str, given: str | None = None) -> str:
    """The format asked for, else the file's extension; GlossaryInvalid naming the choices."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else ""
    name = (given or extension).lower()
    if name not in FORMATS:
        raise GlossaryInvalid(
            f"glossary files are {', '.join(FORMATS)} (by extension or format=); got {filename!r}"
        )
    return name


def read_terms(data: bytes | str, fmt: str) -> Terms:
    """Parse glossary text or a file's bytes (UTF-8, a BOM allowed); GlossaryInvalid saying
    which line is wrong."""
    if fmt == "tbx":
        return _read_tbx(data if isinstance(data, bytes) else data.encode("utf-8"))
    text = _text(data)
    if fmt == "csv":
        return _read_csv(text)
    try:
        parsed = parse_tsv(text, "entries")
    except ValueError as exc:
        raise GlossaryInvalid(str(exc)) from None
    return Terms(dict(parsed.entries), parsed.do_not_translate)


def write_terms(
    entries: Mapping[str, str],
    do_not_translate: Sequence[str],
    fmt: str,
    keep_as_pairs: bool = False,
) -> bytes:
    """The entries (then the do-not-translate terms) in ``fmt``."""
    if fmt == "tbx":
        return _write_tbx(entries, do_not_translate)
    rows = [[source, target] for source, target in entries.items()]
    rows += [[term, term] if keep_as_pairs else [term] for term in do_not_translate]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    return "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"glossary files must be UTF-8 ({exc.reason} at byte {exc.start})"
        raise GlossaryInvalid(message) from None


def _read_csv(text: str) -> Terms:
    entries: dict[str, str] = {}
    keep: list[str] = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise GlossaryInvalid(f"entries: not CSV ({exc})") from None
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) > 2 or not cells[0] or (len(cells) == 2 and not cells[1]):
            raise GlossaryInvalid(f"entries:{number}: expected 'Thai,English' or one term")
        if len(cells) == 1:
            keep.append(cells[0])
        elif entries.get(cells[0], cells[1]) != cells[1]:
            raise GlossaryInvalid(
                f"entries:{number}: {cells[0]!r} already maps to {entries[cells[0]]!r}"
            )
        else:
            entries[cells[0]] = cells[1]
    return Terms(entries, tuple(dict.fromkeys(keep)))


def _read_tbx(data: bytes) -> Terms:
    from service.formats.base import FormatError
    from service.formats.safexml import parse

    tbx = _tbx_module()
    try:
        parse(data, "the TBX file")  # refuses entity declarations before anything else reads it
        store = tbx.tbxfile.parsestring(data)
    except FormatError as exc:
        raise GlossaryInvalid(str(exc)) from None
    except Exception as exc:  # translate-toolkit raises assorted errors on a broken file
        raise GlossaryInvalid(f"not a TBX file ({exc})") from None
    entries: dict[str, str] = {}
    keep: list[str] = []
    for unit in store.units:
        source, target = (unit.source or "").strip(), (unit.target or "").strip()
        if not source:
            continue
        if KEEP_NOTE in (unit.getnotes() or "") or not target or target == source:
            keep.append(source)
        else:
            entries[source] = target
    return Terms(entries, tuple(dict.fromkeys(keep)))


def _write_tbx(entries: Mapping[str, str], do_not_translate: Sequence[str]) -> bytes:
    tbx = _tbx_module()
    store = tbx.tbxfile(sourcelanguage="th", targetlanguage="en")
    for source, target in entries.items():
        store.addsourceunit(source).target = target
    for term in do_not_translate:
        unit = store.addsourceunit(term)
        unit.target = term
        unit.addnote(KEEP_NOTE)
    return bytes(store)


def _tbx_module() -> Any:
    try:
        from translate.storage import tbx
    except ImportError as exc:
        raise ImportError(
            "TBX glossaries need translate-toolkit: pip install 'thaimt[desk]'"
        ) from exc
    return tbx
