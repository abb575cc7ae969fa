"""Named glossaries a team keeps on the server: the record, its checks, and how one joins a
request's own glossary.

A glossary is Thai → English entries plus terms kept exactly as written (do-not-translate),
owned by one team, with the fields DeepL's glossary model has (``name``, ``source_lang``,
``target_lang``, ``entry_count``, ``creation_time``, ``ready``) so a DeepL-shaped route can
answer from the same record. Every language pair is ``th`` → ``en``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from service.text.normalize import normalize

MAX_ENTRIES = 10_000  # entries plus do-not-translate terms of one stored glossary
MAX_TERM_CHARS = 200
MAX_NAME_CHARS = 200
SOURCE_LANGS = ("th",)
TARGET_LANGS = ("en",)


class GlossaryInvalid(ValueError):
    """Entries, terms, a name or languages that cannot make a glossary (the message says
    what to send)."""


class GlossaryNotFound(LookupError):
    """No glossary with this id in the caller's team (another team's is not found either)."""

    def __init__(self, glossary_id: str) -> None:
        super().__init__(f"no glossary {glossary_id!r} in this team")
        self.glossary_id = glossary_id


@dataclass(frozen=True)
class GlossaryRecord:
    """One stored glossary. ``version`` changes with every write (readers cache by it)."""

    glossary_id: str
    team: str
    name: str
    entries: Mapping[str, str] = field(default_factory=dict)
    do_not_translate: tuple[str, ...] = ()
    source_lang: str = "th"
    target_lang: str = "en"
    creation_time: float = 0.0
    update_time: float = 0.0
    version: str = ""

    def __post_init__(self) -> None:
        # Read-only, and the same object for the record's life: the span finder reuses its
        # compiled term table while it is handed this very mapping.
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))

    @property
    def entry_count(self) -> int:
        """Entries plus do-not-translate terms (each counts as one entry)."""
        return len(self.entries) + len(self.do_not_translate)

    @property
    def ready(self) -> bool:
        return True  # usable as soon as it is stored (DeepL's field; never pending here)

    def info(self) -> dict[str, Any]:
        """Everything but the entries (what a list shows)."""
        return {
            "glossary_id": self.glossary_id,
            "name": self.name,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "entry_count": self.entry_count,
            "do_not_translate_count": len(self.do_not_translate),
            "creation_time": iso_time(self.creation_time),
            "update_time": iso_time(self.update_time),
            "ready": self.ready,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.info(),
            "entries": dict(self.entries),
            "do_not_translate": list(self.do_not_translate),
        }

    def dumps(self) -> str:
        """The stored form (JSON)."""
        data = {
            "glossary_id": self.glossary_id,
            "team": self.team,
            "name": self.name,
            "entries": dict(self.entries),
            "do_not_translate": list(self.do_not_translate),
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
            "creation_time": self.creation_time,
            "update_time": self.update_time,
            "version": self.version,
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> GlossaryRecord:
        data = json.loads(text)
        return cls(
            glossary_id=data["glossary_id"],
            team=data["team"],
            name=data["name"],
            entries=data["entries"],
            do_not_translate=tuple(data["do_not_translate"]),
            source_lang=data.get("source_lang", "th"),
            target_lang=data.get("target_lang", "en"),
            creation_time=float(data["creation_time"]),
            update_time=float(data.get("update_time", data["creation_time"])),
            version=str(data.get("version", "")),
        )


def iso_time(stamp: float) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as DeepL writes ``creation_time``."""
    moment = datetime.fromtimestamp(stamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_glossary(
    team: str,
    name: str,
    entries: Mapping[str, str],
    do_not_translate: Sequence[str] = (),
    source_lang: str = "th",
    target_lang: str = "en",
    now: float | None = None,
) -> GlossaryRecord:
    """A checked record with a fresh id (GlossaryInvalid saying what is wrong)."""
    stamp = time.time() if now is None else now
    clean, keep = checked_terms(entries, do_not_translate)
    return GlossaryRecord(
        glossary_id=str(uuid.uuid4()),
        team=team,
        name=checked_name(name),
        entries=clean,
        do_not_translate=keep,
        source_lang=checked_lang(source_lang, SOURCE_LANGS, "source_lang"),
        target_lang=checked_lang(target_lang, TARGET_LANGS, "target_lang"),
        creation_time=stamp,
        update_time=stamp,
        version=uuid.uuid4().hex,
    )


def replaced(
    record: GlossaryRecord,
    name: str | None,
    entries: Mapping[str, str],
    do_not_translate: Sequence[str] = (),
    now: float | None = None,
) -> GlossaryRecord:
    """The same glossary (id, team, creation time) with new contents."""
    clean, keep = checked_terms(entries, do_not_translate)
    return replace(
        record,
        name=record.name if name is None else checked_name(name),
        entries=clean,
        do_not_translate=keep,
        update_time=time.time() if now is None else now,
        version=uuid.uuid4().hex,
    )


def checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise GlossaryInvalid(f"a glossary needs a name of 1-{MAX_NAME_CHARS} characters")
    return name


def checked_lang(code: str, accepted: tuple[str, ...], what: str) -> str:
    lang = code.strip().lower()
    if lang not in accepted:
        raise GlossaryInvalid(
            f"{what} {code!r}: this server's glossaries are Thai (th) → English (en)"
        )
    return lang


def checked_terms(
    entries: Mapping[str, str], do_not_translate: Sequence[str]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Entries and terms in the pipeline's form (normalised, trimmed, de-duplicated), or
    GlossaryInvalid naming the first bad one."""
    clean: dict[str, str] = {}
    for source, target in entries.items():
        term = _term(source, "a glossary term")
        clean[term] = _term(target, f"the English of {source!r}")
    keep = tuple(dict.fromkeys(_term(t, "a do-not-translate term") for t in do_not_translate))
    if len(clean) + len(keep) > MAX_ENTRIES:
        raise GlossaryInvalid(
            f"{len(clean) + len(keep)} entries; a stored glossary holds at most {MAX_ENTRIES} "
            "(entries and do-not-translate terms together)"
        )
    return clean, keep


def _term(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise GlossaryInvalid(f"{what} must be a string, got {type(value).__name__}")
    text = normalize(value).strip()
    if not text or "\n" in text:
        raise GlossaryInvalid(f"{what} must be one non-empty line, got {value!r}")
    if len(text) > MAX_TERM_CHARS:
        raise GlossaryInvalid(f"{what} has {len(text)} characters; the limit is {MAX_TERM_CHARS}")
    return text


def combined(
    stored: GlossaryRecord | None, entries: Mapping[str, str], do_not_translate: Sequence[str]
) -> tuple[Mapping[str, str], tuple[str, ...]]:
    """A stored glossary under a request's own entries and terms: the request wins where both
    have a term. Without request entries the stored mapping itself is returned (its compiled
    term table is reused across requests)."""
    if stored is None:
        return dict(entries), tuple(do_not_translate)
    kept = [t for t in stored.do_not_translate if t not in entries]  # the request's entry wins
    keep = tuple(dict.fromkeys((*kept, *do_not_translate)))
    if not entries:
        return stored.entries, keep
    return {**stored.entries, **entries}, keep
