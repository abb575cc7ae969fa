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
_SLACK = 10  # a piece may stop short of the longest that fits by one unit in this many


def split_to_budget(masked: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """Pieces of ``masked`` that each have at most ``budget`` tokens (if at all possible).

    The tokenizer sees each character a bounded number of times, whatever the length: the text
    once, then for each piece a few candidate lengths around the previous piece's (every
    candidate at most twice the longest one known to fit). So the work grows linearly with the
    text. A piece is the longest run of units that fits, or within a tenth of it.
    """
    if not masked:
        return []
    total = count_tokens([masked])[0]
    if total <= budget:
        return [masked]

    def fits(texts: Sequence[str]) -> list[bool]:
        return [n <= budget for n in count_tokens(texts)]

    units = _WORDS.findall(masked)
    return _pack(units, fits, max(1, len(units) * budget // total))


def _pack(units: list[str], fits: Callable[[Sequence[str]], list[bool]], guess: int) -> list[str]:
    """Greedy packing: each piece takes the longest run of units that fits (near enough).

    A unit that does not fit alone is replaced by its finer units (Thai words, graphemes, then
    code points). ``guess`` is where the search for the next piece's length starts.
    """
    pieces: list[str] = []
    start = 0
    while start < len(units):
        taken = _longest_fitting(units, start, fits, guess)
        if taken == 0:
            finer = _refine(units[start])
            if len(finer) > 1:
                units[start : start + 1] = finer
                continue
            taken = 1  # cannot be split further: keep it whole rather than drop it
        pieces.append("".join(units[start : start + taken]))
        start += taken
        guess = taken
    return pieces


def _longest_fitting(
    units: list[str], start: int, fits: Callable[[Sequence[str]], list[bool]], guess: int
) -> int:
    """How many units from ``start`` fit together (0 if not even one), in few batched calls.

    ``good`` fits and ``bad`` does not (``bad`` past the end: not known yet); each call tests a
    few lengths between them, never more than twice ``good`` (or than ``guess`` while nothing
    fits yet), until they are one unit apart or within a tenth of each other. Token counts grow
    with the text, so the predicate is monotone.
    """
    available = len(units) - start
    good, bad = 0, available + 1
    while bad - good > max(1, good // _SLACK):
        sizes = _candidates(good, bad, min(max(1, guess), available), available)
        good, bad = _narrow(units, start, sizes, fits, good, bad)
    return good


def _candidates(good: int, bad: int, guess: int, available: int) -> list[int]:
    """Lengths to test next, ascending, strictly between ``good`` and ``bad``."""
    if good == 0 and bad > available:  # nothing known: the guess and a tenth more
        wanted = [guess, guess + guess // _SLACK + 1]
    elif bad > available:  # only a length that fits: grow by a quarter, a half, double
        wanted = [good + good // 4 + 1, good + good // 2 + 1, 2 * good]
    elif good == 0:  # only a length that does not fit: shrink
        wanted = [bad // 4, bad // 2, bad - bad // 4]
    else:  # both: three evenly spaced lengths between them
        step = max(1, (bad - good) // 4)
        wanted = [good + step, good + 2 * step, good + 3 * step]
    return sorted({n for n in (min(w, available) for w in wanted) if good < n < bad})


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
            words.extend(
                word_tokenize(unit[position:end], engine="newmm-safe", keep_whitespace=True)
            )
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
