"""Protected spans: find what the model must not translate, and mask it with placeholders.

``find_spans`` marks names, numbers, URLs, glossary terms ...; ``mask`` replaces each by a
placeholder ``ZX0``, ``ZX1`` ... (ids local to the segment, in order of appearance) and returns
a ``SpanMap``; ``restore.restore`` puts the span outputs back into the model's translation.

Placeholders are capital Latin letters + ASCII digits only: Marian/OPUS SentencePiece
vocabularies have these pieces, and models copy unknown capitalised codes through, whereas
exotic brackets or symbols become <unk>. Every Latin letter and every digit of the input is
inside some span, so the masked text contains no Latin letters or digits outside placeholders,
which makes finding placeholders in it (and in the model output) unambiguous.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import regex

from service.text import patterns

SPAN_KINDS = (
    "latin", "number", "url", "email", "handle", "hashtag", "emoji", "glossary", "keep", "markup",
    "punct", "separator",
)  # fmt: skip


@dataclass(frozen=True)
class ProtectedSpan:
    """``text[start:end] == source``; ``output`` must appear verbatim in the translation."""

    start: int
    end: int
    source: str
    output: str
    kind: str


PLACEHOLDER_PREFIX = "ZX"
# Exact form, as written by ``mask`` (used on masked text).
PLACEHOLDER = regex.compile(r"ZX([0-9]+)")
# Tolerant form, for model output: any case, a space inside ("ZX 0", "Z X0"), glued to a word
# ("theZX0"). The spaced forms need a non-letter before the Z so that "jazz x 3" is no match.
# A bare upper-case "ZX" without digits is a placeholder whose id the model lost.
TOLERANT_PLACEHOLDER = regex.compile(
    r"(?:(?i:zx)|(?<!\p{L})(?i:z) ?(?i:x)) ?([0-9]+)|(?<![A-Za-z])ZX(?![A-Za-z0-9])"
)


@dataclass
class SpanMap:
    """The spans of one masked text; ``ids[i]`` is the placeholder id of ``spans[i]``.

    ``ids`` defaults to 0..n-1; a ``subset`` keeps the original ids of its spans.
    """

    spans: list[ProtectedSpan]
    ids: list[int] = field(default_factory=list)
    _positions: dict[int, int] = field(init=False, repr=False, compare=False)

    pattern: ClassVar[regex.Pattern[str]] = TOLERANT_PLACEHOLDER

    def __post_init__(self) -> None:
        if not self.ids:
            self.ids = list(range(len(self.spans)))
        if len(self.ids) != len(self.spans):
            raise ValueError(f"SpanMap: {len(self.spans)} spans but {len(self.ids)} ids")
        self._positions = {span_id: i for i, span_id in enumerate(self.ids)}

    @staticmethod
    def placeholder(i: int) -> str:
        return f"{PLACEHOLDER_PREFIX}{i}"

    def outputs(self) -> dict[int, str]:
        """Placeholder id → the text that replaces it."""
        return {i: span.output for i, span in zip(self.ids, self.spans, strict=True)}

    def subset(self, masked_piece: str) -> SpanMap:
        """The map restricted to the placeholders that occur in ``masked_piece``."""
        present = {int(m.group(1)) for m in PLACEHOLDER.finditer(masked_piece)}
        # Linear in the piece, not in the map: a long sentence is cut into many pieces.
        kept = sorted(self._positions[i] for i in present if i in self._positions)
        return SpanMap(spans=[self.spans[k] for k in kept], ids=[self.ids[k] for k in kept])

    def __len__(self) -> int:
        return len(self.spans)


def protect(
    text: str, glossary: Mapping[str, str] | None = None, do_not_translate: Sequence[str] = ()
) -> tuple[str, SpanMap]:
    """``find_spans`` + ``mask``."""
    return mask(text, find_spans(text, glossary, do_not_translate))


def mask(text: str, spans: Sequence[ProtectedSpan]) -> tuple[str, SpanMap]:
    """Replace each span (sorted, non-overlapping) by its placeholder; spaces stay as they were."""
    parts: list[str] = []
    position = 0
    for i, span in enumerate(spans):
        if span.start < position or span.end > len(text) or span.start >= span.end:
            raise ValueError(f"mask: span {i} {span.start}:{span.end} overlaps or is out of range")
        parts.append(text[position : span.start])
        parts.append(SpanMap.placeholder(i))
        position = span.end
    parts.append(text[position:])
    return "".join(parts), SpanMap(spans=list(spans))


# A finder yields (start, end, output, kind) for the matches inside text[start:end].
_Finder = Callable[[str, int, int], Iterator[tuple[int, int, str, str]]]


def find_spans(
    text: str, glossary: Mapping[str, str] | None = None, do_not_translate: Sequence[str] = ()
) -> list[ProtectedSpan]:
    """Non-overlapping protected spans of ``text``, sorted by position.

    Priority (a later kind only looks at text no earlier kind claimed): markup > URL > e-mail
    > @handle > #hashtag > glossary / do-not-translate terms > Latin run > emoji > number
    > brackets and quotes around spans ("punct") > structural separators ("separator").
    URLs, e-mails, handles and hashtags come before glossary terms so a term never breaks one.
    """
    finders: list[_Finder] = [
        _regex_finder(patterns.MARKUP, "markup"),
        _url_finder,
        _regex_finder(patterns.EMAIL, "email"),
        _regex_finder(patterns.HANDLE, "handle"),
        _regex_finder(patterns.HASHTAG, "hashtag"),
        _terms_finder(glossary or {}, do_not_translate),
        _latin_finder,
        _regex_finder(patterns.EMOJI, "emoji"),
        _regex_finder(patterns.NUMBER, "number"),
    ]
    claimed: list[tuple[int, int, str, str]] = []
    for finder in finders:
        found = [m for gap in _gaps(claimed, len(text)) for m in finder(text, *gap)]
        claimed = sorted(claimed + found)
    claimed = _with_brackets(text, claimed)
    found = [m for gap in _gaps(claimed, len(text)) for m in _separator_finder(text, *gap)]
    claimed = sorted(claimed + found)
    return [ProtectedSpan(s, e, text[s:e], out, kind) for s, e, out, kind in claimed]


def _with_brackets(
    text: str, claimed: list[tuple[int, int, str, str]]
) -> list[tuple[int, int, str, str]]:
    """Add the brackets and quotes that enclose nothing but spans (and spaces between them):
    "X (Twitter)" keeps its "( )". Nested pairs ("“(X)”") are found one level per pass."""
    while True:
        found: list[tuple[int, int, str, str]] = []
        for start, end in _span_groups(text, claimed):
            opener = text[start - 1] if start > 0 else ""
            closer = patterns.BRACKETS.get(opener)
            if closer and text[end : end + 1] == closer and not _touches(found, start - 1):
                found += [(start - 1, start, opener, "punct"), (end, end + 1, closer, "punct")]
        if not found:
            return claimed
        claimed = sorted(claimed + found)


def _span_groups(
    text: str, claimed: Sequence[tuple[int, int, str, str]]
) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of spans separated by nothing but spaces."""
    group: tuple[int, int] | None = None
    for start, end, _, _ in claimed:
        if group and not text[group[1] : start].strip():
            group = (group[0], end)
            continue
        if group:
            yield group
        group = (start, end)
    if group:
        yield group


