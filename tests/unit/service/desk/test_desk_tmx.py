"""TMX in and out: our export comes back identical; other tools' files are read too."""

from __future__ import annotations

from pathlib import Path

import pytest
from translate.storage import tmx

from service.desk.books import MemoryBook
from service.desk.memory import MemoryUnit, make_unit
from service.desk.sqlite import SqliteDesk
from service.desk.tmx import TmxInvalid, export_tmx, import_tmx

CONSONANTS = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮ"


def thai_code(number: int) -> str:
    """A distinct Thai 'word' per number (numbers themselves are masked alike)."""
    letters = ""
    while True:
        number, digit = divmod(number, len(CONSONANTS))
        letters += CONSONANTS[digit]
        if not number:
            return letters


def units(count: int) -> list[MemoryUnit]:
    return [
        make_unit(f"ประชุม{thai_code(i)}ครั้งที่ {i} ที่ห้อง {i % 7} ของ EEC",
                  f"Meeting {i} in room {i % 7} of the EEC",
                  {"ห้อง": "room"} if i % 2 else None, now=1_700_000_000.0 + i)
        for i in range(count)
    ]  # fmt: skip


@pytest.mark.slow  # 10,000 units made, written, read twice (about 10 s)
def test_ten_thousand_units_export_and_import_identical(tmp_path: Path) -> None:
    made = units(10_000)
    data = export_tmx(made)
    assert len(tmx.tmxfile.parsestring(data).units) == 10_000  # translate-toolkit reads it
    back = import_tmx(data)
    assert back.skipped == 0 and back.units == made
    book = MemoryBook(SqliteDesk(tmp_path / "desk.sqlite3"))
    imported = book.import_tmx("news", data)
    assert len(imported.units) == 10_000 and book.count("news") == 10_000
    assert import_tmx(book.export_tmx("news")).units == sorted(made, key=lambda u: u.key)


def test_a_foreign_tmx_is_masked_here_and_its_oddities_skipped() -> None:
    foreign = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="th-TH" datatype="plaintext" segtype="sentence"
 adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>
<tu creationdate="20240102T030405Z"><tuv xml:lang="th-TH">
<seg>ราคา <ph x="1">&lt;b&gt;</ph>100 บาท</seg></tuv>
<tuv xml:lang="en-GB"><seg>It costs 100 baht</seg></tuv></tu>
<tu><tuv xml:lang="th"><seg>Only English here</seg></tuv><tuv xml:lang="en"><seg>x</seg></tuv></tu>
<tu><tuv xml:lang="fr"><seg>bonjour</seg></tuv></tu>
</body></tmx>"""
    done = import_tmx(foreign.encode())
    [unit] = done.units
    assert done.skipped == 2
    assert (unit.source, unit.masked_source, unit.masked_target) == (
        "ราคา 100 บาท",
        "ราคา ZX0 บาท",
        "It costs {0} baht",
    )
    assert unit.created == 1704164645.0


@pytest.mark.parametrize(
    "data",
    [b"not xml", b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "b">]><tmx/>'],
)
def test_unreadable_files_are_refused(data: bytes) -> None:
    with pytest.raises(TmxInvalid):
        import_tmx(data)
