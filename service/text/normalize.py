"""Input normalisation: one canonical form of the text before anything else looks at it.

Every later stage (sentence splitting, span finding, the model) assumes this form: NFC, ``\\n``
line ends, no invisible format or control characters. Private Use Area characters are kept on
purpose: the file formats use them as inline markup markers (see ``protect``).
"""

from __future__ import annotations

import unicodedata

import regex

# Lone UTF-16 surrogates (e.g. from a JSON "\ud83d" escape) cannot be encoded to UTF-8 and
# would crash NFC or the HTTP layer later. They carry no recoverable meaning: replace each
# with U+FFFD so the loss stays visible instead of silently dropping text.
_SURROGATE = regex.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = regex.compile(r"\r\n|[\r\u0085\u2028\u2029]")
_ANY_LINE_BREAK = regex.compile(r"(\r\n|[\n\r\u0085\u2028\u2029])")
# Whitespace control characters become a space so the words around them do not glue together.
_SPACE_CONTROLS = regex.compile(r"[\t\x0b\x0c]")
_INVISIBLE = regex.compile(r"[\p{Cf}\p{Cc}]")
# What may precede a ZWJ inside an emoji ZWJ sequence (👨‍👩‍👧, 🏳️‍🌈, 👩🏽‍💻).
_EMOJI_BEFORE_ZWJ = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u20E3]")
_PICTOGRAPH = regex.compile(r"\p{Extended_Pictographic}")
_TAG_CHARS = range(0xE0020, 0xE0080)
_THAI = regex.compile(r"[\u0E00-\u0E7F]")


def normalize(text: str) -> str:
    """Return ``text`` in the canonical form the pipeline works on.

    - lone surrogates → U+FFFD;
    - CRLF, lone CR, NEL, U+2028 and U+2029 → ``\\n``; tab, VT and FF → a space;
    - format characters (category Cf: zero-width space/non-joiner, word joiner, BOM, soft
      hyphen, bidi marks and embeddings) are removed, except a ZWJ inside an emoji sequence
      and tag characters of an emoji tag sequence;
    - other control characters (category Cc) are removed; ``\\n`` is kept;
    - Unicode NFC (applied last, so removed invisibles no longer block composition).
    """
    text = _SURROGATE.sub("\ufffd", text)
    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACE_CONTROLS.sub(" ", text)
    text = _INVISIBLE.sub(_keep_or_drop_invisible, text)
    return unicodedata.normalize("NFC", text)


def _keep_or_drop_invisible(match: regex.Match[str]) -> str:
    """Drop an invisible character unless it is ``\\n`` or part of an emoji sequence."""
    char, text, at = match.group(), match.string, match.start()
    before = text[at - 1] if at > 0 else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    if char == "\n":
        return char
    if char == "\u200d" and _EMOJI_BEFORE_ZWJ.match(before) and _PICTOGRAPH.match(after):
        return char  # a ZWJ joining two emoji (family, rainbow flag, profession)
    if (
        ord(char) in _TAG_CHARS
        and before
        and (_PICTOGRAPH.match(before) or ord(before) in _TAG_CHARS)
    ):
        return char  # emoji tag sequence (subdivision flags like England's)
    return ""


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, split where :func:`normalize` puts a ``\\n`` (content untouched).

    ``normalize(text).split("\\n")`` has the same number of lines, each the normalised form of
    the matching raw line; the pipeline copies lines without Thai through in their raw form.
    """
    return split_lines_and_breaks(text)[0]


def split_lines_and_breaks(text: str) -> tuple[list[str], list[str]]:
    """The lines of ``text`` (as :func:`split_lines`) and the line break after each but the
    last, as written (``\r\n``, ``\r``, U+2028, ...): the output puts the same ones back."""
    parts = _ANY_LINE_BREAK.split(text)
    return parts[0::2], parts[1::2]


def has_thai(text: str) -> bool:
    """True when ``text`` contains any character of the Thai block (U+0E00–U+0E7F)."""
    return _THAI.search(text) is not None
