"""The model's own score for its output: the mean log-probability of the generated tokens, the
same on both backends, for greedy and beam search, whatever the batch."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from models.backend import DecodeOptions
from models.convert import convert_model
from models.corpus import thai_lines
from models.loading import ModelSpec, load_backend
from models.scoring import from_normalised, mean_log_prob
from models.torch_backend import TorchBackend

GREEDY = DecodeOptions(max_output_tokens=12)


@pytest.mark.parametrize(("log_probs", "score"), [([-1.0, -3.0], -2.0), ([-0.5], -0.5), ([], None)])
def test_mean_log_prob(log_probs: list[float], score: float | None) -> None:
    assert mean_log_prob(log_probs) == score


@pytest.mark.parametrize(
    ("score", "tokens", "ended", "mean"),
    [
        (-2.0, 4, False, -2.0),  # ran to its bound: four scored positions
        (-2.0, 4, True, -1.6),  # ended: the end token's log-prob is in the sum, a fifth position
        (-2.0, 0, True, None),  # nothing but an end token: the sum is lost in CTranslate2's 0/0
        (float("-inf"), 3, True, None),
    ],
)
def test_from_normalised(score: float, tokens: int, ended: bool, mean: float | None) -> None:
    result = from_normalised(score, tokens, ended)
    assert result == (None if mean is None else pytest.approx(mean))


def teacher_forced(backend: TorchBackend, ids: list[int], text_ids: list[int]) -> float:
    """The mean log-prob of ``text_ids`` given ``ids``, by one forward pass of the model."""
    import torch

    start = backend.model.config.decoder_start_token_id
    decoder = torch.tensor([[start, *text_ids[:-1]]])
    with torch.inference_mode():
        logits = backend.model(input_ids=torch.tensor([ids]), decoder_input_ids=decoder).logits
    log_probs = logits.log_softmax(-1)[0]
    return sum(log_probs[i, t].item() for i, t in enumerate(text_ids)) / len(text_ids)


def test_torch_score_is_the_mean_log_prob_of_what_it_generated(tiny_backend: Any) -> None:
    """The recorder's log-probabilities equal a teacher-forced pass over the same tokens."""
    import torch

    ids = tiny_backend.encode(thai_lines()[:3])
    outputs = tiny_backend.translate_batch(ids, GREEDY)
    for row, output in zip(ids, outputs, strict=True):
        kwargs = tiny_backend.generation_kwargs(len(row), GREEDY)
        generated = tiny_backend.model.generate(input_ids=torch.tensor([row]), **kwargs)
        generated = generated[0, 1:].tolist()
        assert output.score == pytest.approx(teacher_forced(tiny_backend, row, generated), abs=1e-4)
        assert output.score < 0


@pytest.mark.parametrize("family", ["marian", "nllb"])
def test_both_backends_give_the_same_scores(
    family: str,
    family_dirs: dict[str, Path],
    family_backends: dict[str, TorchBackend],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Greedy and beam search (with n-best), float32 on both sides: CTranslate2's normalised
    score converted back equals the torch recorder's mean, forced language token included."""
    out = tmp_path_factory.mktemp(f"scores-{family}") / "model"
    convert_model(str(family_dirs[family]), out, quantization="float32")
    ct2 = load_backend(ModelSpec(model=str(out), backend="ct2", device="cpu", threads=1))
    torch_backend = family_backends[family]
    texts = thai_lines()[:4]
    for options in (GREEDY, DecodeOptions(beam_size=3, alternatives=2, max_output_tokens=12)):
        a = torch_backend.translate_batch(torch_backend.encode(texts), options)
        b = ct2.translate_batch(ct2.encode(texts), options)
        assert [o.text for o in a] == [o.text for o in b]
        assert [o.score for o in a] == pytest.approx([o.score for o in b], abs=1e-4)


def test_a_score_does_not_depend_on_the_batch(tiny_backend: Any) -> None:
    """Rows cut back to their own bound are scored on their kept tokens only."""
    texts = thai_lines()[:8]  # of different lengths, hence different bounds
    options = DecodeOptions(max_output_tokens=40)
    ids = tiny_backend.encode(texts)
    together = tiny_backend.translate_batch(ids, options)
    alone = [tiny_backend.translate_batch([row], options)[0] for row in ids]
    assert [o.score for o in together] == pytest.approx([o.score for o in alone], abs=1e-4)


def test_scores_can_be_turned_off(tiny_backend: Any) -> None:
    ids = tiny_backend.encode(thai_lines()[:2])
    off = tiny_backend.translate_batch(ids, DecodeOptions(max_output_tokens=8, scores=False))
    on = tiny_backend.translate_batch(ids, DecodeOptions(max_output_tokens=8))
    assert [o.score for o in off] == [None, None]
    assert [o.text for o in off] == [o.text for o in on]
    assert all(o.score is not None and math.isfinite(o.score) for o in on)
