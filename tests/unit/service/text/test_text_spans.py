import itertools

import pytest

from service.text.protect import find_spans

FAMILY = "👨\u200d👩\u200d👧"


def spans_of(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(s.kind, s.source) for s in find_spans(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Latin runs: names stay one span, with the spaces and joining punctuation inside.
        ("เลือกไทยเป็น Startup Digital Hub CLMVT ให้จบ", [("latin", "Startup Digital Hub CLMVT")]),
        (
            "ภายหลัง Ms. Angel Zhao Head of Globalization Leadership Group คณะ",
            [("latin", "Ms. Angel Zhao Head of Globalization Leadership Group")],
        ),
        ("ผู้ป่วย COVID-19 เพิ่ม", [("latin", "COVID-19")]),
        ("ซื้อ iPhone 15 Pro ใหม่", [("latin", "iPhone 15 Pro")]),
        ("drsomkit2", [("latin", "drsomkit2")]),
        ("Share: Facebook Twitter LINE", [("latin", "Share: Facebook Twitter LINE")]),
        ("บริษัท AT&T และ O'Neil", [("latin", "AT&T"), ("latin", "O'Neil")]),
        ("คุณ O’Neil มา", [("latin", "O’Neil")]),
        # Brackets around nothing but a span are kept as spans of their own (issue 12, point 8).
        ("ภาคตะวันออก (EEC) พัฒนา", [("punct", "("), ("latin", "EEC"), ("punct", ")")]),
        ("สร้าง Digital Hub ในพื้นที่", [("latin", "Digital Hub")]),
        ("บริษัท ABC Co., Ltd. จำกัด", [("latin", "ABC Co., Ltd.")]),
        ("Dr. Smith กล่าว", [("latin", "Dr. Smith")]),
        ("ที่ U.S. แล้ว", [("latin", "U.S.")]),
        ("ใช้ Python. ต่อไป", [("latin", "Python")]),  # sentence dot stays outside
        ("Café Müller เปิด", [("latin", "Café Müller")]),  # accented Latin
        ("นายJackกล่าว", [("latin", "Jack")]),  # glued to Thai
        ("เครือข่าย 5G ใหม่", [("latin", "5G")]),
        ("ราคา 15 USD", [("number", "15"), ("latin", "USD")]),
        ("TCP/IP", [("latin", "TCP/IP")]),
        ("Hub CLMVT 50% แล้ว", [("latin", "Hub CLMVT 50%")]),  # the suffix stays with its number
        ("Price 15$ ครับ", [("latin", "Price 15$")]),
        # a number glued to a name is not cut in two
        ("1,402.35Startup Hub ครับ", [("latin", "1,402.35Startup Hub")]),
        ("฿1,200.5G ครับ", [("latin", "฿1,200.5G")]),
        ("You are here", [("latin", "You are here")]),
        # Numbers.
        ("ประกอบด้วย 1.ด้านเอสเอ็มอี", [("number", "1")]),
        ("ยอด 1,402.35 ล้าน", [("number", "1,402.35")]),
        ("เวลา 08:00 น.", [("number", "08:00")]),
        ("โทร 081-234-5678", [("number", "081-234-5678")]),
        ("ชนะ 2-1", [("number", "2-1")]),
        ("วันที่ 25/12/2567", [("number", "25/12/2567")]),
        ("โต 1.5 เท่า", [("number", "1.5")]),
        ("อุณหภูมิ -3 องศา", [("number", "-3")]),
        ("ลด 50% ทันที", [("number", "50%")]),
        ("ราคา $15.99", [("number", "$15.99")]),
        ("ราคา ฿1,200 บาท", [("number", "฿1,200")]),
        ("เลขไทย ๑๒๓ ตัว", [("number", "๑๒๓")]),
        ("ก-3", [("number", "3")]),
        # URLs, e-mails, handles, hashtags.
        ("ดูที่https://www.example.com/path?q=1แล้ว", [("url", "https://www.example.com/path?q=1แล้ว")]),
        ("ดูที่ https://example.com/a. ต่อ", [("url", "https://example.com/a")]),
        (
            "ลิงก์ (https://example.com/x_(y)) ครับ",
            [("punct", "("), ("url", "https://example.com/x_(y)"), ("punct", ")")],
        ),
        (
            "ลิงก์ (https://example.com/x) ครับ",
            [("punct", "("), ("url", "https://example.com/x"), ("punct", ")")],
        ),
        (
            "อ่าน https://th.wikipedia.org/wiki/ประเทศไทย ได้",
            [("url", "https://th.wikipedia.org/wiki/ประเทศไทย")],
        ),
        ("เว็บ www.thaimt.org, ครับ", [("url", "www.thaimt.org")]),
        ("เว็บไซต์ example.co.th ครับ", [("url", "example.co.th")]),
        ("ASP.NET และ Node.js", [("latin", "ASP.NET"), ("latin", "Node.js")]),
        ("ติดต่อ info@thaimt.co.th ได้", [("email", "info@thaimt.co.th")]),
        ("อีเมล first.last+tag@mail.example.com.", [("email", "first.last+tag@mail.example.com")]),
        ("ตาม @ไทยรัฐ และ @elonmusk.", [("handle", "@ไทยรัฐ"), ("handle", "@elonmusk")]),
        ("#ข่าวด่วน วันนี้", [("hashtag", "#ข่าวด่วน")]),
        ("#COVID19 ระบาด", [("hashtag", "#COVID19")]),
        ("อันดับ #1 ของโลก", [("number", "1")]),
        # Emoji.
        ("ครอบครัว " + FAMILY + " สุขสันต์", [("emoji", FAMILY)]),
        ("ธงชาติ 🇹🇭🇯🇵", [("emoji", "🇹🇭🇯🇵")]),
        ("ยกนิ้ว 👍🏽 ให้", [("emoji", "👍🏽")]),
        ("กด 1️⃣ เลย", [("emoji", "1️⃣")]),
        ("รัก ❤️ มาก", [("emoji", "❤️")]),
        # Markup: every PUA character is its own span.
        ("\ue000ตัวหนา\ue001", [("markup", "\ue000"), ("markup", "\ue001")]),
        ("\ue000\ue001", [("markup", "\ue000"), ("markup", "\ue001")]),
        # Nothing to protect.
        ("สวัสดีครับ", []),
        ("", []),
    ],
)
def test_find_spans(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans_of(text) == expected


def test_example_page_english_names(example_page: str) -> None:
    sources = [s.source for s in find_spans(example_page) if s.kind == "latin"]
    for name in [
        "Startup Digital Hub CLMVT",
        "Ms. Angel Zhao Head of Globalization Leadership Group",
        "drsomkit2",
        "Digital Hub",
        "EEC",
        "You are here",
        "Top",
    ]:
        assert name in sources
    assert sources.count("Startup Digital Hub CLMVT") == 3


def test_spans_are_sorted_disjoint_and_point_into_text(example_page: str) -> None:
    spans = find_spans(example_page)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start
    for span in spans:
        assert example_page[span.start : span.end] == span.source
        assert span.output == span.source


GLOSSARY = {"อาลีบาบา": "Alibaba", "กระทรวงอุตสาหกรรม": "Ministry of Industry", "ไทย": "Thailand"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ทางอาลีบาบา ยืนยัน", [("glossary", "อาลีบาบา", "Alibaba")]),
        # longest match first: "กระทรวงอุตสาหกรรม" is not cut to a shorter entry
        (
            "กับกระทรวงอุตสาหกรรม กระทรวง",
            [("glossary", "กระทรวงอุตสาหกรรม", "Ministry of Industry")],
        ),
        ("ลงทุนในไทย", [("glossary", "ไทย", "Thailand")]),
        # a glossary term never breaks a hashtag or URL
        ("#ข่าวไทย", [("hashtag", "#ข่าวไทย", "#ข่าวไทย")]),
        ("https://x.com/ไทย", [("url", "https://x.com/ไทย", "https://x.com/ไทย")]),
    ],
)
def test_glossary_terms(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(s.kind, s.source, s.output) for s in find_spans(text, GLOSSARY)]
    assert found == expected


