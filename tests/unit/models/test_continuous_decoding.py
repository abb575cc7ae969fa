"""Continuous (step-by-step) decoding on the tiny models: every row's output is the one greedy
``generate()`` makes of its segment alone, whatever joins and leaves around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.backend import DecodeOptions, ModelOutput
from models.continuous import JoiningRow, continuous_decoder, supports
from models.continuous.rows import StepDecoder, StepResult
from models.continuous.torch_stepper import TorchStepDecoder, unsupported_model
from models.torch_backend import TorchBackend

TEXTS = [
    "สวัสดีครับ วันนี้อากาศดีมาก",
    "ราคา 1,299 บาท สำหรับ iPhone",
    "แมว",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "ผมชอบกินข้าวผัดกุ้งมากที่สุด",
    "ประชุมวันพรุ่งนี้เวลาสิบโมงเช้า ที่ห้องประชุมใหญ่",
    "ขอบคุณ",
    "บริษัท Alibaba เปิดศูนย์ Startup Digital Hub ที่ EEC",
]
OPTIONS = [
    DecodeOptions(max_output_tokens=24),
    DecodeOptions(length_ratio=1.0, length_extra=2, max_output_tokens=40),  # short bounds
    DecodeOptions(max_output_tokens=24, no_repeat_ngram_size=2),
    DecodeOptions(forced_output_tokens=6),  # EOS suppressed until the 6th token
]

_reference: dict[tuple[str, int, int], ModelOutput] = {}


def reference(backend: TorchBackend, family: str, text: int, option: int) -> ModelOutput:
    """What ``generate()`` makes of one text alone (remembered across examples)."""
    key = (family, text, option)
    if key not in _reference:
        ids = backend.encode([TEXTS[text]])
        _reference[key] = backend.translate_batch(ids, OPTIONS[option])[0]
    return _reference[key]


def assert_same(output: ModelOutput, expected: ModelOutput) -> None:
    """Token-identical text; the score (mean log-probability) equal up to float rounding, as
    a batch's matrix products may round differently from a batch of one's."""
    assert replace(output, score=None) == replace(expected, score=None)
    assert (output.score is None) == (expected.score is None)
    if expected.score is not None:
        assert output.score == pytest.approx(expected.score, abs=1e-4)


def run_schedule(
    decoder: StepDecoder,
    backend: TorchBackend,
    rows: Sequence[tuple[int, int]],  # (text, option) of each row, in joining order
    joins: Sequence[int],  # rows joining at each step (the last entry repeats)
    cancel: dict[int, int],  # row -> step at which it is cancelled
) -> tuple[dict[int, ModelOutput], set[int], int]:
    """Drive ``decoder`` to the end; the outputs by row, the rows cancelled while running, and
    the steps taken."""
    ids = backend.encode([TEXTS[text] for text, _ in rows])
    waiting = list(range(len(rows)))
    outputs: dict[int, ModelOutput] = {}
    cancelled: set[int] = set()
    running: set[int] = set()
    step = 0
    while waiting or decoder.running:
        count = joins[min(step, len(joins) - 1)]
        if count == 0 and not decoder.running:
            count = 1  # an idle decoder would never end otherwise
        joining = [JoiningRow(r, tuple(ids[r]), OPTIONS[rows[r][1]]) for r in waiting[:count]]
        waiting = waiting[count:]
        leaving = {r for r in running if cancel.get(r) == step}
        result: StepResult = decoder.step(joining, leaving)
        assert not result.failed
        cancelled |= leaving
        running = (running | {j.key for j in joining}) - leaving  # type: ignore[misc]
        for done in result.finished:
            assert done.key not in cancelled
            outputs[done.key] = done.output  # type: ignore[index]
            running.discard(done.key)  # type: ignore[arg-type]
        assert result.running == decoder.running == len(running)
        step += 1
    return outputs, cancelled, step


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, len(TEXTS) - 1), st.integers(0, len(OPTIONS) - 1)),
        min_size=1,
        max_size=10,
    ),
    joins=st.lists(st.integers(0, 3), min_size=1, max_size=12),
    cancel=st.dictionaries(st.integers(0, 9), st.integers(0, 15), max_size=3),
)
def test_greedy_outputs_equal_generate_under_any_join_leave_schedule(
    family_backends, rows, joins, cancel
):
    backend = family_backends["marian"]
    decoder = continuous_decoder(backend)
    assert decoder is not None
    outputs, cancelled, _ = run_schedule(decoder, backend, rows, joins, cancel)
    assert set(outputs) | cancelled == set(range(len(rows)))
    for row, output in outputs.items():
        text, option = rows[row]
        assert_same(output, reference(backend, "marian", text, option))


@pytest.mark.parametrize("family", ["nllb", "m2m100"])
def test_forced_target_language_families_decode_alike(family_backends, family):
    """NLLB and M2M100: the forced target-language token, their offset position table."""
    backend = family_backends[family]
    decoder = continuous_decoder(backend)
    assert decoder is not None
    rows = [(i % len(TEXTS), i % len(OPTIONS)) for i in range(12)]
    outputs, _, _ = run_schedule(decoder, backend, rows, [2, 0, 1, 3, 0, 0, 1], {})
    for row, output in outputs.items():
        assert_same(output, reference(backend, family, *rows[row]))
    assert len(outputs) == len(rows)


def test_a_cancelled_row_leaves_at_the_next_step(family_backends):
    backend = family_backends["marian"]
    decoder = continuous_decoder(backend)
    assert isinstance(decoder, TorchStepDecoder)
    ids = backend.encode(TEXTS[:3])
    long = DecodeOptions(forced_output_tokens=30)
    joining = [JoiningRow(k, tuple(i), long) for k, i in enumerate(ids)]
    decoder.step(joining)
    assert decoder.running == 3 and decoder.batch is not None and decoder.batch.size == 3
    result = decoder.step(leaving={1})
    assert decoder.running == 2 and decoder.batch.size == 2
    assert [row.key for row in decoder.rows] == [0, 2]
    assert result.finished == [] and result.running == 2
    # The rows left behind still decode what they would have alone.
    while decoder.running:
        result = decoder.step()
    outputs = {done.key: done.output for done in result.finished}
    assert sorted(outputs) == [0, 2]
    for key in (0, 2):
        assert_same(outputs[key], backend.translate_batch([ids[key]], long)[0])


def test_the_batch_is_trimmed_when_its_longest_rows_leave(family_backends):
    backend = family_backends["marian"]
    decoder = continuous_decoder(backend)
    assert isinstance(decoder, TorchStepDecoder)
    short, long = backend.encode([TEXTS[2], TEXTS[7]])
    options = DecodeOptions(forced_output_tokens=12)
    decoder.step([JoiningRow("long", tuple(long), options)])
    for _ in range(4):
        decoder.step()
    decoder.step([JoiningRow("short", tuple(short), options)])
    assert decoder.batch is not None
    assert decoder.batch.decoder_mask.shape[1] == 6  # the long row's start token and 5 more
    assert decoder.batch.encoder_mask.shape[1] == len(long)
    decoder.step(leaving={"long"})
    assert decoder.batch.decoder_mask.shape[1] == 2  # the short row's own length
    assert decoder.batch.encoder_mask.shape[1] == len(short)
    assert int(decoder.batch.encoder_mask.sum()) == len(short)


def test_rows_that_cannot_join_fail_alone(family_backends):
    backend = family_backends["marian"]
    decoder = continuous_decoder(backend)
    assert decoder is not None
    (ids,) = backend.encode([TEXTS[0]])
    too_long = tuple(ids) * (backend.max_input_tokens // len(ids) + 1)
    beam = DecodeOptions(beam_size=3)
    result = decoder.step(
        [
            JoiningRow("ok", tuple(ids), OPTIONS[0]),
            JoiningRow("long", too_long, OPTIONS[0]),
            JoiningRow("beam", tuple(ids), beam),
        ]
    )
    assert sorted(str(key) for key, _ in result.failed) == ["beam", "long"]
    assert all(isinstance(exc, ValueError) for _, exc in result.failed)
    assert result.joined == 1 and decoder.running == 1
    assert not supports(beam) and supports(OPTIONS[0])


def test_token_logprobs_come_with_every_output(family_backends):
    backend = family_backends["nllb"]
    decoder = continuous_decoder(backend)
    assert decoder is not None
    (ids,) = backend.encode([TEXTS[1]])
    options = DecodeOptions(forced_output_tokens=5)
    result = decoder.step([JoiningRow(0, tuple(ids), options)])
    while decoder.running:
        result = decoder.step()
    (done,) = result.finished
    assert len(done.token_logprobs) == 5 == done.output.tokens
    assert done.token_logprobs[0] == 0.0  # the forced target-language token
    assert all(p <= 0.0 for p in done.token_logprobs)
    assert done.mean_logprob is not None and done.mean_logprob < 0
    # The output's score is generate()'s (models.scoring): the mean over the same tokens
    assert done.output.score == pytest.approx(done.mean_logprob)
    assert_same(done.output, backend.translate_batch([ids], options)[0])


def test_models_it_cannot_step_are_refused(family_backends):
    backend = family_backends["marian"]
    assert unsupported_model(backend.model) is None

    class OtherConfig:
        is_encoder_decoder = True
        model_type = "t5"

    class Other:
        config = OtherConfig()
        generation_config = backend.model.generation_config

    assert "t5" in str(unsupported_model(Other()))
    assert continuous_decoder(object()) is None  # not a torch backend
