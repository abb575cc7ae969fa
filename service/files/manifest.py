"""The resumable manifest: an append-only JSON Lines file in OUTDIR, one record per finished file.

A record is appended (and fsynced) only after its output was atomically renamed into place, so a
kill at any moment leaves either a finished file with its record or no record. The latest record
for an output wins; a torn last line from a kill is ignored. Each record is one write, cut back
when the disk takes only part of it (a full disk never tears a line), and the manifest is never
read or written through a symlink or a hard link (:mod:`service.files.safe_io`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from service.files.safe_io import append_record, read_records

MANIFEST_NAME = ".thaimt-manifest.jsonl"


@dataclass(frozen=True)
class FileRecord:
    output: str  # output path relative to OUTDIR, "/"-separated
    source: str  # source path as given
    sha256: str  # of the source bytes
    model: str  # model id @ revision (backend) that translated it
    options: str  # hash of everything else that changes the output (format, fields, glossary, ...)
    encoding: str
    characters: int
    finished_at: float

    def matches(self, sha256: str, model: str, options: str) -> bool:
        return (self.sha256, self.model, self.options) == (sha256, model, options)


class Manifest:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.path = outdir / MANIFEST_NAME
        self.records: dict[str, FileRecord] = {}
        self._load()

    def _load(self) -> None:
        text = read_records(self.outdir, MANIFEST_NAME).decode("utf-8", errors="replace")
        for line in text.splitlines():
            try:
                record = FileRecord(**json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue  # a line torn by a kill, or from an incompatible version
            self.records[record.output] = record

    def is_finished(self, output: str, sha256: str, model: str, options: str) -> bool:
        record = self.records.get(output)
        return record is not None and record.matches(sha256, model, options)

    def record(self, record: FileRecord) -> None:
        """Append ``record`` (raises OSError when it cannot be written; nothing torn is left)."""
        self.outdir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
        append_record(self.outdir, MANIFEST_NAME, line.encode("utf-8"))
        self.records[record.output] = record


def new_record(
    output: str, source: str, sha256: str, model: str, options: str, encoding: str, characters: int
) -> FileRecord:
    return FileRecord(output, source, sha256, model, options, encoding, characters, time.time())