def test_glossary_latin_term_needs_word_boundary() -> None:
    found = find_spans("MAIN และ AI", {"AI": "artificial intelligence"})
    assert [(s.kind, s.source, s.output) for s in found] == [
        ("latin", "MAIN", "MAIN"),
        ("glossary", "AI", "artificial intelligence"),
    ]


def test_glossary_term_does_not_cut_combining_marks() -> None:
    # "ก่า" is ก + tone mark + า: a term "ก" must not take ก away from its tone mark.
    assert find_spans("ก่า", {"ก": "x"}) == []


def test_do_not_translate_is_kept_verbatim_and_wins_over_glossary() -> None:
    found = find_spans("อาลีบาบา กรุ๊ป", {"อาลีบาบา": "Alibaba"}, ["อาลีบาบา กรุ๊ป"])
    assert [(s.kind, s.source, s.output) for s in found] == [("keep", "อาลีบาบา กรุ๊ป", "อาลีบาบา กรุ๊ป")]
    found = find_spans("อาลีบาบา", {"อาลีบาบา": "Alibaba"}, ["อาลีบาบา"])
    assert [(s.kind, s.output) for s in found] == [("keep", "อาลีบาบา")]


def test_glossary_terms_are_stripped_and_empty_ones_ignored() -> None:
    found = find_spans("ไทย", {" ไทย ": "Thailand", "": "x", "  ": "y"}, ["", " "])
    assert [(s.source, s.output) for s in found] == [("ไทย", "Thailand")]


def test_changed_glossary_is_not_served_from_cache() -> None:
    glossary = {"ไทย": "Thailand"}
    assert [s.output for s in find_spans("ไทย จีน", glossary)] == ["Thailand"]
    glossary["จีน"] = "China"
    assert [s.output for s in find_spans("ไทย จีน", glossary)] == ["Thailand", "China"]
    glossary["ไทย"] = "Siam"
    assert [s.output for s in find_spans("ไทย จีน", glossary)] == ["Siam", "China"]


def test_many_glossary_terms() -> None:
    glossary = {f"คำ{i}": f"word{i}" for i in range(500)}
    found = find_spans("มีคำ12และคำ499ครับ", glossary)
    assert [(s.source, s.output) for s in found] == [("คำ12", "word12"), ("คำ499", "word499")]
