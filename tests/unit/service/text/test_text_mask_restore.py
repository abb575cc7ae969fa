import pytest
import regex

from service.text.protect import PLACEHOLDER, ProtectedSpan, SpanMap, find_spans, mask, protect
from service.text.restore import RestoreReport, restore, restore_with_report

SOURCE = "นาย Jack Ma ก่อตั้ง Alibaba ในปี 1999"  # ZX0=Jack Ma, ZX1=Alibaba, ZX2=1999


@pytest.fixture
def span_map() -> SpanMap:
    masked, span_map = protect(SOURCE)
    assert masked == "นาย ZX0 ก่อตั้ง ZX1 ในปี ZX2"
    return span_map


@pytest.mark.parametrize(
    ("model_output", "expected", "report"),
    [
        # clean
        ("Mr. ZX0 founded ZX1 in ZX2.", "Mr. Jack Ma founded Alibaba in 1999.", RestoreReport()),
        # reordered
        ("In ZX2, ZX0 founded ZX1.", "In 1999, Jack Ma founded Alibaba.", RestoreReport()),
        # case and spaces inside the placeholder
        ("Mr. zx0 founded Zx1 in ZX 2.", "Mr. Jack Ma founded Alibaba in 1999.", RestoreReport()),
        ("Mr. Z X0 founded z x1 in ZX2.", "Mr. Jack Ma founded Alibaba in 1999.", RestoreReport()),
        # punctuation attached
        ("(ZX0) founded 'ZX1' in ZX2.", "(Jack Ma) founded 'Alibaba' in 1999.", RestoreReport()),
        # glued to a word: a space is added on the left
        (
            "Mr.ZX0 founded theZX1 in ZX2.",
            "Mr.Jack Ma founded the Alibaba in 1999.",
            RestoreReport(),
        ),
        # duplicates removed with their space
        (
            "ZX0 ZX0 founded ZX1 in ZX2 ZX2.",
            "Jack Ma founded Alibaba in 1999.",
            RestoreReport(duplicates=2),
        ),
        # out-of-range id and id-less "ZX" removed
        (
            "ZX0 founded ZX17 ZX1 in ZX2 ZX.",
            "Jack Ma founded Alibaba in 1999.",
            RestoreReport(invalid=2),
        ),
        ("ZX99999999999999999999 ZX0 ZX1 ZX2", "Jack Ma Alibaba 1999", RestoreReport(invalid=1)),
        # missing: after the restored span that precedes it in source order
        (
            "ZX0 founded a company in ZX2.",
            "Jack Ma Alibaba founded a company in 1999.",
            RestoreReport(missing=(1,)),
        ),
        # missing first span: before the first restored one
        (
            "He founded ZX1 in ZX2.",
            "He founded Jack Ma Alibaba in 1999.",
            RestoreReport(missing=(0,)),
        ),
        # nothing restored: appended before the final punctuation
        (
            "He founded a company.",
            "He founded a company Jack Ma Alibaba 1999.",
            RestoreReport(missing=(0, 1, 2)),
        ),
        ("Really?!  ", "Really Jack Ma Alibaba 1999?!  ", RestoreReport(missing=(0, 1, 2))),
        ("", "Jack Ma Alibaba 1999", RestoreReport(missing=(0, 1, 2))),
        # everything wrong at once
        (
            "zx2 zx2 ZX5 garbage z x 1",
            "1999 garbage Jack Ma Alibaba",  # 0 goes before 1, the next one in source order
            RestoreReport(missing=(0,), duplicates=1, invalid=1),
        ),
    ],
)
def test_restore_garbled_outputs(
    span_map: SpanMap, model_output: str, expected: str, report: RestoreReport
) -> None:
    assert restore_with_report(model_output, span_map) == (expected, report)


def test_words_that_merely_contain_z_and_x_are_untouched(span_map: SpanMap) -> None:
    text = "Jazz x 3 and Zxy ZX0 ZX1 ZX2"
    assert restore(text, span_map) == "Jazz x 3 and Zxy Jack Ma Alibaba 1999"


def test_report_clean_flag() -> None:
    assert RestoreReport().clean
    assert not RestoreReport(duplicates=1).clean


def test_replacement_text_is_never_rescanned() -> None:
    # The input literally contains "ZX1" and "zx0": they are Latin spans whose outputs look
    # like placeholders. Restoring must not replace them a second time.
    masked, span_map = protect("ข้อความ ZX1 และ zx0 กับ Z X2")
    assert masked == "ข้อความ ZX0 และ ZX1 กับ ZX2"
    assert restore(masked, span_map) == "ข้อความ ZX1 และ zx0 กับ Z X2"
    assert restore("ZX2 ZX1 ZX0", span_map) == "Z X2 zx0 ZX1"


def test_glossary_output_replaces_the_term() -> None:
    masked, span_map = protect("ทางอาลีบาบา ยืนยัน", {"อาลีบาบา": "Alibaba"})
    assert masked == "ทางZX0 ยืนยัน"
    assert restore("The ZX0 confirmed", span_map) == "The Alibaba confirmed"


def test_mask_keeps_surrounding_spaces_and_numbers_in_order() -> None:
    masked, span_map = protect("  A  ข  1  ")
    assert masked == "  ZX0  ข  ZX1  "
    assert [s.source for s in span_map.spans] == ["A", "1"]
    assert span_map.ids == [0, 1]


def test_mask_rejects_overlapping_spans() -> None:
    spans = [ProtectedSpan(0, 3, "abc", "abc", "latin"), ProtectedSpan(2, 4, "cd", "cd", "latin")]
    with pytest.raises(ValueError, match="overlaps"):
        mask("abcd", spans)


def test_subset_keeps_original_ids() -> None:
    text = "A ข B ค C ง D"
    masked, span_map = protect(text)
    assert masked == "ZX0 ข ZX1 ค ZX2 ง ZX3"
    first, second = masked[:12], masked[12:]  # "ZX0 ข ZX1 ค " | "ZX2 ง ZX3"
    part = span_map.subset(second)
    assert part.ids == [2, 3]
    assert [s.source for s in part.spans] == ["C", "D"]
    assert restore(first, span_map.subset(first)) + restore(second, part) == text
    # a piece's restore never inserts spans of another piece
    assert restore("nothing", part) == "nothing C D"


def test_placeholder_helpers() -> None:
    assert SpanMap.placeholder(12) == "ZX12"
    match = SpanMap.pattern.search("a zx 3")
    assert match is not None
    assert match.group(1) == "3"
    assert PLACEHOLDER.fullmatch("ZX12")


def test_span_map_rejects_mismatched_ids() -> None:
    with pytest.raises(ValueError, match="ids"):
        SpanMap(spans=[ProtectedSpan(0, 1, "a", "a", "latin")], ids=[0, 1])


def test_example_page_round_trip(example_page: str) -> None:
    masked, span_map = protect(example_page)
    assert regex.search(r"\p{Latin}", PLACEHOLDER.sub("", masked)) is None
    assert restore(masked, span_map) == example_page
    assert len(span_map) == len(find_spans(example_page))


@pytest.mark.parametrize(
    "text",
    [
        "info@thaimt.co.thdrsomkit2",  # adjacent spans: the second is not spaced away
        "Hi😀ไทย",
        "ZX0ZX1",
        "นายJackกล่าว",
        "\ue000ตัวหนา\ue001 Bold\ue002",
    ],
)
def test_round_trip_regressions(text: str) -> None:
    masked, span_map = protect(text)
    assert restore(masked, span_map) == text
