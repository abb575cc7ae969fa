"""Glossary records, files, and how a stored glossary joins a request's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.desk.books import GlossaryBook
from service.desk.glossaries import GlossaryInvalid, combined, new_glossary
from service.desk.glossary_files import read_terms, write_terms
from service.desk.sqlite import SqliteDesk
from service.desk.store import DeskUnavailable


def test_a_record_has_deepls_fields_and_checked_terms() -> None:
    record = new_glossary("news", " Names ", {" อาลีบาบา ": "Alibaba"}, ["สมคิด", "สมคิด"], "TH", "EN")
    info = record.info()
    assert (info["name"], info["source_lang"], info["target_lang"]) == ("Names", "th", "en")
    assert info["entry_count"] == 2 and info["ready"] is True
    assert info["creation_time"].endswith("Z") and dict(record.entries) == {"อาลีบาบา": "Alibaba"}


@pytest.mark.parametrize(
    ("entries", "keep", "langs", "words"),
    [({"": "x"}, [], ("th", "en"), "non-empty"), ({"ก": "a\nb"}, [], ("th", "en"), "one"),
     ({}, [], ("en", "th"), "Thai"), ({"ก" * 201: "a"}, [], ("th", "en"), "limit")],
)  # fmt: skip
def test_bad_contents_say_what_is_wrong(
    entries: dict[str, str], keep: list[str], langs: tuple[str, str], words: str
) -> None:
    with pytest.raises(GlossaryInvalid, match=words):
        new_glossary("news", "n", entries, keep, *langs)


def test_the_requests_entries_win_over_the_stored_ones() -> None:
    stored = new_glossary("news", "n", {"ก": "stored", "ข": "kept"}, ["ค"])
    assert combined(stored, {}, []) == (stored.entries, ("ค",))  # the same mapping object
    glossary, keep = combined(stored, {"ก": "mine", "ค": "C"}, ["ง"])
    assert glossary == {"ก": "mine", "ข": "kept", "ค": "C"} and keep == ("ง",)


@pytest.mark.parametrize("fmt", ["tsv", "csv", "tbx"])
def test_entries_files_round_trip(fmt: str) -> None:
    entries = {"อาลีบาบา": "Alibaba, Group", "แจ็ค หม่า": 'Jack "Ma"'}
    data = write_terms(entries, ["สมคิด"], fmt)
    terms = read_terms(data, fmt)
    assert terms.entries == entries and terms.do_not_translate == ("สมคิด",)


def test_deepl_pairs_and_bad_lines() -> None:
    assert write_terms({"ก": "a"}, ["ข"], "tsv", keep_as_pairs=True) == "ก\ta\nข\tข\n".encode()
    with pytest.raises(GlossaryInvalid, match="entries:2"):
        read_terms("ก\ta\nข\tb\tc\n", "tsv")
    with pytest.raises(GlossaryInvalid, match="already maps"):
        read_terms("ก,a\nก,b\n", "csv")
    with pytest.raises(GlossaryInvalid, match="entities"):
        read_terms(b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><martif/>', "tbx")


def test_a_translation_keeps_its_glossary_while_the_store_is_down(tmp_path: Path) -> None:
    store = SqliteDesk(tmp_path / "desk.sqlite3")
    book = GlossaryBook(store)
    made = book.create("news", "n", {"ก": "a"})
    first = book.for_translation("news", made.glossary_id)
    assert book.for_translation("news", made.glossary_id) is first  # read once per version
    store.close()
    (tmp_path / "a-file").write_text("")
    store.path = tmp_path / "a-file" / "desk.sqlite3"  # reopening fails: the store cannot answer
    assert book.for_translation("news", made.glossary_id) is first
    with pytest.raises(DeskUnavailable):
        book.for_translation("news", "another")
