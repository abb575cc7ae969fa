"""The PyTorch backend: a ``transformers`` seq2seq model and its tokenizer.

CPU runs in float32; CUDA runs in float16 unless told otherwise. Inputs are never truncated: the
pipeline splits segments to fit ``max_input_tokens`` and an input over it is a bug upstream, so
it raises instead of silently losing text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from models.backend import (
    DecodeOptions,
    ModelOutput,
    check_budget,
    decode_groups,
    decode_length,
)
from models.errors import ModelError
from models.families import family_of
from models.hf import default_max_input_tokens, load_config, quiet_transformers
from models.scoring import mean_log_prob
from models.source import model_revision, resolve_model_dir
from models.spec import ModelSpec
from models.torch_scoring import StepRecorder

_DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}


def load(spec: ModelSpec) -> TorchBackend:
    """Entry point used by :func:`models.loading.load_backend`."""
    return TorchBackend(spec)


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when available, else ``cpu``; other values are checked and kept."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device {device!r} requested but CUDA is not available")
    if device != "cpu" and not device.startswith("cuda"):
        raise ModelError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    """``auto`` → float16 on CUDA, float32 on CPU (half precision is slow or unsupported there)."""
    import torch

    if dtype == "auto":
        return torch.float16 if device.startswith("cuda") else torch.float32
    if dtype not in _DTYPES:
        raise ModelError(
            f"dtype {dtype!r} is not supported by the torch backend; "
            f"use auto, {', '.join(sorted(set(_DTYPES.values())))}"
        )
    return getattr(torch, _DTYPES[dtype])


class TorchBackend:
    """A Thai→English model run with PyTorch (see :class:`models.backend.Backend`)."""

    name = "torch"

    def __init__(self, spec: ModelSpec) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        model_dir = resolve_model_dir(spec.model, spec.revision)
        self.model_id = spec.model
        self.revision = model_revision(model_dir)
        self.device = resolve_device(spec.device)
        self.dtype = resolve_dtype(spec.dtype, self.device)
        self.precision = str(self.dtype).removeprefix("torch.")
        if spec.threads > 0:
            torch.set_num_threads(spec.threads)
        with quiet_transformers():
            config = load_config(model_dir)
            record = family_of(model_dir)
            self.family = record.name
            self.tokenizer = record.load_tokenizer(model_dir)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=self.dtype)
        self.model.to(self.device).eval()
        # We always pass max_new_tokens; a max_length from the hub config only adds warnings.
        self.model.generation_config.max_length = None
        # No forced EOS at the length bound: a row then holds exactly its own bound of tokens
        # whatever its batch-mates' bounds, so batching never changes a translation (see
        # translate_batch). EOS is dropped when decoding anyway.
        self.model.generation_config.forced_eos_token_id = None
        self.forced_bos_token_id = record.forced_bos_token_id(self.tokenizer)
        # Rust-backed tokenizers (NLLB) are not safe to call from two threads at once, and the
        # server counts tokens in worker threads while the model thread encodes and decodes.
        self._tokenizer_lock = threading.Lock()
        self.max_input_tokens = spec.max_input_tokens or default_max_input_tokens(
            getattr(config, "max_position_embeddings", None), self.tokenizer
        )
        # Special tokens, the forced target token and the family's own (by id, see Family).
        self._skip_ids = record.output_skip_ids(self.tokenizer)
        pad = self.tokenizer.pad_token_id
        self._pad_id = int(pad if pad is not None else self.model.config.pad_token_id or 0)
        eos = self.model.generation_config.eos_token_id
        self._end_ids = set(eos if isinstance(eos, list) else [] if eos is None else [eos])

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        with self._tokenizer_lock, quiet_transformers():
            # verbose=False: no "sequence length is longer than ... 512" warning; the pipeline
            # counts long texts on purpose, to split them to the budget.
            encoded = self.tokenizer(
                list(texts), add_special_tokens=True, truncation=False, verbose=False
            )
        return [list(ids) for ids in encoded["input_ids"]]

    def generation_kwargs(
        self, longest_input: int, options: DecodeOptions, max_new: int | None = None
    ) -> dict[str, Any]:
        """Arguments for ``model.generate`` (exposed so tests can check the language handling);
        ``max_new`` overrides the output bound of ``longest_input``."""
        max_new = options.max_new_tokens(longest_input) if max_new is None else max_new
        kwargs: dict[str, Any] = {
            "num_beams": options.beam_width,
            "num_return_sequences": 1 + options.alternatives,
            "do_sample": False,
            "max_new_tokens": max_new,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
        }
        if options.forced_output_tokens is not None:
            kwargs["min_new_tokens"] = max_new
        if self.forced_bos_token_id is not None:
            kwargs["forced_bos_token_id"] = self.forced_bos_token_id
        return kwargs

    def translate_batch(
        self, inputs: Sequence[Sequence[int]], options: DecodeOptions
    ) -> list[ModelOutput]:
        if not inputs:
            return []
        check_budget(inputs, self.max_input_tokens)
        bounds = [options.max_new_tokens(len(ids)) for ids in inputs]
        results: list[ModelOutput | None] = [None] * len(inputs)
        # Greedy: one call for all. Beam search: one call per decoding length (see
        # ``decode_length``), so a row's output does not depend on what it is batched with.
        for group in decode_groups(bounds, options):
            length = max(decode_length(bounds[i], options) for i in group)
            outputs = self._generate([inputs[i] for i in group], length, options)
            for i, output in zip(group, outputs, strict=True):
                results[i] = output
        return [r for r in results if r is not None]

    def _generate(
        self, inputs: Sequence[Sequence[int]], length: int, options: DecodeOptions
    ) -> list[ModelOutput]:
        """One ``generate`` call decoding up to ``length`` tokens; each row is then cut back to
        its own bound, so a segment gets the same (greedy) output alone or in any batch. Row 0
        of the output is the decoder start token."""
        import torch

        lengths = [len(ids) for ids in inputs]
        batch = self._padded(inputs)
        kwargs = self.generation_kwargs(max(lengths), options, max_new=length)
        recorder = self._recorder(options, kwargs)
        with quiet_transformers(), torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        sequences, beam_rows = (output, None) if torch.is_tensor(output) else _beam_output(output)
        per_input = 1 + options.alternatives
        rows = sequences.tolist()
        results = []
        with self._tokenizer_lock:
            for number, n in enumerate(lengths):
                bound = options.max_new_tokens(n)
                first = number * per_input
                mine = [row[1 : 1 + bound] for row in rows[first : first + per_input]]
                texts = [self._decode(ids) for ids in mine]
                generated = sum(1 for i in mine[0] if i != self._pad_id)
                score = self._score(recorder, first, mine[0], beam_rows)
                results.append(ModelOutput(texts[0], generated, tuple(texts[1:]), score))
        return results

    def _recorder(self, options: DecodeOptions, kwargs: dict[str, Any]) -> StepRecorder | None:
        """A log-probability recorder added to ``kwargs`` when scores are asked for (beam
        search also returns its beam indices, to follow each kept token to its row)."""
        if not options.scores:
            return None
        from transformers import LogitsProcessorList

        beams = options.beam_width
        recorder = StepRecorder(keep=1 if beams == 1 else 2 * beams)
        kwargs["logits_processor"] = LogitsProcessorList([recorder])
        if beams > 1:
            kwargs["return_dict_in_generate"] = True
        return recorder

    def _score(
        self,
        recorder: StepRecorder | None,
        sequence: int,
        tokens: list[int],
        beam_rows: list[list[int]] | None,
    ) -> float | None:
        """Mean log-probability of ``tokens`` up to and including the end token."""
        if recorder is None:
            return None
        ends = self._end_ids
        kept = next((i + 1 for i, t in enumerate(tokens) if t in ends), len(tokens))
        rows = None if beam_rows is None else beam_rows[sequence]
        return mean_log_prob(recorder.token_log_probs(sequence, tokens[:kept], rows))

    def _padded(self, inputs: Sequence[Sequence[int]]) -> dict[str, Any]:
        """Right-padded input ids and their attention mask, on the model's device."""
        import torch

        width = max(len(ids) for ids in inputs)
        ids = torch.full((len(inputs), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(inputs), width), dtype=torch.long)
        for row, tokens in enumerate(inputs):
            ids[row, : len(tokens)] = torch.tensor(list(tokens), dtype=torch.long)
            mask[row, : len(tokens)] = 1
        return {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}

    def _decode(self, ids: list[int]) -> str:
        kept = [i for i in ids if i not in self._skip_ids]
        return str(self.tokenizer.decode(kept, skip_special_tokens=True)).strip()


def _beam_output(output: Any) -> tuple[Any, list[list[int]]]:
    """Beam search's sequences and, per sequence and step, the row its token came from."""
    return output.sequences, output.beam_indices.tolist()
