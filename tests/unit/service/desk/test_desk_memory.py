"""Memory units: keyed by the masked segment, the English with slots for the segment's spans,
fixed where the English does not show a span verbatim."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.desk.memory import MemoryUnit, UnitInvalid, fill_slots, make_unit, mask_target
from service.text.protect import ProtectedSpan, protect


def test_a_unit_serves_the_same_sentence_with_other_numbers_and_names() -> None:
    unit = make_unit("ราคา 100 บาท ที่ Central World", "It costs 100 baht at Central World")
    assert unit.masked_source == "ราคา ZX0 บาท ที่ ZX1" and unit.unconditional
    masked, spans = protect("ราคา 2,500 บาท ที่ Siam Paragon")
    assert masked == unit.masked_source
    assert unit.target_for(spans) == "It costs 2,500 baht at Siam Paragon"


def test_a_span_the_english_rewrites_is_fixed() -> None:
    unit = make_unit("ราคา 100 บาท", "It costs a hundred baht")
    assert unit.fixed == {0: "100"} and not unit.unconditional
    assert unit.target_for(protect("ราคา 100 บาท")[1]) == "It costs a hundred baht"
    assert unit.target_for(protect("ราคา 250 บาท")[1]) is None


@pytest.mark.parametrize(
    ("english", "outputs", "masked"),
    [
        ("In 2024, 4 projects", ["4"], "In 2024, {0} projects"),  # not the 4 of 2024
        ("The EECs and the EEC", ["EEC"], "The EECs and the {0}"),  # nor the EEC of EECs
        ("EEC 2 and 2", ["2", "EEC 2"], "{1} and {0}"),  # longer outputs first
        ("{braces} stay", [], "{{braces}} stay"),  # an editor's braces are text
    ],
)
def test_slots_take_outputs_that_stand_alone(english: str, outputs: list[str], masked: str) -> None:
    spans = [ProtectedSpan(0, len(o), o, o, "latin") for o in outputs]
    assert mask_target(english, spans) == (masked, {})


@given(st.text(alphabet=st.sampled_from("ab {}4 EEC2"), max_size=40))
def test_the_english_comes_back_exactly_with_its_own_spans(english: str) -> None:
    spans = [ProtectedSpan(0, 1, "4", "4", "number"), ProtectedSpan(2, 5, "EEC", "EEC", "latin")]
    masked, _fixed = mask_target(english, spans)
    assert fill_slots(masked, {0: "4", 1: "EEC"}) == english


def test_units_round_trip_through_their_stored_form() -> None:
    unit = make_unit("ราคา 100 บาท ที่ {ร้าน}", "A hundred baht at {the shop}", {"บาท": "THB"})
    assert MemoryUnit.loads(unit.dumps()) == unit


@pytest.mark.parametrize(
    ("source", "target", "why"),
    [("", "x", "empty"), ("Central World", "x", "no Thai"), ("ราคา", " ", "empty"),
     ("100 EEC", "x", "no Thai"), ("ราคา\nบาท", "x", "one sentence")],
)  # fmt: skip
def test_nothing_to_remember_is_refused(source: str, target: str, why: str) -> None:
    with pytest.raises(UnitInvalid, match=why):
        make_unit(source, target)
