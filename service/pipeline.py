"""The article pipeline's text work, before and after the model.

    text → normalise → lines (paragraphs) → Thai sentences → protected spans → masked segments
         → (the model) → restored spans → sentences joined → lines → the article

:func:`prepare_documents` does everything before the model and returns, per document, the masked
segments with their token ids (counted once, for the budget check, and carried to the model)
together with the map needed to undo the masking; :func:`assemble_document` puts model outputs
back. :mod:`service.workflow` runs the whole sequence (cache and model included) for every front
end.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from models.backend import DecodeOptions, ModelOutput, Segment
from service.text.budget import split_to_budget
from service.text.confidence import aggregate_confidence, segment_confidence
from service.text.flags import finish_output
from service.text.normalize import has_thai, normalize, split_lines_and_breaks
from service.text.protect import ProtectedSpan, SpanMap, find_spans, mask
from service.text.restore import restore
from service.text.sentences import split_sentences


class Remembered(Protocol):
    """An approved human translation of a masked segment (the desk's translation memory,
    :mod:`service.desk.memory`)."""

    @property
    def unconditional(self) -> bool:
        """Whether it applies to every segment with this masked text (then the model is not
        asked); otherwise :meth:`target_for` decides segment by segment."""
        ...

    @property
    def masked_target(self) -> str: ...

    def target_for(self, span_map: SpanMap) -> str | None:
        """The English with this segment's spans put in, or None where it does not apply."""
        ...


class MemoryLookup(Protocol):
    """A team's translation memory as the workflow asks it: before the cache and the model,
    the exact matches; after assembling, close matches offered beside the translation."""

    def exact(self, segments: Sequence[str]) -> Mapping[str, Remembered]: ...

    def suggest(self, segments: Sequence[SegmentResult]) -> None:
        """Set ``suggestion`` on the segments that have a close match (when asked for)."""
        ...


class Encoder(Protocol):
    """What preparation needs from the model side: its token budget and its tokenizer (a
    :class:`~models.backend.Backend` satisfies it)."""

    @property
    def max_input_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> list[list[int]]: ...


@dataclass(frozen=True)
class TranslateOptions:
    """Per-request options: glossary ``{Thai: English}``, terms never translated, decoding,
    and the translation memory to consult (a team's, on the server)."""

    glossary: Mapping[str, str] = field(default_factory=dict)
    do_not_translate: tuple[str, ...] = ()
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    memory: MemoryLookup | None = None


@dataclass
class SegmentResult:
    source: str  # the sentence (or budget piece) as it was in the input
    masked: str  # what the model saw
    target_raw: str  # what the model returned
    target: str  # with spans restored
    spans: list[ProtectedSpan]
    alternatives: list[str] = field(default_factory=list)  # next-best, restored, distinct
    flags: tuple[str, ...] = ()  # see service.text.flags
    origin: str = "machine"  # or "memory": an approved translation, used as it is
    suggestion: dict[str, Any] | None = None  # a close match in the memory (when asked for)
    # In [0, 1] (service.text.confidence); None when the model did not translate the segment
    # (no Thai, or an approved translation from the memory) or its score is unknown.
    confidence: float | None = None


def distinct_alternatives(best: str, candidates: Iterable[str]) -> list[str]:
    """The candidates that differ from ``best`` and from each other, in order; none empty.
    Two hypotheses of the beam can read the same once decoded, restored or trimmed, and a
    document-level alternative can equal the best where no segment has that many (LibreTranslate
    filters its n-best the same way, so a request may get fewer alternatives than it asked for)."""
    seen = {best.strip(), ""}
    kept = []
    for candidate in candidates:
        key = candidate.strip()
        if key not in seen:
            seen.add(key)
            kept.append(candidate)
    return kept


@dataclass
class ParagraphResult:
    source: str
    text: str
    segments: list[SegmentResult]
    confidence: float | None = None  # its segments', weighted by source length

    def alternative(self, rank: int) -> str:
        """The paragraph built from each segment's ``rank``-th alternative (its best
        translation where it has fewer)."""
        if not self.segments:
            return self.text
        picked = [
            s.alternatives[rank] if rank < len(s.alternatives) else s.target for s in self.segments
        ]
        indent = self.text[: len(self.text) - len(self.text.lstrip())]
        trail = self.text[len(self.text.rstrip()) :] if self.text.strip() else ""
        return indent + " ".join(t for t in (p.strip() for p in picked) if t) + trail

    def alternatives(self, count: int) -> list[str]:
        """At most ``count`` alternative translations of the paragraph, each unlike the text."""
        return distinct_alternatives(self.text, (self.alternative(r) for r in range(count)))


@dataclass
class DocumentResult:
    text: str
    paragraphs: list[ParagraphResult]
    line_breaks: list[str] = field(default_factory=list)  # after each paragraph but the last
    confidence: float | None = None  # its segments', weighted by source length

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def alternative(self, rank: int) -> str:
        """The document built from each paragraph's ``rank``-th alternative."""
        return join_lines([p.alternative(rank) for p in self.paragraphs], self.line_breaks)

    def alternatives(self, count: int) -> list[str]:
        """At most ``count`` alternative translations of the whole document (n-best, per
        segment: rank k takes each segment's k-th alternative), each unlike the text."""
        return distinct_alternatives(self.text, (self.alternative(r) for r in range(count)))


