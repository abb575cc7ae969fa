"""The desk in a SQLite file (``THAIMT_DESK_PATH``): one machine, any number of processes.

WAL mode and a busy timeout let several servers on one machine share the file; each write is
one ``BEGIN IMMEDIATE`` transaction, so the change feed's sequence numbers are committed in
order. Unlike the translation cache this file holds what people made: a damaged file is never
moved aside or replaced. If it cannot be opened the desk answers 503 (retrying the file every
``REOPEN_AFTER_S``) and translation goes on without it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from service.desk.glossaries import GlossaryRecord
from service.desk.memory import MemoryUnit
from service.desk.store import Changes, DeskStore, DeskUnavailable
from service.state.faults import FaultTracker

log = logging.getLogger(__name__)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS glossaries (
    team TEXT NOT NULL,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    created REAL NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (team, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS units (
    team TEXT NOT NULL,
    key TEXT NOT NULL,
    unit TEXT,  -- NULL: removed (kept so the change feed tells every index)
    seq INTEGER NOT NULL,
    PRIMARY KEY (team, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS units_feed ON units (team, seq);
CREATE TABLE IF NOT EXISTS feed (team TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
"""
_CHUNK = 500  # "?" parameters per statement, well under SQLite's limit
_PAGE = 1000  # units per read of an export
REOPEN_AFTER_S = 30.0


