import pytest

from service.text.normalize import has_thai, normalize

FAMILY = "👨\u200d👩\u200d👧"
RAINBOW = "🏳️\u200d🌈"
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\nb", "a\nb"),
        ("a\rb\r\rc", "a\nb\n\nc"),
        ("a\u2028b\u0085c", "a\nb\nc"),
        ("ไทย\u200bคำ", "ไทยคำ"),  # zero-width space
        ("a\u200cb\u2060c\ufeffd\u00ade", "abcde"),
        ("\ufeffสวัสดี", "สวัสดี"),  # BOM
        ("\u200eabc\u200f\u202adef\u202c\u2066g\u2069", "abcdefg"),  # bidi marks
        ("a\u200db", "ab"),  # ZWJ not between emoji
        ("\u200d👨", "👨"),
        ("👨\u200d", "👨"),
        (FAMILY, FAMILY),
        (RAINBOW, RAINBOW),
        ("👩🏽\u200d💻", "👩🏽\u200d💻"),  # skin tone before the ZWJ
        (ENGLAND, ENGLAND),  # tag sequence kept
        ("x\U000e0067", "x"),  # stray tag character removed
        ("a\tb", "a b"),
        ("a\x0bb\x0cc", "a b c"),
        ("a\x00b\x07c\x1bd\x7fe", "abcde"),
        ("line\nline", "line\nline"),
        ("e\u0301", "\u00e9"),  # NFC
        ("e\u200b\u0301", "\u00e9"),  # NFC after removing the invisible in between
        ("ก\u0e4d\u0e32", "ก\u0e4d\u0e32"),  # NFC does not touch Thai sara am spelling
        ("\ue000ตัวหนา\ue001", "\ue000ตัวหนา\ue001"),  # Private Use Area kept (markup)
        ("\ud83d ok", "\ufffd ok"),  # lone surrogate → U+FFFD
        ("ok \udc00", "ok \ufffd"),
        ("", ""),
        ("\u00a0nbsp\u00a0", "\u00a0nbsp\u00a0"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_is_idempotent_on_example_page(example_page: str) -> None:
    once = normalize(example_page)
    assert normalize(once) == once


def test_normalized_text_encodes_to_utf8() -> None:
    normalize("\ud800\udfff a").encode("utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("สวัสดี", True), ("abc ๑", True), ("abc 1", False), ("", False), ("\u0e7f", True)],
)
def test_has_thai(text: str, expected: bool) -> None:
    assert has_thai(text) is expected
