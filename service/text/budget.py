"""Split a masked segment that is too long for the model into pieces that fit its budget.

Split points, coarsest first: between words (spaces), then Thai word boundaries (PyThaiNLP
newmm), then grapheme clusters, and as a last resort single code points (a base character with
hundreds of stacked tone marks is one grapheme cluster far over any budget: cutting it is
better than refusing the text). A placeholder ("ZX12") is never cut. Pieces concatenate exactly
to the input; nothing is dropped. So every piece fits, unless one code point or one placeholder
alone exceeds the budget (no real tokenizer and budget come near that); such a unit becomes a
piece of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex

TokenCounter = Callable[[Sequence[str]], list[int]]

_WORDS = regex.compile(r"\s*\S+\s*|\s+")  # leading space joins the first word
_PLACEHOLDER = regex.compile(r"ZX[0-9]+")
_GRAPHEMES = regex.compile(r"ZX[0-9]+|\X")
_CODE_POINTS = regex.compile(r"ZX[0-9]+|.", regex.DOTALL)
_MARK_START = regex.compile(r"\p{M}")
_PROBES = 8  # candidate lengths tested per tokenizer call


def split_to_budget(masked: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """Pieces of ``masked`` that each have at most ``budget`` tokens (if at all possible)."""
    if not masked or count_tokens([masked])[0] <= budget:
        return [masked] if masked else []

    def fits(texts: Sequence[str]) -> list[bool]:
        return [n <= budget for n in count_tokens(texts)]

    return _pack(_WORDS.findall(masked), fits)


def _pack(units: list[str], fits: Callable[[Sequence[str]], list[bool]]) -> list[str]:
    """Greedy packing: each piece takes the longest run of units that fits.

    A unit that does not fit alone is replaced by its finer units (Thai words, graphemes, then
    code points).
    """
    pieces: list[str] = []
    start = 0
    while start < len(units):
        taken = _longest_fitting(units, start, fits)
        if taken == 0:
            finer = _refine(units[start])
            if len(finer) > 1:
                units[start : start + 1] = finer
                continue
            taken = 1  # cannot be split further: keep it whole rather than drop it
        pieces.append("".join(units[start : start + taken]))
        start += taken
    return pieces


def _longest_fitting(
    units: list[str], start: int, fits: Callable[[Sequence[str]], list[bool]]
) -> int:
    """How many units from ``start`` fit together (0 if not even one), in few batched calls.

    Galloping (1, 2, 4, ... units) finds a fitting and a non-fitting length, then a search with
    ``_PROBES`` candidates per call narrows the gap. Token counts grow with the text, so the
    predicate is monotone.
    """
    available = len(units) - start
    good, bad = 0, available + 1
    size = 1
    while good < available and bad > available:  # gallop until one size does not fit
        sizes: list[int] = []
        while len(sizes) < _PROBES and size < available:
            sizes.append(size)
            size *= 2
        if len(sizes) < _PROBES:
            sizes.append(available)
        good, bad = _narrow(units, start, sizes, fits, good, bad)
    while bad - good > 1:
        step = max(1, (bad - good) // (_PROBES + 1))
        sizes = list(range(good + step, bad, step))[:_PROBES]
        good, bad = _narrow(units, start, sizes, fits, good, bad)
    return good


def _narrow(
    units: list[str],
    start: int,
    sizes: list[int],
    fits: Callable[[Sequence[str]], list[bool]],
    good: int,
    bad: int,
) -> tuple[int, int]:
    results = fits(["".join(units[start : start + n]) for n in sizes])
    for n, ok in zip(sizes, results, strict=True):
        if ok:
            good = max(good, n)
        else:
            bad = min(bad, n)
            break
    return good, bad


def _refine(unit: str) -> list[str]:
    """Split one unit finer: Thai words if that splits it, else grapheme clusters, else (last
    resort, inside a grapheme cluster) code points; a placeholder stays whole."""
    words = _thai_words(unit)
    if len(words) > 1:
        return words
    graphemes: list[str] = _GRAPHEMES.findall(unit)
    return graphemes if len(graphemes) > 1 else _CODE_POINTS.findall(unit)


def _thai_words(unit: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize  # heavy: loads the dictionary on first use

    words: list[str] = []
    position = 0
    for placeholder in [*_PLACEHOLDER.finditer(unit), None]:
        end = placeholder.start() if placeholder else len(unit)
        if position < end:
            words.extend(word_tokenize(unit[position:end], engine="newmm", keep_whitespace=True))
        if placeholder:
            words.append(placeholder.group())
            position = placeholder.end()
    return _attach_marks(words) if "".join(words) == unit else [unit]


def _attach_marks(words: list[str]) -> list[str]:
    """Never start a piece with a combining mark: glue it to the word before."""
    joined: list[str] = []
    for word in words:
        if joined and (not word or _MARK_START.match(word)):
            joined[-1] += word
        elif word:
            joined.append(word)
    return joined
