"""The CTranslate2 backend: a converted model (``model.bin``) run by ``ctranslate2.Translator``.

Tokenisation uses the model's own transformers tokenizer (copied into the converted directory by
``thaimt convert``), so the ct2 and torch backends see the same tokens: text → ids → tokens for
CTranslate2's token input, and tokens → ids → text on the way out. NLLB and M2M100 get their
target-language token as a target prefix.

Lengths follow the torch backend exactly: inputs over ``max_input_tokens`` raise instead of being
truncated (CTranslate2 would silently cut them at 1024 tokens by default, so its own limit is
switched off), and ``DecodeOptions.max_new_tokens`` bounds the output as ``generate`` does.

A transformers directory or hub id is accepted too: it is converted once into the thaimt cache
directory (``<cache dir>/ct2/``), stored in the precision it will run in (int8 on CPU, float16 on
CUDA), and later starts reuse that conversion.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.backend import (
    DecodeOptions,
    ModelOutput,
    check_budget,
    decode_groups,
    decode_length,
)
from models.convert import (
    QUANTIZATIONS,
    ConvertedModelInfo,
    convert_once,
    import_ctranslate2,
    read_converted_info,
)
from models.errors import ModelError
from models.families import Family, detect_family
from models.hf import default_max_input_tokens
from models.scoring import from_normalised, mean_log_prob
from models.source import (
    is_ct2_dir,
    is_local_path,
    model_revision,
    resolve_model_dir,
    tokenizer_class_name,
)
from models.spec import ModelSpec, default_cache_dir

COMPUTE_TYPES = (
    "default",
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)
_ALIASES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def load(spec: ModelSpec) -> Ct2Backend:
    """Entry point used by :func:`models.loading.load_backend`."""
    ctranslate2 = import_ctranslate2()
    device, device_index = resolve_device(ctranslate2, spec.device)
    model_dir, converted_here = ct2_model_dir(spec, device)
    compute_type = resolve_compute_type(spec.dtype, device, converted_here)
    return Ct2Backend(
        model_dir,
        model_id=spec.model,
        device=device,
        device_index=device_index,
        compute_type=compute_type,
        layout=thread_layout(spec.threads, spec.inter_threads, device),
        max_input_tokens=spec.max_input_tokens,
    )


def resolve_device(ctranslate2: Any, device: str) -> tuple[str, int]:
    """``auto`` → cuda when CTranslate2 sees a GPU, else cpu; ``cuda:N`` → ("cuda", N)."""
    has_cuda = ctranslate2.get_cuda_device_count() > 0
    if device == "auto":
        return ("cuda" if has_cuda else "cpu"), 0
    if device == "cpu":
        return "cpu", 0
    if device.startswith("cuda"):
        if not has_cuda:
            raise ModelError(f"device {device!r} requested but CTranslate2 sees no CUDA device")
        index = device.partition(":")[2]
        if index and not index.isdigit():
            raise ModelError(f"bad device {device!r}; use cuda or cuda:N")
        return "cuda", int(index or 0)
    raise ModelError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")


def resolve_compute_type(dtype: str, device: str, converted_here: bool) -> str:
    """The CTranslate2 compute type for ``dtype``.

    ``auto`` keeps the quantization chosen at ``thaimt convert`` time ("default"); for a model
    this backend converts itself, ``auto`` means int8 on CPU and float16 on CUDA, the fast
    choice on each (and the weight type the conversion stores).
    """
    dtype = _ALIASES.get(dtype, dtype)
    if dtype == "auto":
        if converted_here:
            return "float16" if device == "cuda" else "int8"
        return "default"
    if dtype not in COMPUTE_TYPES:
        raise ModelError(
            f"dtype {dtype!r} is not a CTranslate2 compute type; use one of "
            f"{', '.join(COMPUTE_TYPES)}"
        )
    return dtype


def resolve_threads(threads: int) -> int:
    """Intra-op threads; 0 means every core this process may use (CTranslate2's own default
    is 4, which under-uses bigger machines and over-subscribes smaller ones)."""
    if threads > 0:
        return threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Replicas at most under ``inter_threads`` 0 (auto): a batch of 32 split four ways still gives
# each replica 8 rows; bigger machines add intra threads per replica instead.
AUTO_MAX_REPLICAS = 4


@dataclass(frozen=True)
class ThreadLayout:
    """CTranslate2's threads: ``inter`` replicas of the model (sharing its weights), each
    computing with ``intra`` threads. A batch is split between the replicas, which decode
    their parts at once."""

    intra: int
    inter: int = 1

    @property
    def threads(self) -> int:
        return self.intra * self.inter


def thread_layout(threads: int, inter_threads: int, device: str) -> ThreadLayout:
    """The layout for ``threads`` cores (0 = every core this process may use).

    ``inter_threads`` 0 means: on CPU one replica per core, up to ``AUTO_MAX_REPLICAS``, the
    cores shared out between them (measured by ``thaimt bench --sweep`` on 2 cores: a batch of
    32 split between two one-thread replicas runs 1.5x as fast as one replica on both cores,
    because the small matrices of one decoding step do not keep two threads busy); on CUDA one
    replica per GPU, as the server makes one model call at a time.
    """
    cores = resolve_threads(threads)
    if inter_threads > 0:
        inter = inter_threads
    elif device == "cuda":
        inter = 1
    else:
        inter = min(cores, AUTO_MAX_REPLICAS)
    return ThreadLayout(intra=max(1, cores // inter), inter=inter)


def ct2_model_dir(spec: ModelSpec, device: str = "cpu") -> tuple[Path, bool]:
    """The converted directory to load, and whether thaimt converted it itself.

    A CTranslate2 directory (one made by ``thaimt convert``, or a hub repository holding one) is
    used as is; a transformers model is converted once into the thaimt cache, in the precision
    that runs fastest on ``device``, under a name keyed by model id, revision and quantization
    (a changed model is converted again; see :func:`models.convert.convert_once`).
    """
    local = Path(spec.model).expanduser()
    if is_local_path(spec.model) and is_ct2_dir(local):
        return local.resolve(), False
    source = resolve_model_dir(spec.model, spec.revision)
    if is_ct2_dir(source):  # a hub repository that holds a converted model
        return source, False
    quantization = conversion_quantization(spec.dtype, device)
    out = ct2_cache_root(spec.cache_root) / conversion_name(
        spec.model, model_revision(source), quantization
    )
    return convert_once(spec.model, out, quantization, revision=spec.revision), True


def conversion_quantization(dtype: str, device: str) -> str:
    """The weight type to store for ``dtype`` on ``device``: the compute type itself where
    CTranslate2 can store it (``auto``: int8 on CPU, float16 on CUDA), else float32 (which it
    quantizes to any compute type at load time)."""
    compute = resolve_compute_type(dtype, device, converted_here=True)
    return compute if compute in QUANTIZATIONS else "float32"


def conversion_name(model_id: str, revision: str, quantization: str) -> str:
    """``opus-mt-th-en-<16 hex>-int8``: readable, and unique per model id and revision."""
    tag = hashlib.sha256(f"{model_id}\n{revision}".encode()).hexdigest()[:16]
    stem = re.sub(r"[^\w.-]+", "_", Path(model_id).name)[:64] or "model"
    return f"{stem}-{tag}-{quantization}"


def ct2_cache_root(cache_dir: Path | None = None) -> Path:
    """Where on-the-fly conversions live: ``<thaimt cache dir>/ct2``."""
    return (cache_dir if cache_dir is not None else default_cache_dir()) / "ct2"


class Ct2Backend:
    """A Thai→English model run with CTranslate2 (see :class:`models.backend.Backend`)."""

    name = "ct2"

    def __init__(
        self,
        model_dir: Path,
        *,
        model_id: str | None = None,
        device: str = "cpu",
        device_index: int = 0,
        compute_type: str = "default",
        layout: ThreadLayout | None = None,
        max_input_tokens: int | None = None,
    ) -> None:
        ctranslate2 = import_ctranslate2()
        self.model_dir = Path(model_dir)
        self.model_id = model_id or str(model_dir)
        self.revision = model_revision(self.model_dir)
        info = read_converted_info(self.model_dir)
        record = _family(self.model_dir, info)
        self.family = record.name
        self.tokenizer = record.load_tokenizer(self.model_dir)
        # Rust-backed tokenizers (NLLB) are not safe to call from two threads at once.
        self._tokenizer_lock = threading.Lock()
        self.layout = layout or ThreadLayout(intra=resolve_threads(0))
        try:
            self.translator = ctranslate2.Translator(
                str(self.model_dir),
                device=device,
                device_index=device_index,
                compute_type=compute_type,
                intra_threads=self.layout.intra,
                inter_threads=self.layout.inter,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"CTranslate2 cannot load '{self.model_dir}' on {device} "
                f"with compute type {compute_type}: {exc}"
            ) from exc
        self.device = device
        self.compute_type: str = self.translator.compute_type  # what "default"/"auto" became
        self.precision = self.compute_type
        self.max_input_tokens = max_input_tokens or default_max_input_tokens(
            info.max_position_embeddings if info is not None else None, self.tokenizer
        )
        # The target-language token, given to CTranslate2 as a target prefix (forced BOS).
        self._target_prefix = record.target_token
        # Dropped when decoding, as the torch backend does.
        self._skip_ids: set[int] = record.output_skip_ids(self.tokenizer)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        with self._tokenizer_lock:
            # verbose=False: no "sequence length is longer than ... 512" warning; the pipeline
            # counts long texts on purpose, to split them to the budget.
            encoded = self.tokenizer(
                list(texts), add_special_tokens=True, truncation=False, verbose=False
            )
        return [list(row) for row in encoded["input_ids"]]

    def translate_batch(
        self, inputs: Sequence[Sequence[int]], options: DecodeOptions
    ) -> list[ModelOutput]:
        if not inputs:
            return []
        check_budget(inputs, self.max_input_tokens)
        with self._tokenizer_lock:
            source = [self.tokenizer.convert_ids_to_tokens(list(row)) for row in inputs]
        bounds = [self.output_bound(len(row), options) for row in inputs]
        lengths = [decode_length(bound, options) for bound in bounds]
        results: list[Any] = [None] * len(inputs)
        # One part per replica, of similar lengths; each decodes only as far as its own
        # longest bound, and the replicas run their parts at once. Beam search decodes each
        # group of one length on its own (see ``decode_length``).
        parts = [
            part
            for group in decode_groups(bounds, options)
            for part in _contiguous(group, min(self.layout.inter, len(group)))
        ]
        pending = [(part, *self._submit(source, part, lengths, options)) for part in parts]
        limits = [0] * len(inputs)  # the decoding length each row could run to
        for part, futures, reach in pending:
            for i, future, limit in zip(part, futures, reach, strict=True):
                results[i] = future.result()
                limits[i] = limit
        # Each row is cut back to its own bound (greedy rows stop there), so a segment gets the
        # same output alone or in any batch; so does its score (see _scores).
        scores = self._scores(source, results, bounds, limits) if options.scores else {}
        outputs = []
        with self._tokenizer_lock:
            for i, (result, bound) in enumerate(zip(results, bounds, strict=True)):
                hypotheses = [tokens[:bound] for tokens in result.hypotheses]
                texts = [self._decode(tokens) for tokens in hypotheses]
                score = scores.get(i)
                outputs.append(ModelOutput(texts[0], len(hypotheses[0]), tuple(texts[1:]), score))
        return outputs

    def _scores(
        self, source: Sequence[Any], results: list[Any], bounds: list[int], limits: list[int]
    ) -> dict[int, float | None]:
        """Each row's mean token log-probability (models.scoring). CTranslate2 scores the
        whole decoded row; a beam-search row that reached its own bound and was decoded past it
        (to its ``decode_length``, then cut back above) is scored again on its kept tokens
        alone (``score_batch``, teacher-forced), so that its score, like its text, is that of
        the output it returns."""
        scores = {
            i: _score(r, limit) for i, (r, limit) in enumerate(zip(results, limits, strict=True))
        }
        again = [
            i
            for i, r in enumerate(results)
            if bounds[i] < limits[i] and len(r.hypotheses[0]) >= bounds[i]
        ]
        if again:
            kept = [results[i].hypotheses[0][: bounds[i]] for i in again]
            forced = 1 if self._target_prefix else 0  # the target-language token: not scored
            scored = self.translator.score_batch(
                [source[i] for i in again], kept, max_input_length=0, offset=forced
            )
            for i, result in zip(again, scored, strict=True):
                # log_probs end with the end token's, which the cut row never produced
                scores[i] = mean_log_prob([*result.log_probs[:-1], *[0.0] * forced])
        return scores

    def _submit(
        self,
        source: Sequence[Any],
        part: list[int],
        lengths: list[int],
        options: DecodeOptions,
    ) -> tuple[list[Any], list[int]]:
        """Queue the rows ``part`` on a free replica: their (asynchronous) results, and how far
        each may decode. Greedy rows stop at their own bound (a step callback), which saves
        the work of rows that would be cut back and keeps each row's score its own; beam
        search (which takes no callback) decodes every row to the part's longest bound."""
        prefix = [[self._target_prefix]] * len(part) if self._target_prefix else None
        own = [lengths[i] for i in part]
        kwargs = self.translation_kwargs(max(own), options)
        reach = [max(own)] * len(part)
        if options.beam_width == 1 and len(set(own)) > 1:
            kwargs["callback"] = _stop_at(own)
            reach = own
        futures = self.translator.translate_batch(
            [source[i] for i in part], prefix, asynchronous=True, **kwargs
        )
        return list(futures), reach

    def output_bound(self, input_tokens: int, options: DecodeOptions) -> int:
        """Most tokens a segment may produce: ``max_new_tokens`` counts every generated
        position as the torch backend does, the forced target-language token included (a target
        prefix here, which CTranslate2 counts and returns too). Like the torch backend (which
        switches off transformers' forced final EOS), a row runs to exactly its bound."""
        return options.max_new_tokens(input_tokens)

    def translation_kwargs(self, max_length: int, options: DecodeOptions) -> dict[str, Any]:
        """Arguments for ``Translator.translate_batch`` for a batch decoding ``max_length``."""
        return {
            "beam_size": options.beam_width,
            "num_hypotheses": 1 + options.alternatives,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
            "max_input_length": 0,  # never truncate; translate_batch checks the budget above
            "max_decoding_length": max_length,
            "min_decoding_length": max_length if options.forced_output_tokens is not None else 1,
            "max_batch_size": 0,  # the engine already formed the batch
            "return_scores": options.scores,  # one log-softmax per step; the confidence's base
        }

    def _token_ids(self, tokens: list[str]) -> list[int]:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)  # a list for a list argument
        return [ids] if isinstance(ids, int) else list(ids)

    def _decode(self, tokens: list[str]) -> str:
        ids = [i for i in self._token_ids(tokens) if i not in self._skip_ids]
        return str(self.tokenizer.decode(ids, skip_special_tokens=True)).strip()


