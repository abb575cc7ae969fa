from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.formats.markers import Piece, marker, order_markers, split_markers


def _indexes(pieces: list[Piece]) -> list[int]:
    return [p.index for p in pieces if p.index is not None]


@pytest.mark.parametrize(
    ("translation", "count", "expected"),
    [
        (f"a{marker(0)}b{marker(1)}c", 2, [0, 1]),
        (f"{marker(1)}a{marker(0)}", 2, [1, 0]),
        (f"a{marker(0)}{marker(0)}b", 2, [0, 1]),  # duplicate dropped, missing appended
        ("plain", 1, [0]),
    ],
)
def test_split_markers_returns_each_marker_once(translation, count, expected):
    assert _indexes(split_markers(translation, count)) == expected


def test_order_keeps_a_valid_reordering_of_pairs():
    # <b>x</b> <i>y</i>  →  <i>y</i> <b>x</b> is a legitimate reordering
    pairs = {0: 1, 2: 3}
    pieces = split_markers(f"{marker(2)}y{marker(3)} {marker(0)}x{marker(1)}", 4)
    assert _indexes(order_markers(pieces, pairs)) == [2, 3, 0, 1]


def test_order_repairs_close_before_open():
    pieces = split_markers(f"{marker(1)}x{marker(0)}", 2)
    assert _indexes(order_markers(pieces, {0: 1})) == [0, 1]


def test_opaque_markers_need_source_order():
    pieces = split_markers(f"{marker(1)}x{marker(0)}", 2)
    repaired = order_markers(pieces, None)
    assert _indexes(repaired) == [0, 1]
    assert [p.text for p in repaired if p.index is None] == ["x"]


def _nests(order: list[int], pairs: dict[int, int]) -> bool:
    closers = {c: o for o, c in pairs.items()}
    stack: list[int] = []
    for i in order:
        if i in pairs:
            stack.append(i)
        elif i in closers and (not stack or stack.pop() != closers[i]):
            return False
    return not stack


@given(st.permutations(list(range(6))))
def test_any_marker_order_becomes_well_nested(order):
    pairs = {0: 3, 1: 2, 4: 5}  # <a><b></b></a><c></c>
    translation = "".join(f"w{marker(i)}" for i in order)
    result = _indexes(order_markers(split_markers(translation, 6), pairs))
    assert sorted(result) == list(range(6))
    assert _nests(result, pairs)


def test_all_orders_of_two_pairs():
    for order in itertools.permutations(range(4)):
        pieces = split_markers("".join(marker(i) for i in order), 4)
        assert _nests(_indexes(order_markers(pieces, {0: 1, 2: 3})), {0: 1, 2: 3})
