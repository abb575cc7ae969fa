import pytest

from service.text.protect import find_spans
from service.text.sentences import split_sentences

NEWS = (
    "นายสมคิด จาตุศรีพิทักษ์ รองนายกรัฐมนตรี ฝ่ายเศรษฐกิจ เปิดเผยภายหลัง "
    "Ms. Angel Zhao Head of Globalization Leadership Group คณะผู้บริหารบริษัท อาลีบาบา กรุ๊ป "
    "เข้าพบว่า ทางอาลีบาบา ยืนยัน จะเข้ามาลงทุนในไทย ซึ่งได้รับคำยืนยันจากนายแจ็ค หม่า"
)
LIST = (
    "ซึ่งทางอาลีบาบา ได้ยื่นข้อเสนอที่ต้องการเข้ามาดำเนินการใน 4 โครงการ ประกอบด้วย "
    "1.ด้านเอสเอ็มอีไปสู่ดิจิทัล โดยมอบหมายให้นายอุตตม สาวนายน รมว.อุตสาหกรรมรับไปดำเนินการ "
    "2.ด้านการเกษตร พัฒนาไปสู่การทำอีคอมเมิร์ช"
)


def _check_pieces(paragraph: str, pieces: list[str]) -> None:
    assert "".join(pieces) == paragraph
    assert all(pieces)
    for piece in pieces[:-1]:  # whitespace stays at the end of the piece before a boundary
        assert not piece[0].isspace() or piece is pieces[0]


@pytest.mark.parametrize(
    "paragraph",
    [
        "สวัสดีครับ",
        "  สวัสดีครับ  วันนี้อากาศดีมาก   ผมจะไปเที่ยวทะเล  ",
        "วันนี้ฝนตกหนัก ผมจึงไม่ได้ไปทำงาน แต่พรุ่งนี้จะไปแน่นอน",
        "a\n\nb",
        "Hello world. This is English! Really?",
        NEWS,
        LIST,
        "   ",
        "ไทย\u00a0ไทย",
    ],
)
def test_pieces_concatenate_exactly(paragraph: str) -> None:
    _check_pieces(paragraph, split_sentences(paragraph))


def test_empty_paragraph_gives_no_piece() -> None:
    assert split_sentences("") == []


def test_whitespace_only_is_one_piece() -> None:
    assert split_sentences(" \n ") == [" \n "]


def test_long_paragraph_is_split() -> None:
    pieces = split_sentences(NEWS)
    assert len(pieces) >= 2
    assert pieces[0].endswith(" ")


def test_protected_span_is_not_cut() -> None:
    # crfcut cuts after every token ending in "." — here after "Ms." — unless told otherwise.
    spans = [(s.start, s.end) for s in find_spans(NEWS)]
    pieces = split_sentences(NEWS, keep_together=spans)
    _check_pieces(NEWS, pieces)
    assert any("Ms. Angel Zhao Head of Globalization Leadership Group" in p for p in pieces)


@pytest.mark.parametrize("cut", [(0, len(NEWS))])
def test_keep_together_whole_paragraph(cut: tuple[int, int]) -> None:
    assert split_sentences(NEWS, keep_together=[cut]) == [NEWS]


def test_list_numbers_start_sentences_and_abbreviations_stay() -> None:
    pieces = split_sentences(LIST)
    _check_pieces(LIST, pieces)
    assert any(p.startswith("1.ด้าน") for p in pieces)
    assert any(p.startswith("2.ด้าน") for p in pieces)
    assert not any(p.endswith(("1.", "2.", "รมว.")) for p in pieces)
    assert any("รมว.อุตสาหกรรม" in p for p in pieces)


def test_example_page_paragraphs(example_page: str) -> None:
    for paragraph in example_page.split("\n\n"):
        spans = [(s.start, s.end) for s in find_spans(paragraph)]
        pieces = split_sentences(paragraph, keep_together=spans)
        _check_pieces(paragraph, pieces)
        starts = {sum(map(len, pieces[:i])) for i in range(1, len(pieces))}
        assert not any(a < b < c for b in starts for a, c in spans)
