"""Regular expressions for the kinds of protected spans (used by ``protect.find_spans``).

Kept apart from the span-finding logic so each rule can be read, and tested, on its own.
All patterns use the ``regex`` package (Unicode scripts and ``\\p{Extended_Pictographic}``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import regex

# Inline markup markers of the file formats: each Private Use character (the BMP area and
# planes 15 and 16, see service.formats.markers) is one span, kept exactly once.
MARKUP = regex.compile(r"[\uE000-\uF8FF\U000F0000-\U000FFFFD\U00100000-\U0010FFFD]")

# URLs: scheme or "www." + ASCII host + optional port + optional path (the path may contain
# Thai, e.g. Wikipedia links). Trailing sentence punctuation is trimmed afterwards.
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
_PATH = r"(?:[/?#][^\s<>\"]*)?"
# Bare domains (example.co.th) only with a common TLD written in lower case, so that
# "Ms.Angel" or "ASP.NET" stay Latin runs.
_TLDS = (
    "com|net|org|info|biz|edu|gov|int|io|ai|app|dev|co|me|tv|asia|th|uk|us|jp|cn|sg|my|la|"
    "kh|vn|mm|id|ph|in|au|de|fr"
)
URL = regex.compile(
    rf"(?i:(?:https?|ftp)://|www\.){_HOST}(?::[0-9]+)?{_PATH}"
    rf"|(?<![\p{{L}}\p{{N}}@.\-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+"
    rf"(?:{_TLDS})(?![\p{{L}}\p{{N}}\-]){_PATH}"
)
_URL_TRAILING = regex.compile(r"[.,;:!?'\"”’]+$")

EMAIL = regex.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9_%+\-](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?"
    r"@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,}(?![A-Za-z0-9\-])"
)
# @handles and #hashtags may be Thai (#ข่าวด่วน). A hashtag needs a letter ("#1" is a number).
# Thai is written without spaces, so Thai text right before the @ or # is a boundary too.
_TAG_CHAR = r"[\p{L}\p{M}\p{N}_]"
HANDLE = regex.compile(
    rf"(?<![\p{{Latin}}\p{{N}}_@.])@[\p{{L}}\p{{N}}_](?:[\p{{L}}\p{{M}}\p{{N}}_.]*{_TAG_CHAR})?"
)
HASHTAG = regex.compile(rf"(?<![\p{{Latin}}\p{{N}}_#&])#(?=[\p{{N}}\p{{M}}_]*\p{{L}}){_TAG_CHAR}+")

# Latin runs. A word is Latin letters and digits (+ combining marks), possibly with internal
# - . ' ’ & ("COVID-19", "AT&T", "O'Neil", "U.S"). A run starts with a word that has a Latin
# letter; words (digit-only ones too: "iPhone 15 Pro") joined by spaces and . , : & / - ' ’
# stay one run, so a name like "Head of Globalization Leadership Group" is one placeholder.
_WORD_CHARS = r"[\p{Latin}\p{Nd}][\p{Latin}\p{Nd}\p{M}]*"
_WORD = rf"{_WORD_CHARS}(?:[\-.'’&]{_WORD_CHARS})*"
_STARTS_LATIN = r"(?=[\p{Nd}\p{M}\-.'’&]*\p{Latin})"
_SEPARATOR = r"(?:[^\S\n]*[.,:&/\-'’]+[^\S\n]*|[^\S\n]+)"
LATIN_RUN = regex.compile(rf"{_STARTS_LATIN}{_WORD}(?:{_SEPARATOR}{_WORD})*")
# A run's final "." belongs to it only after a known abbreviation or an initialism ("U.S.").
ABBREVIATIONS = frozenset(
    {"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Co", "Ltd", "Inc", "Corp", "Jr", "Sr", "vs"}
)
_LAST_WORD = regex.compile(rf"{_WORD}$")
_INITIALISM = regex.compile(r"(?:\p{Latin}\.)+\p{Latin}$")
_DIGITS_WORD = regex.compile(r"\p{Nd}+(?:[\-.]\p{Nd}+)*")
_NUMBER_SUFFIX = regex.compile(r"[%\p{Sc}]")
_NUMBER_BEFORE = regex.compile(r"\p{Sc}?(?:\p{Nd}+[.,:/\-])+$")

# Emoji: grapheme clusters starting with a pictograph, a regional indicator (flags) or a
# keycap ("1️⃣"); ZWJ sequences, skin tones and tag sequences are inside the cluster.
EMOJI = regex.compile(
    r"(?:(?=\p{Extended_Pictographic}|\p{Regional_Indicator}|[0-9#*]\uFE0F?\u20E3)\X)+"
)

# Numbers (Thai digits too): 1,402.35 · 08:00 · 081-234-5678 · 25/12/2567 · 50% · $15.99 ·
# ฿1,200 · -3 · 10–20 (a range with an en dash). A sign is included only when glued to the
# digits and not after a letter or digit (so "2-1" is one number, "ก-3" gives "3"). "1.ด้าน"
# gives "1".
NUMBER = regex.compile(
    r"(?:(?<![\p{L}\p{N}\p{M}])[\-+−](?=\p{Sc}?\p{Nd}))?\p{Sc}?\p{Nd}+"
    r"(?:[.,:/\-–]\p{Nd}+)*(?:%|\p{Sc})?"
)

# Structural separators (breadcrumbs "หน้าแรก > ข่าว", titles "ข่าว | กีฬา", bullets "• ข้อ").
# Characters that are never sentence punctuation count wherever they stand; a slash or a dash
# only when it stands alone between spaces (or at a line edge): "ชาย/หญิง" and "10–20" are
# words and ranges the model translates, and a slash inside a number or URL is in that span.
STRUCTURAL_SEPARATOR = regex.compile(r"[>»›|·•]+|(?<![^\s])(?:/+|[\-–—]+)(?![^\s])")

# Brackets and quotes (opening → closing) kept verbatim when they enclose protected spans only:
# "X (Twitter)", "“Alibaba”". Thai punctuation is never among them.
BRACKETS = {
    "(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "〈": "〉", "《": "》", "「": "」",
    "『": "』", "“": "”", "‘": "’", "«": "»", "‹": "›", '"': '"', "'": "'",
}  # fmt: skip


def trim_url(url: str) -> str:
    """Drop trailing sentence punctuation, and a ")" that closes nothing inside the URL."""
    url = _URL_TRAILING.sub("", url)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = _URL_TRAILING.sub("", url[:-1])
    return url


def latin_run_start(text: str, limit: int, start: int) -> int:
    """Where a Latin run found at ``start`` really starts (not before ``limit``).

    A run that starts with digits glued to a number ("1,402.35Startup") takes the whole
    number, so the number is never cut into "1," + "402.35Startup".
    """
    if start < len(text) and text[start].isdigit():
        number = _NUMBER_BEFORE.search(text, max(limit, start - 64), start)
        if number:
            return number.start()
    return start


def latin_run_end(text: str, end: int) -> int:
    """Where a Latin run matched up to ``end`` really ends.

    One trailing "." joins after an abbreviation or initialism ("Co.", "U.S."); a "%" or
    currency sign joins after a final number ("CLMVT 50%"), like in a number span.
    """
    if end >= len(text):
        return end
    # Only the last few characters matter (abbreviations are short); searching from 0 each
    # time would make long texts quadratic.
    last = _LAST_WORD.search(text, max(0, end - 32), end)
    word = last.group() if last else ""
    if text[end] == "." and (word in ABBREVIATIONS or _INITIALISM.search(word)):
        return end + 1
    if _NUMBER_SUFFIX.match(text[end]) and _DIGITS_WORD.fullmatch(word):
        return end + 1
    return end


@functools.lru_cache(maxsize=32)
def terms_pattern(terms: tuple[str, ...]) -> regex.Pattern[str] | None:
    """One regex for many literal terms, leftmost-longest (longest term first at a position).

    The terms are compiled as a trie ("กระทรวง(?:อุตสาหกรรม|พาณิชย์)?"), so matching costs
    about the same for 10 or 10,000 terms. A term starting or ending with a Latin letter or
    digit must not touch another one there ("AI" does not match inside "MAIN"); Thai terms
    match anywhere (Thai has no spaces), but never cut a combining mark from its base.

    Groups nest at most :data:`_MAX_NESTING` deep (terms that are prefixes of each other nest
    one level per term, and both this code and the regex compiler recurse per level): below
    that, a subtree is written as a flat alternation of its remaining suffixes, longest first,
    which matches the same.
    """
    if not terms:
        return None
    trie: dict[str, Any] = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[_END] = True
    branches = [_start_guard(char) + regex.escape(char) + _trie_regex(child, char, 1)
                for char, child in sorted(trie.items())]  # fmt: skip
    return regex.compile("|".join(branches))


_END = ""  # trie key marking the end of a term (no character is the empty string)
_WORDISH = regex.compile(r"[\p{Latin}\p{Nd}]")
_MAX_NESTING = 24


def _start_guard(char: str) -> str:
    return r"(?<![\p{Latin}\p{Nd}])" if _WORDISH.match(char) else ""


def _end_guard(last: str) -> str:
    return (r"(?![\p{Latin}\p{Nd}])" if _WORDISH.match(last) else "") + r"(?!\p{M})"


def _trie_regex(node: dict[str, Any], last: str, depth: int) -> str:
    """Continuations first (greedy: longest term wins), then the end of a term if one ends.

    A chain of single-child nodes is emitted as one literal, so the recursion depth is the
    number of branching points, not the length of a term (a 3,000-character term is fine);
    at ``_MAX_NESTING`` branching points the rest is a flat alternation.
    """
    chain = ""
    while len(node) == 1 and _END not in node:
        ((char, node),) = node.items()
        chain += regex.escape(char)
        last = char
    if chain:
        return chain + _trie_regex(node, last, depth) if node else chain
    if depth >= _MAX_NESTING:
        return _flat_regex(node, last)
    options = [regex.escape(char) + _trie_regex(child, char, depth + 1)
               for char, child in sorted(node.items()) if char != _END]  # fmt: skip
    if _END in node:
        options.append(_end_guard(last))
    if len(options) == 1:
        return options[0]
    return "(?:" + "|".join(options) + ")"


def _flat_regex(node: dict[str, Any], last: str) -> str:
    """The terms' remaining suffixes below ``node`` as one alternation, longest first (the
    first alternative that matches wins, so the longest term still does); no recursion."""
    suffixes: list[str] = []
    stack: list[tuple[dict[str, Any], str]] = [(node, "")]
    while stack:
        current, suffix = stack.pop()
        if _END in current:
            suffixes.append(suffix)
        stack.extend((child, suffix + char) for char, child in current.items() if char != _END)
    suffixes.sort(key=lambda s: (-len(s), s))
    options = [regex.escape(s) + _end_guard(s[-1] if s else last) for s in suffixes]
    return "(?:" + "|".join(options) + ")"


def clean_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, de-duplicated terms in a stable order (a cache key)."""
    return tuple(sorted({t.strip() for t in terms if t and t.strip()}))
