"""Every place the bench touches the engine, the pipeline or a backend's internals.

The core (``service.engine``, ``service.pipeline``, the ``Backend`` protocol) is being
restructured; the rest of the bench goes through these functions only, so an API change is
adapted here and nowhere else:

* ``new_engine`` / ``engine_translate`` / ``model_segments`` — the offline engine (with its
  cache front, texts taken as segments as they are: no pipeline) and the pipeline's preparation
  (what the server sends to the model for a text);
* ``translate_articles`` / ``masked_segments`` — whole requests through the one workflow (the
  translation memory's cost, ``bench.desk``) and the segments it looks up;
* ``prepare_text`` / ``translate_text`` — one text through the preparation, or the whole
  workflow (the long-line measure);
* ``source_lengths`` — token counts (``encode``);
* ``prepare_raw`` / ``engine_run`` / ``run_raw`` — the engine and the raw library on the same
  pre-tokenised inputs (``Engine.run`` on segments with ids; ``ctranslate2.Translator.
  translate_batch``, ``model.generate``), reaching into the backends' tokenizer, translator and
  model on purpose: the raw library is the baseline the engine is compared with;
* ``ct2_translator`` / ``run_ct2`` — CTranslate2 with other thread layouts (the sweep).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.backend import Backend, DecodeOptions, Segment
    from service.cache.store import SegmentStore
    from service.engine import Engine


def new_engine(
    backend: Backend, batch_size: int, cache: SegmentStore | None = None, max_tokens: int = 1 << 30
) -> Engine:
    """An engine (no cache unless given) whose batches are bounded by count (and tokens)."""
    from service.engine import Engine

    return Engine(backend, max_batch_size=batch_size, max_batch_tokens=max_tokens, cache=cache)


def engine_translate(engine: Engine, segments: Sequence[str], options: DecodeOptions) -> list[str]:
    """``segments`` through the engine as they are (no pipeline): each distinct one once, the
    cache, tokenising, batching, the model, decoding."""
    from models.backend import encode_segments

    unique = list(dict.fromkeys(segments))
    done = engine.outputs.lookup(unique, options)
    todo = encode_segments(engine.backend, [t for t in unique if t not in done])
    fresh = dict(zip((s.text for s in todo), engine.run(todo, options), strict=True))
    engine.outputs.remember(fresh, options)
    done.update(fresh)
    return [done[t].text for t in segments]


def model_segments(
    texts: Sequence[str], counter: Backend, options: DecodeOptions
) -> list[list[str]]:
    """The masked segments the pipeline sends to the model for each text (a sentence may
    become several segments, an article many), so offline work equals the server's."""
    from service.pipeline import TranslateOptions, prepare_document

    translate_options = TranslateOptions(decode=options)
    return [prepare_document(t, translate_options, counter).requests for t in texts]


def masked_segments(texts: Sequence[str], counter: Backend, options: DecodeOptions) -> list[str]:
    """The distinct masked segments of ``texts`` that reach the model (what the translation
    memory is asked about)."""
    return list(
        dict.fromkeys(s for segments in model_segments(texts, counter, options) for s in segments)
    )


def translate_articles(
    engine: Engine, texts: Sequence[str], options: DecodeOptions, memory: Any = None
) -> list[str]:
    """Each text through the one workflow as one request would go (pipeline, memory, cache,
    model), with ``memory`` (a team's ``TeamMemory``) or none."""
    from service.pipeline import TranslateOptions
    from service.workflow import translate_documents

    translate_options = TranslateOptions(decode=options, memory=memory)
    return [translate_documents(engine, [t], translate_options)[0].text for t in texts]


def prepare_text(engine: Engine, text: str, output_tokens: int) -> int:
    """Everything before the model for one text (as the server does); its model segments."""
    from models.backend import DecodeOptions
    from service.pipeline import TranslateOptions, prepare_document

    options = TranslateOptions(decode=DecodeOptions(forced_output_tokens=output_tokens))
    return len(prepare_document(text, options, engine.backend).inputs)


