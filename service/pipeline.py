"""The article pipeline: the one entry point every I/O layer calls.

    text → normalise → lines (paragraphs) → Thai sentences → protected spans → masked segments
         → (the model) → restored spans → sentences joined → lines → the article

:func:`prepare_document` does everything before the model and returns the masked segments
(``PreparedDocument.requests``) together with the map needed to undo the masking;
:func:`assemble_document` puts model outputs back. The HTTP server, the file batcher and the eval
script differ only in how they get the segments translated in between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

from models.backend import DecodeOptions
from service.text.budget import split_to_budget
from service.text.flags import finish_output
from service.text.normalize import has_thai, normalize, split_lines
from service.text.protect import ProtectedSpan, SpanMap, find_spans, mask
from service.text.restore import restore
from service.text.sentences import split_sentences


class TokenCounter(Protocol):
    """Anything that knows the model's token budget (a backend or an engine)."""

    @property
    def max_input_tokens(self) -> int: ...

    def token_lengths(self, texts: Sequence[str]) -> list[int]: ...


class Translator(TokenCounter, Protocol):
    """Anything that translates masked segments in bulk (the :class:`~service.engine.Engine`)."""

    def translate(self, texts: Sequence[str], options: DecodeOptions) -> list[str]: ...


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
    flags: tuple[str, ...] = ()  # see service.text.flags


@dataclass
class ParagraphResult:
    source: str
    text: str
    segments: list[SegmentResult]


@dataclass
class DocumentResult:
    text: str
    paragraphs: list[ParagraphResult]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PreparedSegment:
    source: str
    masked: str
    span_map: SpanMap

    @property
    def needs_model(self) -> bool:
        """A segment left with no Thai once masked (a term, a number) is restored directly."""
        return has_thai(self.masked)


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


@dataclass
class PreparedDocument:
    paragraphs: list[PreparedParagraph]

    @property
    def requests(self) -> list[str]:
        return [m for p in self.paragraphs for m in p.requests]


def prepare_document(
    text: str, options: TranslateOptions, counter: TokenCounter
) -> PreparedDocument:
    """Everything before the model: one :class:`PreparedParagraph` per input line."""
    lines = split_lines(text)
    return PreparedDocument([prepare_paragraph(line, options, counter) for line in lines])


def prepare_paragraph(
    raw_line: str, options: TranslateOptions, counter: TokenCounter
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
        segments.extend(_prepare_sentence(sentence, offset, spans, counter))
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
    sentence: str, offset: int, spans: Sequence[ProtectedSpan], counter: TokenCounter
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
    pieces = split_to_budget(masked, counter.token_lengths, counter.max_input_tokens)
    segments = []
    for piece in pieces:
        piece_map = span_map.subset(piece)
        source = core if len(pieces) == 1 else restore(piece, piece_map)
        segments.append(PreparedSegment(source, piece, piece_map))
    return segments


def assemble_paragraph(
    paragraph: PreparedParagraph, translations: Sequence[str]
) -> ParagraphResult:
    """Restore spans in each model output and rebuild the line."""
    expected = len(paragraph.requests)
    if len(translations) != expected:
        raise ValueError(f"expected {expected} translations, got {len(translations)}")
    if paragraph.passthrough:
        return ParagraphResult(paragraph.source, paragraph.source, [])
    outputs = iter(translations)
    results = []
    for seg in paragraph.segments:
        raw = next(outputs) if seg.needs_model else seg.masked
        done = finish_output(seg.source, seg.span_map, raw, modelled=seg.needs_model)
        spans = seg.span_map.spans
        results.append(SegmentResult(seg.source, seg.masked, raw, done.text, spans, done.flags))
    body = " ".join(t for t in (r.target.strip() for r in results) if t)
    return ParagraphResult(paragraph.source, paragraph.indent + body, results)


def assemble_document(prepared: PreparedDocument, translations: Sequence[str]) -> DocumentResult:
    if len(translations) != len(prepared.requests):
        raise ValueError(f"expected {len(prepared.requests)} translations, got {len(translations)}")
    paragraphs = []
    cursor = 0
    for paragraph in prepared.paragraphs:
        n = len(paragraph.requests)
        paragraphs.append(assemble_paragraph(paragraph, translations[cursor : cursor + n]))
        cursor += n
    return DocumentResult("\n".join(p.text for p in paragraphs), paragraphs)


def translate_document(
    text: str, translator: Translator, options: TranslateOptions | None = None
) -> DocumentResult:
    return translate_documents([text], translator, options)[0]


def prepare_documents(
    texts: Sequence[str], options: TranslateOptions, counter: TokenCounter
) -> list[PreparedDocument]:
    return [prepare_document(text, options, counter) for text in texts]


def unique_requests(prepared: Sequence[PreparedDocument]) -> list[str]:
    """Each distinct masked segment once, in first-seen order: repeats cost one model slot."""
    return list(dict.fromkeys(r for doc in prepared for r in doc.requests))


def assemble_documents(
    prepared: Sequence[PreparedDocument], translations: Mapping[str, str]
) -> list[DocumentResult]:
    """Assemble documents from a ``{masked segment: model output}`` mapping."""
    return [assemble_document(doc, [translations[r] for r in doc.requests]) for doc in prepared]


def translate_documents(
    texts: Sequence[str], translator: Translator, options: TranslateOptions | None = None
) -> list[DocumentResult]:
    """Translate several documents with one engine call, so their segments share batches."""
    options = options or TranslateOptions()
    prepared = prepare_documents(texts, options, translator)
    unique = unique_requests(prepared)
    translated = dict(zip(unique, translator.translate(unique, options.decode), strict=True))
    return assemble_documents(prepared, translated)
