"""Decode an input file: UTF-8 (with or without BOM), UTF-16 with BOM, TIS-620 / Windows-874, or
what charset-normalizer recognises; binary, empty and undecodable files are refused with a reason.

Thai legacy files are checked explicitly before asking charset-normalizer, because a short Thai
text in Windows-874 is easily mistaken for a Latin or Cyrillic code page. Windows-874 is chosen
only when the bytes decode to plausible Thai: every byte valid, most non-ASCII characters Thai,
and the Thai well formed (a vowel or tone mark follows a consonant, a leading vowel precedes
one). A Latin-1 "café" decodes to "caf" + a tone mark, which is not Thai. Any other guess must
not mix a Latin word with letters of another script ("cafщ"), and is never UTF-16 without a
byte-order mark; when nothing fits, the file is refused as an unknown encoding.

A NUL byte (or a share of control characters) anywhere in the file refuses it as binary: the
same answer for the first byte and the last.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import regex

from service.text.normalize import has_thai

# Windows-874 (a superset of TIS-620) puts Thai in 0xA1-0xFB.
THAI_LEGACY = "cp874"
_MIN_THAI_SHARE = 0.8  # of non-ASCII characters, for the legacy Thai guess
_MAX_MALFORMED_THAI = 0.01  # of Thai characters (typos in a long text); none in a short one
_CONTROL = regex.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")  # not \t \n \v \f \r ESC
_THAI_CONSONANT = "\u0e01-\u0e2e"
_THAI_MARK = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"  # vowels above/below, tone marks
# A mark after something that cannot carry it; a leading vowel (เ แ โ ใ ไ) before a non-consonant.
_MALFORMED_THAI = regex.compile(
    rf"(?:^|(?<=[^{_THAI_CONSONANT}{_THAI_MARK}\u0e33\u0e24\u0e26]))[{_THAI_MARK}]"
    rf"|[\u0e40-\u0e44](?![{_THAI_CONSONANT}])"
)
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_ASCII_LETTER = regex.compile(r"[A-Za-z]")
_OTHER_SCRIPT_LETTER = regex.compile(r"(?=\p{L})[^\p{Latin}]")
_MIN_FOREIGN_BYTES = 16
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_UNKNOWN = (
    "undecodable: unknown encoding (not UTF-8, not UTF-16 with a byte-order mark, not "
    "plausible TIS-620/Windows-874 Thai, and no other encoding fits); convert it to UTF-8"
)


class DecodeError(ValueError):
    """The file cannot be read as text; the message says why."""


@dataclass(frozen=True)
class DecodedText:
    text: str  # with "\n" line ends
    encoding: str  # what it was read as: utf-8, utf-8-sig, utf-16, cp874, ...
    newline: str  # "\n" or "\r\n": the source's line ends, used again for the output

    def restore_newlines(self, text: str) -> str:
        return text.replace("\n", self.newline) if self.newline != "\n" else text


def decode_bytes(data: bytes) -> DecodedText:
    """Decode ``data``; raise DecodeError for empty, binary or undecodable content."""
    if not data.strip():
        raise DecodeError("empty file" if not data else "empty file (only whitespace)")
    text, encoding = _decode(data)
    if _looks_binary(text):
        raise DecodeError("binary file (control characters), not text")
    newline = "\r\n" if "\r\n" in text else "\n"
    return DecodedText(text.replace("\r\n", "\n"), encoding, newline)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DecodeError(f"binary file (NUL byte at offset {nul}), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_broken_utf8(data, exc)
    thai = _decode_thai_legacy(data)
    if thai is not None:
        return thai, THAI_LEGACY
    return _decode_guess(data)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"not valid {encoding} despite its byte-order mark: {exc.reason}"
        ) from None


def _refuse_broken_utf8(data: bytes, error: UnicodeDecodeError) -> None:
    """Mostly-valid UTF-8 with a few bad bytes is a damaged UTF-8 file, not a legacy code page:
    guessing one would turn the whole file into mojibake."""
    text = data.decode("utf-8", errors="replace")
    non_ascii = sum(1 for c in text if ord(c) > 0x7F)
    broken = text.count("\ufffd")
    if non_ascii and broken <= 0.2 * non_ascii:
        raise DecodeError(
            f"undecodable: invalid UTF-8 at byte {error.start} ({broken} bad sequence(s) in "
            "otherwise UTF-8 text)"
        )


def _decode_thai_legacy(data: bytes) -> str | None:
    try:
        text = data.decode(THAI_LEGACY)
    except UnicodeDecodeError:
        return None
    return text if plausible_thai(text) else None


def plausible_thai(text: str) -> bool:
    """Whether ``text`` reads as Thai: mostly Thai beyond ASCII, with consonants, well formed."""
    non_ascii = [c for c in text if ord(c) > 0x7F]
    thai = [c for c in non_ascii if "\u0e00" <= c <= "\u0e7f"]
    if not has_thai(text) or len(thai) < _MIN_THAI_SHARE * len(non_ascii):
        return False
    if not any(_THAI_CONSONANT[0] <= c <= _THAI_CONSONANT[-1] for c in thai):
        return False
    malformed = sum(1 for _ in _MALFORMED_THAI.finditer(text))
    return malformed <= int(_MAX_MALFORMED_THAI * len(thai))


def _decode_guess(data: bytes) -> tuple[str, str]:
    """charset-normalizer's best guess among the plausible ones (Windows-1252 first among
    equally clean ones: short Western texts are easily taken for Central European)."""
    from charset_normalizer import from_bytes

    candidates = [m for m in from_bytes(data) if _acceptable(m, data)]
    if not candidates:
        raise DecodeError(_UNKNOWN)
    least_chaos = min(m.chaos for m in candidates)
    best = next(
        (m for m in candidates if m.encoding == "cp1252" and m.chaos <= least_chaos),
        candidates[0],
    )
    return str(best), best.encoding


def _acceptable(match: Any, data: bytes) -> bool:
    """A guess that could be right: an ASCII-compatible code page (never UTF-16/32 without a
    byte-order mark), little noise, no Thai (Thai comes as UTF-8 or plausible TIS-620 only), no
    word mixing Latin with another script ("cafщ"); letters of a non-Latin script only from
    ``_MIN_FOREIGN_BYTES`` non-ASCII bytes on (any few bytes decode "cleanly" somewhere)."""
    encoding = match.encoding
    if encoding is None or match.chaos > 0.2 or not _ascii_compatible(encoding):
        return False
    text = str(match)
    if has_thai(text):
        return False
    words = _WORD.findall(text)
    if any(_ASCII_LETTER.search(w) and _OTHER_SCRIPT_LETTER.search(w) for w in words):
        return False
    foreign = any(_OTHER_SCRIPT_LETTER.search(w) for w in words)
    return not foreign or sum(1 for b in data if b > 0x7F) >= _MIN_FOREIGN_BYTES


def _ascii_compatible(encoding: str) -> bool:
    try:
        return _PRINTABLE_ASCII.decode(encoding) == _PRINTABLE_ASCII.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def _looks_binary(text: str) -> bool:
    control = sum(1 for _ in _CONTROL.finditer(text))
    return control > max(2, len(text) // 100)
