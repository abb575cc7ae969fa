"""A segment's translation does not depend on what it is batched with, for both backends and
beam search too (issue 19, point 9: a batch run's output of one HTML alt text depended on
--chunk-chars), and counting a long text does not log transformers' "Token indices sequence
length is longer than ..." warning (the pipeline counts long texts on purpose, to split them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from models.backend import DecodeOptions, decode_groups, decode_length
from models.loading import ModelSpec, load_backend

SHORT = ["ภาพข่าว เศรษฐกิจ", "นอกจากนี้ นายสมคิด ได้เชิญชวนให้อาลีบาบา", "ผู้บริหาร"]
LONG = [
    "นายสมคิด จาตุศรีพิทักษ์ รองนายกรัฐมนตรี เปิดเผยว่า รัฐบาลจะผลักดันการลงทุน" * 3,
    "ประเทศไทยเป็นศูนย์กลางของภูมิภาค และจะพัฒนาเศรษฐกิจดิจิทัลอย่างต่อเนื่อง" * 2,
]


@pytest.fixture(scope="module", params=["ct2", "torch"])
def backend(request: pytest.FixtureRequest, tiny_model_dir: Path) -> Any:
    spec = ModelSpec(model=str(tiny_model_dir), backend=request.param, device="cpu", threads=1)
    return load_backend(spec)


@pytest.mark.parametrize("beam", [1, 4])
def test_a_segment_gets_the_same_translation_alone_or_in_any_batch(backend: Any, beam: int) -> None:
    options = DecodeOptions(beam_size=beam)
    alone = [backend.translate_batch(backend.encode([s]), options)[0].text for s in SHORT]
    mixed = backend.translate_batch(backend.encode([LONG[0], *SHORT, LONG[1]]), options)
    assert [o.text for o in mixed[1:-1]] == alone


def test_beam_search_decodes_each_length_on_its_own() -> None:
    beam = DecodeOptions(beam_size=4)
    assert decode_length(11, beam) == 16 and decode_length(16, beam) == 16
    assert decode_length(510, beam) == 512  # never past max_output_tokens
    assert decode_groups([11, 40, 12, 16, 17], beam) == [[0, 2, 3], [4], [1]]
    assert decode_groups([11, 40, 12], DecodeOptions()) == [[0, 2, 1]]  # greedy: one call


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_counting_a_long_text_logs_no_sequence_length_warning(tiny_model_dir: Path) -> None:
    records = Records()
    library = logging.getLogger("transformers")  # its own handler; it does not propagate
    library.addHandler(records)
    try:
        for name in ("ct2", "torch"):  # fresh backends: transformers warns once per tokenizer
            spec = ModelSpec(model=str(tiny_model_dir), backend=name, device="cpu", threads=1)
            fresh = load_backend(spec)
            (ids,) = fresh.encode(["สวัสดีครับ " * 400])
            assert len(ids) > fresh.max_input_tokens
    finally:
        library.removeHandler(records)
    assert not [m for m in records.messages if "sequence length is longer" in m]