def _stop_at(bounds: list[int]) -> Any:
    """A greedy-search step callback: a row is finished once it holds its own bound."""

    def finished(step: Any) -> bool:
        return bool(step.step + 1 >= bounds[step.batch_id])

    return finished


def _score(result: Any, limit: int) -> float | None:
    """The best hypothesis's mean token log-probability (models.scoring); it ended with an end
    token when it is shorter than the length its part decoded to."""
    if not result.scores:
        return None
    tokens = len(result.hypotheses[0])
    return from_normalised(float(result.scores[0]), tokens, ended=tokens < limit)


def _contiguous(order: list[int], count: int) -> list[list[int]]:
    """``order`` cut into ``count`` runs of (nearly) equal size."""
    size, extra = divmod(len(order), count)
    runs, start = [], 0
    for k in range(count):
        end = start + size + (k < extra)
        runs.append(order[start:end])
        start = end
    return [r for r in runs if r]


def _family(model_dir: Path, info: ConvertedModelInfo | None) -> Family:
    """The family from the conversion record, or from the tokenizer class of a directory
    converted elsewhere (CTranslate2's config.json does not name the architecture)."""
    if info is not None:
        return detect_family(info.model_type, info.tokenizer_class)
    name = tokenizer_class_name(model_dir)
    try:
        return detect_family(None, name)
    except ModelError:
        raise ModelError(
            f"cannot tell the model family of '{model_dir}' (tokenizer_class={name or ''!r}); "
            "convert it with `thaimt convert`, which records it"
        ) from None