@dataclass
class PreparedSegment:
    source: str
    masked: str
    span_map: SpanMap
    ids: tuple[int, ...] = ()  # token ids of ``masked`` (only for segments that need the model)

    @property
    def needs_model(self) -> bool:
        """A segment left with no Thai once masked (a term, a number) is restored directly."""
        return has_thai(self.masked)

    @property
    def model_input(self) -> Segment:
        return Segment(self.masked, self.ids)


@dataclass
class PreparedParagraph:
    """One input line. ``passthrough`` lines (no Thai) are copied to the output unchanged."""

    source: str
    indent: str  # leading whitespace of the line, kept in the output as written
    segments: list[PreparedSegment]
    trail: str = ""  # trailing whitespace of the line, kept in the output as written

    @property
    def passthrough(self) -> bool:
        return not self.segments

    @property
    def requests(self) -> list[str]:
        return [s.masked for s in self.segments if s.needs_model]

    @property
    def inputs(self) -> list[Segment]:
        return [s.model_input for s in self.segments if s.needs_model]


@dataclass
class PreparedDocument:
    paragraphs: list[PreparedParagraph]
    line_breaks: list[str] = field(default_factory=list)  # as written: "\n", "\r\n", ...

    @property
    def requests(self) -> list[str]:
        return [m for p in self.paragraphs for m in p.requests]

    @property
    def inputs(self) -> list[Segment]:
        return [s for p in self.paragraphs for s in p.inputs]


class _Encodings:
    """Token ids of every text encoded while preparing one request, so each distinct text
    reaches the tokenizer once: the budget check's count gives the ids the model runs on."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.ids: dict[str, tuple[int, ...]] = {}

    def count(self, texts: Sequence[str]) -> list[int]:
        todo = list(dict.fromkeys(t for t in texts if t not in self.ids))
        if todo:
            fresh = self.encoder.encode(todo)
            self.ids.update((t, tuple(ids)) for t, ids in zip(todo, fresh, strict=True))
        return [len(self.ids[t]) for t in texts]

    def of(self, text: str) -> tuple[int, ...]:
        if text not in self.ids:
            self.count([text])
        return self.ids[text]


def prepare_documents(
    texts: Sequence[str], options: TranslateOptions, encoder: Encoder
) -> list[PreparedDocument]:
    """Everything before the model, for several documents (one tokenizer memory for all)."""
    encodings = _Encodings(encoder)
    return [_prepare_document(text, options, encoder, encodings) for text in texts]


def prepare_document(text: str, options: TranslateOptions, encoder: Encoder) -> PreparedDocument:
    """Everything before the model: one :class:`PreparedParagraph` per input line."""
    return prepare_documents([text], options, encoder)[0]


def _prepare_document(
    text: str, options: TranslateOptions, encoder: Encoder, encodings: _Encodings
) -> PreparedDocument:
    lines, breaks = split_lines_and_breaks(text)
    paragraphs = [_prepare_paragraph(line, options, encoder, encodings) for line in lines]
    return PreparedDocument(paragraphs, breaks)


def _prepare_paragraph(
    raw_line: str, options: TranslateOptions, encoder: Encoder, encodings: _Encodings
) -> PreparedParagraph:
    """One line: copied through as it is when it has no Thai, else split and masked; the
    whitespace around a translated line comes back as written."""
    line = normalize(raw_line)
    if not has_thai(line):
        return PreparedParagraph(_passthrough(raw_line, line), "", [])
    indent = raw_line[: len(raw_line) - len(raw_line.lstrip())]
    trail = raw_line[len(raw_line.rstrip()) :]
    body = normalize(raw_line.strip()).strip()
    spans = find_spans(body, options.glossary, options.do_not_translate)
    segments: list[PreparedSegment] = []
    sentences = split_sentences(body, [(s.start, s.end) for s in spans])
    for sentence, offset in zip(sentences, _offsets(sentences), strict=True):
        local = _spans_within(spans, offset, offset + len(sentence))
        segments.extend(_prepare_sentence(sentence, offset, local, encoder, encodings))
    return PreparedParagraph(_passthrough(raw_line, line), indent, segments, trail)


def _offsets(pieces: Sequence[str]) -> list[int]:
    """Where each of consecutive ``pieces`` starts."""
    offsets, position = [], 0
    for piece in pieces:
        offsets.append(position)
        position += len(piece)
    return offsets


def _spans_within(spans: Sequence[ProtectedSpan], start: int, end: int) -> Sequence[ProtectedSpan]:
    """The spans (sorted, disjoint) inside ``[start, end)``, found by bisection: a line of many
    sentences and many spans costs no more than its length."""
    first = bisect.bisect_left(spans, start, key=lambda s: s.start)
    last = bisect.bisect_left(spans, end, key=lambda s: s.start)
    return spans[first:last]


def _passthrough(raw_line: str, normalized: str) -> str:
    """The raw line, unless it holds lone surrogates that no output encoding could carry."""
    try:
        raw_line.encode("utf-8")
    except UnicodeEncodeError:
        return normalized
    return raw_line


def _prepare_sentence(
    sentence: str,
    offset: int,
    spans: Sequence[ProtectedSpan],
    encoder: Encoder,
    encodings: _Encodings,
) -> list[PreparedSegment]:
    """Mask one sentence; split it further when it exceeds the model's token budget."""
    core = sentence.strip()
    if not core:
        return []
    start = offset + sentence.index(core)
    local = [
        replace(s, start=s.start - start, end=s.end - start)
        for s in spans
        if s.start >= start and s.end <= start + len(core)
    ]
    masked, span_map = mask(core, local)
    if not has_thai(masked):  # only spans: restored directly, never tokenised
        return [PreparedSegment(core, masked, span_map)]
    pieces = split_to_budget(masked, encodings.count, encoder.max_input_tokens)
    segments = []
    for piece in pieces:
        piece_map = span_map.subset(piece)
        source = core if len(pieces) == 1 else restore(piece, piece_map)
        ids = encodings.of(piece) if has_thai(piece) else ()
        segments.append(PreparedSegment(source, piece, piece_map, ids))
    return segments