def _touches(found: Sequence[tuple[int, int, str, str]], position: int) -> bool:
    """``position`` already taken by a bracket of this pass ("(X)(Y)" shares nothing)."""
    return any(start <= position < end for start, end, _, _ in found[-2:])


def _gaps(claimed: Sequence[tuple[int, int, str, str]], length: int) -> Iterator[tuple[int, int]]:
    position = 0
    for start, end, _, _ in claimed:
        if position < start:
            yield position, start
        position = end
    if position < length:
        yield position, length


def _regex_finder(pattern: regex.Pattern[str], kind: str) -> _Finder:
    def find(text: str, start: int, end: int) -> Iterator[tuple[int, int, str, str]]:
        for m in pattern.finditer(text, start, end):
            yield m.start(), m.end(), m.group(), kind

    return find


def _url_finder(text: str, start: int, end: int) -> Iterator[tuple[int, int, str, str]]:
    for m in patterns.URL.finditer(text, start, end):
        url = patterns.trim_url(m.group())
        if url:
            yield m.start(), m.start() + len(url), url, "url"


def _separator_finder(text: str, start: int, end: int) -> Iterator[tuple[int, int, str, str]]:
    # Searched up to one character past the gap: whether a dash stands alone depends on the
    # character after it, even when that one belongs to a span (no further: each gap is
    # searched once, so the cost stays linear in the text).
    for m in patterns.STRUCTURAL_SEPARATOR.finditer(text, start, min(len(text), end + 1)):
        if m.end() <= end:
            yield m.start(), m.end(), m.group(), "separator"


