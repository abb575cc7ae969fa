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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from models.backend import DecodeOptions, ModelOutput, Segment
from service.text.budget import split_to_budget
from service.text.flags import finish_output
from service.text.normalize import has_thai, normalize, split_lines
from service.text.protect import ProtectedSpan, SpanMap, find_spans, mask
from service.text.restore import restore
from service.text.sentences import split_sentences


class Encoder(Protocol):
    """What preparation needs from the model side: its token budget and its tokenizer (a
    :class:`~models.backend.Backend` satisfies it)."""

    @property
    def max_input_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> list[list[int]]: ...


@dataclass(frozen=True)
class TranslateOptions:
    """Per-request options: glossary ``{Thai: English}``, terms never translated, decoding."""

    glossary: Mapping[str, str] = field(default_factory=dict)
    do_not_translate: tuple[str, ...] = ()
    decode: DecodeOptions = field(default_factory=DecodeOptions)


@dataclass
class SegmentResult:
    source: str  # the sentence (or budget piece) as it was in the input
    masked: str  # what the model saw
    target_raw: str  # what the model returned
    target: str  # with spans restored
    spans: list[ProtectedSpan]
    alternatives: list[str] = field(default_factory=list)  # next-best, restored, distinct
    flags: tuple[str, ...] = ()  # see service.text.flags


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

    def alternative(self, rank: int) -> str:
        """The paragraph built from each segment's ``rank``-th alternative (its best
        translation where it has fewer)."""
        if not self.segments:
            return self.text
        picked = [
            s.alternatives[rank] if rank < len(s.alternatives) else s.target for s in self.segments
        ]
        indent = self.text[: len(self.text) - len(self.text.lstrip())]
        return indent + " ".join(t for t in (p.strip() for p in picked) if t)

    def alternatives(self, count: int) -> list[str]:
        """At most ``count`` alternative translations of the paragraph, each unlike the text."""
        return distinct_alternatives(self.text, (self.alternative(r) for r in range(count)))


@dataclass
class DocumentResult:
    text: str
    paragraphs: list[ParagraphResult]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def alternative(self, rank: int) -> str:
        """The document built from each paragraph's ``rank``-th alternative."""
        return "\n".join(p.alternative(rank) for p in self.paragraphs)

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
    indent: str  # leading whitespace of the line, kept in the output
    segments: list[PreparedSegment]

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
    return PreparedDocument(
        [_prepare_paragraph(line, options, encoder, encodings) for line in split_lines(text)]
    )


def _prepare_paragraph(
    raw_line: str, options: TranslateOptions, encoder: Encoder, encodings: _Encodings
) -> PreparedParagraph:
    """One line: copied through as it is when it has no Thai, else split and masked."""
    line = normalize(raw_line)
    if not has_thai(line):
        return PreparedParagraph(_passthrough(raw_line, line), "", [])
    body = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    spans = find_spans(body, options.glossary, options.do_not_translate)
    segments: list[PreparedSegment] = []
    offset = 0
    for sentence in split_sentences(body, [(s.start, s.end) for s in spans]):
        segments.extend(_prepare_sentence(sentence, offset, spans, encoder, encodings))
        offset += len(sentence)
    return PreparedParagraph(_passthrough(raw_line, line), indent, segments)


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
    paragraph: PreparedParagraph, outputs: Sequence[ModelOutput]
) -> ParagraphResult:
    """Restore spans in each model output and rebuild the line."""
    expected = len(paragraph.requests)
    if len(outputs) != expected:
        raise ValueError(f"expected {expected} translations, got {len(outputs)}")
    if paragraph.passthrough:
        return ParagraphResult(paragraph.source, paragraph.source, [])
    given = iter(outputs)
    results = []
    for seg in paragraph.segments:
        output = next(given) if seg.needs_model else ModelOutput(seg.masked, 0)
        done = finish_output(seg.source, seg.span_map, output.text, modelled=seg.needs_model)
        alternatives = distinct_alternatives(
            done.text,
            (finish_output(seg.source, seg.span_map, a).text for a in output.alternatives),
        )
        results.append(
            SegmentResult(
                seg.source,
                seg.masked,
                output.text,
                done.text,
                seg.span_map.spans,
                alternatives,
                done.flags,
            )
        )
    body = " ".join(t for t in (r.target.strip() for r in results) if t)
    return ParagraphResult(paragraph.source, paragraph.indent + body, results)


def assemble_document(
    prepared: PreparedDocument, outputs: Mapping[str, ModelOutput]
) -> DocumentResult:
    """The document from a ``{masked segment: model output}`` mapping."""
    paragraphs = [
        assemble_paragraph(p, [outputs[r] for r in p.requests]) for p in prepared.paragraphs
    ]
    return DocumentResult("\n".join(p.text for p in paragraphs), paragraphs)


def unique_inputs(prepared: Sequence[PreparedDocument]) -> list[Segment]:
    """Each distinct masked segment once, in first-seen order: repeats cost one model slot."""
    unique: dict[str, Segment] = {}
    for doc in prepared:
        for segment in doc.inputs:
            unique.setdefault(segment.text, segment)
    return list(unique.values())
