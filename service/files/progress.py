"""Progress on stderr while a batch runs (files, segments, rate, ETA), then the summary."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from service.files.summary import BatchSummary, format_summary


class Progress:
    """A tqdm bar over files with the segment rate as postfix, drawn only on a terminal (a log
    file or a pipe gets the summary line alone); silent when ``quiet``.

    Per-file failures are printed as they happen even when quiet: a script must see them.
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.segments = 0
        self._bar: Any = None
        self._started = time.monotonic()

    def start(self, total_files: int) -> None:
        self._started = time.monotonic()
        if self.quiet or not _is_terminal(self.stream):
            return
        from tqdm import tqdm

        self._bar = tqdm(total=total_files, unit="file", file=self.stream, dynamic_ncols=True)

    def add_segments(self, count: int) -> None:
        self.segments += count
        if self._bar is not None:
            elapsed = max(time.monotonic() - self._started, 1e-9)
            self._bar.set_postfix_str(f"{self.segments} segments, {self.segments / elapsed:.1f}/s")

    def file_done(self, status: str) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def file_failed(self, source: str, reason: str) -> None:
        message = f"thaimt: failed: {source}: {reason}"
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
            self._bar.update(1)
        else:
            print(message, file=self.stream)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def report(self, summary: BatchSummary) -> None:
        if not self.quiet:
            print(format_summary(summary), file=self.stream)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False