class SqliteDesk(DeskStore):
    def __init__(self, path: str | Path, busy_timeout_s: float = 5.0) -> None:
        super().__init__(FaultTracker("desk (SQLite)", log))
        self.path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._retry_at = 0.0
        with self._lock:
            self._open()

    @property
    def status(self) -> str:
        return "degraded" if self._conn is None or self.faults.degraded else "ok"

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # Glossaries

    def put_glossary(self, record: GlossaryRecord) -> None:
        row = (record.team, record.glossary_id, record.version, record.creation_time)
        self._run(
            lambda c: c.execute(
                "INSERT INTO glossaries (team, id, version, created, record) VALUES (?,?,?,?,?) "
                "ON CONFLICT(team, id) DO UPDATE SET version = excluded.version, "
                "record = excluded.record",
                (*row, record.dumps()),
            ),
            write=True,
        )

    def glossary(self, team: str, glossary_id: str) -> GlossaryRecord | None:
        row = self._run(
            lambda c: c.execute(
                "SELECT record FROM glossaries WHERE team = ? AND id = ?", (team, glossary_id)
            ).fetchone()
        )
        return None if row is None else GlossaryRecord.loads(row[0])

    def glossary_version(self, team: str, glossary_id: str) -> str | None:
        row = self._run(
            lambda c: c.execute(
                "SELECT version FROM glossaries WHERE team = ? AND id = ?", (team, glossary_id)
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def glossaries(self, team: str) -> list[GlossaryRecord]:
        rows = self._run(
            lambda c: c.execute(
                "SELECT record FROM glossaries WHERE team = ? ORDER BY created, id", (team,)
            ).fetchall()
        )
        return [GlossaryRecord.loads(r[0]) for r in rows]

    def delete_glossary(self, team: str, glossary_id: str) -> bool:
        cursor = self._run(
            lambda c: c.execute(
                "DELETE FROM glossaries WHERE team = ? AND id = ?", (team, glossary_id)
            ),
            write=True,
        )
        return cursor.rowcount > 0

    # Translation memory

    def put_units(self, team: str, units: Sequence[MemoryUnit]) -> None:
        if units:
            pairs = [(u.key, u.dumps()) for u in units]
            self._run(lambda c: self._write_units(c, team, pairs), write=True)

    def units(self, team: str, keys: Sequence[str]) -> dict[str, MemoryUnit]:
        if not keys:
            return {}
        return self._run(lambda c: self._select_units(c, team, list(dict.fromkeys(keys))))

    def delete_units(self, team: str, keys: Sequence[str]) -> int:
        if not keys:
            return 0
        return self._run(lambda c: self._write_units(c, team, [(k, None) for k in keys]), True)

    def unit_count(self, team: str) -> int:
        row = self._run(
            lambda c: c.execute(
                "SELECT COUNT(*) FROM units WHERE team = ? AND unit IS NOT NULL", (team,)
            ).fetchone()
        )
        return int(row[0])

    def all_units(self, team: str) -> Iterator[MemoryUnit]:
        after = ""
        while True:
            rows = self._run(
                lambda c, a=after: c.execute(  # type: ignore[misc]
                    "SELECT key, unit FROM units WHERE team = ? AND key > ? AND unit IS NOT NULL "
                    "ORDER BY key LIMIT ?",
                    (team, a, _PAGE),
                ).fetchall()
            )
            for _, unit in rows:
                yield MemoryUnit.loads(unit)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def changes(self, team: str, since: int) -> Changes:
        def read(conn: sqlite3.Connection) -> Changes:
            rows = conn.execute(
                "SELECT key, unit, seq FROM units WHERE team = ? AND seq > ? ORDER BY seq",
                (team, since),
            ).fetchall()
            seq = max((r[2] for r in rows), default=since)
            units = [(k, None if u is None else MemoryUnit.loads(u)) for k, u, _ in rows]
            return Changes(seq, units)

        return self._run(read)

    # Statements

    def _write_units(
        self, conn: sqlite3.Connection, team: str, pairs: Sequence[tuple[str, str | None]]
    ) -> int:
        """One feed step: units written (or removed, ``None``: only those there were) under the
        team's next sequence number; returns how many of the keys held a unit before."""
        existing = set(self._select_units(conn, team, [k for k, _ in pairs]))
        rows = [(key, unit) for key, unit in pairs if unit is not None or key in existing]
        if not rows:
            return 0
        seq = conn.execute(
            "INSERT INTO feed (team, seq) VALUES (?, 1) "
            "ON CONFLICT(team) DO UPDATE SET seq = seq + 1 RETURNING seq",
            (team,),
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO units (team, key, unit, seq) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(team, key) DO UPDATE SET unit = excluded.unit, seq = excluded.seq",
            [(team, key, unit, seq) for key, unit in rows],
        )
        return len(existing)

    def _select_units(
        self, conn: sqlite3.Connection, team: str, keys: list[str]
    ) -> dict[str, MemoryUnit]:
        found: dict[str, MemoryUnit] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT key, unit FROM units WHERE team = ? AND key IN ({marks}) "
                "AND unit IS NOT NULL",
                [team, *chunk],
            ).fetchall()
            found.update((k, MemoryUnit.loads(u)) for k, u in rows)
        return found

    # The connection

    def _run(self, statement: Callable[[sqlite3.Connection], T], write: bool = False) -> T:
        """Run ``statement`` (in one immediate transaction when it writes); DeskUnavailable
        when the file cannot be used."""
        with self._lock:
            conn = self._usable()
            try:
                if write:
                    conn.execute("BEGIN IMMEDIATE")
                result = statement(conn)
                if write:
                    conn.commit()
                return result
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.rollback()
                self.faults.record(type(exc).__name__, exc, "the desk answers 503")
                raise DeskUnavailable(f"the desk's file cannot be used: {exc}") from exc

    def _usable(self) -> sqlite3.Connection:
        if self._conn is None and time.monotonic() >= self._retry_at:
            self._open()
        if self._conn is None:
            raise DeskUnavailable(f"the desk's file {self.path} cannot be opened; see the log")
        return self._conn

    def _open(self) -> None:
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(self.path),
                check_same_thread=False,
                timeout=self._busy_timeout_s,
                isolation_level=None,  # transactions are begun explicitly
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            self._retry_at = time.monotonic() + REOPEN_AFTER_S
            self.faults.record("open", exc, f"glossaries and memory answer 503 (retrying every "
                                            f"{REOPEN_AFTER_S:g} s)")  # fmt: skip
            return
        self._conn = conn
