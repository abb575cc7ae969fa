"""What a batch run did: the counts, the failed and skipped files with their reasons, and the
summary printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.review import ReviewItem, format_review

UNCHANGED = "unchanged since the last run"


@dataclass
class BatchSummary:
    ok: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skip_reasons: dict[str, str] = field(default_factory=dict)  # source -> why it was skipped
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    characters: int = 0
    segments: int = 0
    model_calls: int = 0
    seconds: float = 0.0  # wall time from the start of the command
    loading_seconds: float | None = None  # of which loading the model (the CLI knows it)
    interrupted: bool = False
    # The segments to check first: the run's least confident, least first (written files only).
    least_confident: list[ReviewItem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


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
