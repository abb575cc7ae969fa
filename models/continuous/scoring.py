"""The logits processors greedy ``generate()`` applies, built for one row's decoding options.

``generate()`` builds its processors from the model's generation config merged with the call's
arguments; this module builds the same ones, in the same order, for the fields thaimt's models
and options use (pad/bad words, ``no_repeat_ngram_size``, the benchmarks' minimum length, the
forced target-language token, suppressed tokens). A generation config that asks for anything
else (repetition penalties, forced EOS, sampling, ...) is reported by
:func:`unsupported_generation`, and such a model is decoded statically rather than differently.

Processors depend on a row's own decoder ids (its length, its n-grams), so the decoder applies
them to groups of rows of equal options and equal length (:func:`next_tokens`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from transformers import GenerationConfig, LogitsProcessorList

# Generation config fields, with the value that means "off", that this module does not build.
_OFF: dict[str, Any] = {
    "sequence_bias": None,
    "repetition_penalty": 1.0,
    "encoder_repetition_penalty": 1.0,
    "encoder_no_repeat_ngram_size": 0,
    "min_length": 0,
    "forced_eos_token_id": None,
    "remove_invalid_values": False,
    "exponential_decay_length_penalty": None,
    "begin_suppress_tokens": None,
    "renormalize_logits": False,
    "guidance_scale": None,
    "watermarking_config": None,
    "do_sample": False,
}


def unsupported_generation(config: GenerationConfig) -> str | None:
    """The first field of ``config`` that would make greedy ``generate()`` score tokens in a
    way this module does not reproduce, or None."""
    for name, off in _OFF.items():
        value = getattr(config, name, off)
        if value is not None and value != off and not (name == "guidance_scale" and value == 1):
            return name
    return None


def effective_config(base: GenerationConfig, arguments: dict[str, Any]) -> GenerationConfig:
    """``base`` (the model's generation config) updated with ``generate()`` arguments."""
    config = copy.deepcopy(base)
    config.update(**arguments)
    return config


def eos_ids(config: GenerationConfig) -> frozenset[int]:
    eos = config.eos_token_id
    if eos is None:
        return frozenset()
    return frozenset([eos] if isinstance(eos, int) else eos)


def processors(config: GenerationConfig, device: Any) -> LogitsProcessorList:
    """What ``generate()`` applies for ``config`` (a decoder prompt of one start token)."""
    import torch
    from transformers import (
        ForcedBOSTokenLogitsProcessor,
        LogitsProcessorList,
        MinNewTokensLengthLogitsProcessor,
        NoBadWordsLogitsProcessor,
        NoRepeatNGramLogitsProcessor,
        SuppressTokensLogitsProcessor,
    )

    eos = sorted(eos_ids(config))
    found = LogitsProcessorList()
    if config.no_repeat_ngram_size:
        found.append(NoRepeatNGramLogitsProcessor(config.no_repeat_ngram_size))
    if config.bad_words_ids is not None:
        found.append(NoBadWordsLogitsProcessor(config.bad_words_ids, eos or None))
    if config.min_new_tokens and eos:
        ends = torch.tensor(eos, device=device)
        found.append(MinNewTokensLengthLogitsProcessor(1, config.min_new_tokens, ends, device))
    if config.forced_bos_token_id is not None:
        found.append(ForcedBOSTokenLogitsProcessor(config.forced_bos_token_id))
    if config.suppress_tokens is not None:
        found.append(SuppressTokensLogitsProcessor(config.suppress_tokens, device=device))
    return found


def is_static(processor: Any) -> bool:
    """Whether ``processor`` changes every row's scores alike, whatever the row's ids or
    length (suppressed tokens; bad words of one token, such as Marian's pad): it can then be
    applied to all rows at once."""
    from transformers import NoBadWordsLogitsProcessor, SuppressTokensLogitsProcessor

    if isinstance(processor, SuppressTokensLogitsProcessor):
        return True
    if isinstance(processor, NoBadWordsLogitsProcessor):
        return all(len(word) == 1 for word in processor.bad_word_ids)
    return False


def next_tokens(
    sequences: Sequence[Sequence[int]],
    groups: Sequence[Any],
    scores: torch.Tensor,
    lists: dict[Any, LogitsProcessorList],
) -> tuple[list[int], list[float]]:
    """Greedy choice per row: ``sequences`` are the rows' decoder ids so far (start token
    first), ``groups`` their processor keys, ``scores`` (rows, vocabulary) float32 logits (a
    copy the caller gives up). Returns the chosen ids and their log-probabilities under the
    processed scores.

    Each group's processors run in ``generate()``'s order: a static one on all the group's rows
    at once, any other on each set of its rows of equal length (what it sees of a row is its
    ids, and a batch of them must be of one length)."""
    import torch

    members: dict[Any, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(group, []).append(row)
    for group, rows in members.items():
        for processor in lists[group]:
            static = is_static(processor)
            for cohort in [rows] if static else _by_length(rows, sequences):
                # A static processor does not read the ids: rows of any length go together.
                ids = [sequences[r][-1:] if static else sequences[r] for r in cohort]
                decoded = torch.tensor(ids, device=scores.device)
                if len(cohort) == scores.shape[0]:
                    scores = processor(decoded, scores)
                    continue
                index = torch.tensor(cohort, device=scores.device)
                scores[index] = processor(decoded, scores.index_select(0, index))
    chosen = torch.argmax(scores, dim=-1)
    # (log_softmax, not logsumexp: on CPU the latter is ten times slower over a vocabulary)
    logprobs = torch.log_softmax(scores, dim=-1).gather(1, chosen[:, None]).squeeze(1)
    return [int(i) for i in chosen.tolist()], [float(p) for p in logprobs.tolist()]


def _by_length(rows: list[int], sequences: Sequence[Sequence[int]]) -> list[list[int]]:
    cohorts: dict[int, list[int]] = {}
    for row in rows:
        cohorts.setdefault(len(sequences[row]), []).append(row)
    return list(cohorts.values())
