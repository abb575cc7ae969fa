"""Decode an input file: UTF-8 (with or without BOM), UTF-16 with BOM, TIS-620 / Windows-874, or
what charset-normalizer recognises; binary, empty and undecodable files are refused with a reason.

Thai legacy files are checked explicitly before asking charset-normalizer, because a short Thai
text in Windows-874 is easily mistaken for a Latin or Cyrillic code page: every byte must be valid
Windows-874 and most of the non-ASCII characters must decode to Thai letters.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from service.text.normalize import has_thai

# Windows-874 (a superset of TIS-620) puts Thai in 0xA1-0xFB.
THAI_LEGACY = "cp874"
_MIN_THAI_SHARE = 0.8  # of non-ASCII characters, for the legacy Thai guess
_SNIFF_BYTES = 64 * 1024


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
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise DecodeError("binary file (NUL bytes), not text")
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
    non_ascii = [c for c in text if ord(c) > 0x7F]
    thai = [c for c in non_ascii if "\u0e00" <= c <= "\u0e7f"]
    if not has_thai(text) or len(thai) < _MIN_THAI_SHARE * len(non_ascii):
        return None
    return text


def _decode_guess(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable: not UTF-8, not TIS-620/Windows-874, no other encoding fits")
    if best.chaos > 0.2:
        raise DecodeError(
            f"undecodable: not UTF-8 or TIS-620/Windows-874 (best guess {best.encoding} "
            f"is {best.chaos:.0%} noise)"
        )
    return str(best), best.encoding


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES]
    control = sum(1 for c in sample if ord(c) < 0x20 and c not in "\t\n\r\f\v\x1b")
    return control > max(2, len(sample) // 100)
