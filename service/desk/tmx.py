"""Memory units in and out of TMX 1.4 (translate-toolkit).

Export: one ``<tu>`` per unit with its Thai (``th``) and English (``en``) ``<tuv>``, the unit's
``creationdate`` / ``changedate``, and three ``x-thaimt-*`` properties holding the masked forms
and fixed spans, so that importing our own export gives back identical units even where a
glossary decided the masking. Any CAT tool reads the file as a plain Thai → English TMX.

Import: a ``<tu>`` with our properties is taken as it is (checked); any other is made into a
unit from its Thai and English text, masked without a glossary. Language codes match by their
primary subtag (``th-TH`` is Thai, ``en-GB`` English); ``<tu>`` without both, or whose text
cannot make a unit (no Thai, only numbers), are skipped and counted. Inline codes of other
tools (``<ph>``, ``<bpt>`` ...) are dropped from the text. Files declaring XML entities are
refused before translate-toolkit reads them.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from service.desk.memory import MemoryUnit, UnitInvalid, make_unit, unit_from_parts

MEDIA_TYPE = "application/x-tmx+xml"
PROPS = ("x-thaimt-masked-source", "x-thaimt-masked-target", "x-thaimt-fixed")
_STAMP = "%Y%m%dT%H%M%SZ"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class TmxInvalid(ValueError):
    """A file that is not a TMX translate-toolkit can read (the message says what)."""


@dataclass
class Imported:
    units: list[MemoryUnit] = field(default_factory=list)
    skipped: int = 0  # translation units without Thai and English, or nothing to remember


def _tmx() -> Any:
    try:
        from translate.storage import tmx
    except ImportError as exc:
        raise ImportError("TMX needs translate-toolkit: pip install 'thaimt[desk]'") from exc
    return tmx


def export_tmx(units: Iterable[MemoryUnit]) -> bytes:
    store = _tmx().tmxfile(sourcelanguage="th", targetlanguage="en")
    header = store.document.getroot().find("header")
    header.attrib.update(
        {"creationtool": "thaimt", "creationtoolversion": "0.1.0", "datatype": "plaintext",
         "segtype": "sentence", "adminlang": "en", "srclang": "th", "o-tmf": "thaimt"}
    )  # fmt: skip
    for unit in units:
        store.addtranslation(unit.source, "th", unit.target, "en")
        tu = store.units[-1].xmlelement
        tu.set("creationdate", time.strftime(_STAMP, time.gmtime(unit.created)))
        tu.set("changedate", time.strftime(_STAMP, time.gmtime(unit.changed)))
        fixed = json.dumps({str(k): v for k, v in unit.fixed.items()}, ensure_ascii=False)
        for position, (name, value) in enumerate(
            zip(PROPS, (unit.masked_source, unit.masked_target, fixed), strict=True)
        ):
            prop = etree.Element("prop", type=name)
            prop.text = value
            tu.insert(position, prop)  # props before the tuvs, as the DTD orders them
    return bytes(store)


def pairs_tmx(rows: Iterable[tuple[str, str]], title: str = "") -> bytes:
    """Sentence pairs (a page's, edits included) as TMX: those with Thai to remember."""
    units = []
    for source, target in rows:
        try:
            units.append(make_unit(source, target))
        except UnitInvalid:
            continue  # a line without Thai, or only names and numbers
    return export_tmx(units)


def import_tmx(data: bytes, now: float | None = None) -> Imported:
    """The units of a TMX file (TmxInvalid when it cannot be read at all)."""
    from service.formats.base import FormatError
    from service.formats.safexml import parse

    try:
        parse(data, "the TMX file")  # refuses entity declarations before anything else reads it
        store = _tmx().tmxfile.parsestring(data)
    except FormatError as exc:
        raise TmxInvalid(str(exc)) from None
    except Exception as exc:  # translate-toolkit raises assorted errors on a broken file
        raise TmxInvalid(f"not a TMX file ({exc})") from None
    imported = Imported()
    stamp = time.time() if now is None else now
    for unit in store.units:
        made = _unit(unit, stamp)
        if made is None:
            imported.skipped += 1
        else:
            imported.units.append(made)
    return imported


def _unit(tu: Any, now: float) -> MemoryUnit | None:
    texts = _texts(tu)
    source, target = texts.get("th"), texts.get("en")
    if not source or not target:
        return None
    element = tu.xmlelement
    props = {p.get("type"): p.text or "" for p in element.iterchildren("prop")}
    created = _stamp(element.get("creationdate"), now)
    changed = _stamp(element.get("changedate"), created)
    try:
        if all(name in props for name in PROPS):
            fixed = {int(k): str(v) for k, v in json.loads(props[PROPS[2]]).items()}
            return unit_from_parts(
                source, target, props[PROPS[0]], props[PROPS[1]], fixed, created, changed
            )
        unit = make_unit(source, target, now=created)
    except (UnitInvalid, ValueError, TypeError, AttributeError):
        return None
    return MemoryUnit(
        unit.source, unit.target, unit.masked_source, unit.masked_target, unit.fixed,
        created, changed,
    )  # fmt: skip


def _texts(tu: Any) -> dict[str, str]:
    """Primary language subtag → the text of its first ``<tuv>`` (inline codes dropped)."""
    texts: dict[str, str] = {}
    for tuv in tu.getlanguageNodes():
        lang = (tuv.get(XML_LANG) or tuv.get("lang") or "").split("-")[0].split("_")[0].lower()
        seg = tuv.find("seg")
        if lang and seg is not None and lang not in texts:
            texts[lang] = _plain(seg)
    return texts


def _plain(seg: etree._Element) -> str:
    """The text of a ``<seg>`` without inline codes (their content is markup, not words),
    keeping the text that follows each code."""
    parts = [seg.text or ""]
    for child in seg:
        if child.tag in ("hi", "sub"):  # words inside: kept
            parts.append(_plain(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _stamp(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return float(calendar.timegm(time.strptime(value, _STAMP)))
    except ValueError:
        return default
