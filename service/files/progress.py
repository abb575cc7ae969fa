"""Progress on stderr while a batch runs (files, segments, rate, ETA) and the final summary."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from service.review import format_review

if TYPE_CHECKING:
    from service.files.runner import BatchSummary

UNCHANGED = "unchanged since the last run"


class Progress:
    """A tqdm bar over files with the segment rate as postfix; silent when ``quiet``.

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
        if self.quiet:
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


MAX_LISTED = 20  # skipped files listed per reason; the rest are counted


def format_summary(summary: BatchSummary) -> str:
    """The counts, then every failed file with its reason, then the skipped files by reason
    (files unchanged since the last run are only counted), then the least confident segments."""
    loading = summary.loading_seconds
    working = summary.seconds - (loading or 0.0)  # the rate is the translation's own
    rate = summary.segments / working if working > 0 else 0.0
    lines = [
        f"{'interrupted' if summary.interrupted else 'done'}: {len(summary.ok)} ok, "
        f"{len(summary.failed)} failed, {len(summary.skipped)} skipped; "
        f"{summary.characters} characters, {summary.segments} segments "
        f"({summary.model_calls} model calls) in {summary.seconds:.1f}s"
        + (f" ({loading:.1f}s of it loading the model)" if loading is not None else "")
        + f" ({rate:.1f} segments/s)"
    ]
    lines += [f"  failed: {source}: {reason}" for source, reason in summary.failed]
    by_reason: dict[str, list[str]] = {}
    for source in summary.skipped:
        by_reason.setdefault(summary.skip_reasons.get(source, "skipped"), []).append(source)
    for reason, sources in by_reason.items():
        if reason == UNCHANGED:
            lines.append(f"  skipped: {len(sources)} file(s) {reason}")
            continue
        lines += [f"  skipped: {source}: {reason}" for source in sources[:MAX_LISTED]]
        if len(sources) > MAX_LISTED:
            lines.append(f"  skipped: ... and {len(sources) - MAX_LISTED} more: {reason}")
    if summary.least_confident:
        count = len(summary.least_confident)
        lines.append(f"least confident {count} segment(s), check these first (confidence 0–1):")
        lines += format_review(summary.least_confident)
    return "\n".join(lines)