def assemble_paragraph(
    paragraph: PreparedParagraph,
    outputs: Sequence[ModelOutput | None],
    memory: Mapping[str, Remembered] | None = None,
) -> ParagraphResult:
    """Restore spans in each model output and rebuild the line. A segment the memory has
    (and applies to) takes the approved English instead; its output may then be None."""
    expected = len(paragraph.requests)
    if len(outputs) != expected:
        raise ValueError(f"expected {expected} translations, got {len(outputs)}")
    if paragraph.passthrough:
        return ParagraphResult(paragraph.source, paragraph.source, [])
    given = iter(outputs)
    results = []
    for seg in paragraph.segments:
        output = next(given) if seg.needs_model else ModelOutput(seg.masked, 0)
        remembered = memory.get(seg.masked) if memory and seg.needs_model else None
        approved = remembered.target_for(seg.span_map) if remembered is not None else None
        if approved is not None and remembered is not None:
            results.append(_remembered(seg, remembered.masked_target, approved))
            continue
        if output is None:
            raise ValueError(f"no translation of {seg.masked!r}")
        results.append(_translated(seg, output))
    body = " ".join(t for t in (r.target.strip() for r in results) if t)
    text = paragraph.indent + body + (paragraph.trail if body else "")
    confidence = aggregate_confidence((r.confidence, len(r.source)) for r in results)
    return ParagraphResult(paragraph.source, text, results, confidence)


def _translated(seg: PreparedSegment, output: ModelOutput) -> SegmentResult:
    done = finish_output(seg.source, seg.span_map, output.text, modelled=seg.needs_model)
    alternatives = distinct_alternatives(
        done.text,
        (finish_output(seg.source, seg.span_map, a).text for a in output.alternatives),
    )
    confidence = segment_confidence(output.score, done.flags) if seg.needs_model else None
    return SegmentResult(
        seg.source, seg.masked, output.text, done.text, seg.span_map.spans, alternatives,
        done.flags, confidence=confidence,
    )  # fmt: skip


def _remembered(seg: PreparedSegment, raw: str, approved: str) -> SegmentResult:
    """An approved translation: as the editor wrote it (no flags: a person checked it)."""
    return SegmentResult(seg.source, seg.masked, raw, approved, seg.span_map.spans, origin="memory")


def assemble_document(
    prepared: PreparedDocument,
    outputs: Mapping[str, ModelOutput],
    memory: Mapping[str, Remembered] | None = None,
) -> DocumentResult:
    """The document from a ``{masked segment: model output}`` mapping (and the memory's
    approved translations, which need no output)."""
    paragraphs = [
        assemble_paragraph(p, [outputs.get(r) for r in p.requests], memory)
        for p in prepared.paragraphs
    ]
    text = join_lines([p.text for p in paragraphs], prepared.line_breaks)
    confidence = aggregate_confidence(
        (s.confidence, len(s.source)) for p in paragraphs for s in p.segments
    )
    return DocumentResult(text, paragraphs, list(prepared.line_breaks), confidence)


def join_lines(lines: Sequence[str], breaks: Sequence[str]) -> str:
    """Lines joined with the line breaks that followed them in the source ("\n" if unknown)."""
    parts = [lines[0]] if lines else []
    for number, line in enumerate(lines[1:]):
        parts += [breaks[number] if number < len(breaks) else "\n", line]
    return "".join(parts)


def unique_inputs(prepared: Sequence[PreparedDocument]) -> list[Segment]:
    """Each distinct masked segment once, in first-seen order: repeats cost one model slot."""
    unique: dict[str, Segment] = {}
    for doc in prepared:
        for segment in doc.inputs:
            unique.setdefault(segment.text, segment)
    return list(unique.values())