def translate_text(engine: Engine, text: str, output_tokens: int) -> str:
    """One text through the whole workflow, every output forced to ``output_tokens`` tokens."""
    from models.backend import DecodeOptions
    from service.pipeline import TranslateOptions
    from service.workflow import translate_document

    options = TranslateOptions(decode=DecodeOptions(forced_output_tokens=output_tokens))
    return translate_document(engine, text, options).text


def source_lengths(backend: Backend, texts: Sequence[str]) -> list[int]:
    """Source tokens per text, special tokens included."""
    return [len(ids) for ids in backend.encode(list(texts))]


@dataclass
class RawBatch:
    """One batch, tokenised ahead of time, for the engine and for the raw library call."""

    segments: list[Segment]  # the engine's input: texts with their token ids
    longest: int  # source tokens of the longest row (padding: rows x longest)
    inputs: Any  # ct2: (source tokens, target prefix); torch: padded tensors and mask


def prepare_raw(backend: Backend, texts: Sequence[str]) -> RawBatch:
    """Tokenise ``texts`` once, as the pipeline does, outside any timing; the raw library's
    own input (tokens for CTranslate2, padded tensors for torch) made from those ids."""
    from models.backend import encode_segments

    impl: Any = backend  # reaching into the backends on purpose: the raw library is the baseline
    segments = encode_segments(backend, list(texts))
    ids = [list(s.ids) for s in segments]
    longest = max(len(row) for row in ids)
    if backend.name == "ct2":
        source = [impl.tokenizer.convert_ids_to_tokens(list(row)) for row in ids]
        target = getattr(impl, "_target_prefix", None)
        prefix = [[target]] * len(texts) if target else None
        return RawBatch(segments, longest, (source, prefix))
    return RawBatch(segments, longest, impl._padded(ids))


def engine_run(engine: Engine, batch: RawBatch, options: DecodeOptions) -> None:
    """The engine on already-tokenised segments (as the workflow hands them over): batching,
    the backend's call, decoding and the repetition guard."""
    engine.run(batch.segments, options)


def run_raw(backend: Backend, batch: RawBatch, options: DecodeOptions) -> None:
    """One raw library call on a prepared batch, with the same decoding bounds the backend
    uses (so a forced output length forces the same work); outputs are not decoded."""
    impl: Any = backend
    if backend.name == "ct2":
        source, prefix = batch.inputs
        bound = options.max_new_tokens(batch.longest)
        kwargs = impl.translation_kwargs(bound, options)
        # the library's own way to share a batch between the backend's replicas
        kwargs["max_batch_size"] = -(-len(source) // impl.layout.inter)
        impl.translator.translate_batch(source, prefix, **kwargs)
        return
    import torch

    with torch.inference_mode():
        impl.model.generate(**batch.inputs, **impl.generation_kwargs(batch.longest, options))


def ct2_translator(backend: Backend, intra_threads: int, inter_threads: int) -> Any:
    """A second ``ctranslate2.Translator`` on the backend's model with other thread counts."""
    import ctranslate2

    impl: Any = backend
    return ctranslate2.Translator(
        str(impl.model_dir),
        device=impl.device,
        compute_type=impl.compute_type,
        intra_threads=intra_threads,
        inter_threads=inter_threads,
    )


def run_ct2(
    backend: Backend,
    translator: Any,
    batch: RawBatch,
    options: DecodeOptions,
    max_batch_size: int,
) -> None:
    """``batch`` through ``translator``, split into sub-batches of ``max_batch_size`` rows
    (what lets ``inter_threads`` replicas work in parallel)."""
    impl: Any = backend
    source, prefix = batch.inputs
    kwargs = impl.translation_kwargs(options.max_new_tokens(batch.longest), options)
    kwargs["max_batch_size"] = max_batch_size
    translator.translate_batch(source, prefix, **kwargs)