def _latin_finder(text: str, start: int, end: int) -> Iterator[tuple[int, int, str, str]]:
    position = start
    while m := patterns.LATIN_RUN.search(text, position, end):
        run_start = patterns.latin_run_start(text, start, m.start())
        run_end = min(patterns.latin_run_end(text, m.end()), end)
        yield run_start, run_end, text[run_start:run_end], "latin"
        position = run_end


@dataclass(frozen=True)
class _TermTable:
    """Compiled terms of one glossary + do-not-translate list: term → (output, kind)."""

    glossary: Mapping[str, str]  # the caller's object, held so its id stays unique
    snapshot: dict[str, str]
    do_not_translate: tuple[str, ...]
    outputs: dict[str, tuple[str, str]]
    pattern: regex.Pattern[str] | None

    def serves(self, glossary: Mapping[str, str], do_not_translate: tuple[str, ...]) -> bool:
        return (
            self.glossary is glossary
            and self.do_not_translate == do_not_translate
            and self.snapshot == glossary
        )


class _TermTables:
    """The few most recently used term tables, shared by the server's worker threads.

    The pipeline calls ``find_spans`` once per paragraph with the same glossary: rebuilding
    a 5,000-term table each time would cost more than the matching itself. Reuse is checked by
    content, so a mutated glossary is rebuilt. A lock guards the dictionary (requests with
    glossaries run in several threads at once); tables are built outside it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._tables: OrderedDict[tuple[int, int], _TermTable] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, glossary: Mapping[str, str], do_not_translate: Sequence[str]) -> _TermTable:
        key = (id(glossary), id(do_not_translate))
        dnt = tuple(do_not_translate)
        with self._lock:
            cached = self._tables.get(key)
        if cached is not None and cached.serves(glossary, dnt):
            with self._lock:
                if self._tables.get(key) is cached:
                    self._tables.move_to_end(key)
            return cached
        table = _build_term_table(glossary, dnt)
        with self._lock:
            self._tables[key] = table
            self._tables.move_to_end(key)
            while len(self._tables) > self.size:
                self._tables.popitem(last=False)  # least recently used
        return table

    def __len__(self) -> int:
        with self._lock:
            return len(self._tables)


def _build_term_table(glossary: Mapping[str, str], dnt: tuple[str, ...]) -> _TermTable:
    outputs = {k.strip(): (v, "glossary") for k, v in glossary.items() if k.strip()}
    # A term in both lists is kept verbatim: "never translate" is the stronger instruction.
    outputs.update({t.strip(): (t.strip(), "keep") for t in dnt if t.strip()})
    pattern = patterns.terms_pattern(patterns.clean_terms(outputs))
    return _TermTable(glossary, dict(glossary), dnt, outputs, pattern)


_term_tables = _TermTables(size=8)


def _terms_finder(glossary: Mapping[str, str], do_not_translate: Sequence[str]) -> _Finder:
    """Glossary terms (output: the English target) and do-not-translate terms (kept verbatim)."""
    table = _term_tables.get(glossary, do_not_translate) if glossary or do_not_translate else None

    def find(text: str, start: int, end: int) -> Iterator[tuple[int, int, str, str]]:
        if table is None or table.pattern is None:
            return
        for m in table.pattern.finditer(text, start, end):
            output, kind = table.outputs[m.group()]
            yield m.start(), m.end(), output, kind

    return find
