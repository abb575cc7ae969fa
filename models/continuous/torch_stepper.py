"""Step-by-step greedy decoding over a loaded torch backend (see :mod:`models.continuous`).

One :meth:`TorchStepDecoder.step`:

1. rows asked to leave (cancelled) are dropped from the running batch;
2. the running rows advance by one token: one decoder call on the whole batch, each row at its
   own position (:mod:`.positions`), reusing every row's cross-attention keys and values;
3. joining rows run as a prefill batch: the encoder and the first decoder step (which computes
   their cross-attention keys and values, once), giving each its first token;
4. rows that ended (EOS, or their own ``max_new_tokens`` bound) leave with their output; the
   prefill batch is concatenated into what remains (:mod:`.state`).

Every row chooses its token from the scores ``generate()`` would give it (:mod:`.scoring`), so
its output is the one ``generate()`` makes of that segment, whatever joined or left around it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models.backend import DecodeOptions, check_budget
from models.continuous.positions import position_lookup, row_positions
from models.continuous.rows import FinishedRow, JoiningRow, StepResult, supports
from models.continuous.scoring import (
    effective_config,
    eos_ids,
    next_tokens,
    processors,
    unsupported_generation,
)
from models.continuous.state import RunningBatch, concatenate
from models.scoring import mean_log_prob

if TYPE_CHECKING:
    import torch
    from transformers import LogitsProcessorList

    from models.torch_backend import TorchBackend


def unsupported_model(model: Any) -> str | None:
    """Why ``model`` cannot be decoded step by step here, or None when it can."""
    if not getattr(model.config, "is_encoder_decoder", False):
        return "not an encoder-decoder model"
    if position_lookup(model) is None:
        return f"decoder positions of model type {model.config.model_type!r} are not known"
    return unsupported_generation(model.generation_config)


@dataclass
class _Row:
    key: Hashable
    options: DecodeOptions
    bound: int  # most tokens it may generate
    sequence: list[int]  # decoder ids so far: the start token, then what it generated
    logprobs: list[float] = field(default_factory=list)

    @property
    def generated(self) -> list[int]:
        return self.sequence[1:]


class TorchStepDecoder:
    """A running batch of greedy rows over ``backend``'s model (see :class:`StepDecoder`)."""

    def __init__(self, backend: TorchBackend) -> None:
        why = unsupported_model(backend.model)
        if why is not None:
            raise ValueError(f"cannot decode {backend.model_id} step by step: {why}")
        self.backend = backend
        self.model = backend.model
        config = self.model.generation_config
        start = config.decoder_start_token_id
        if start is None:
            start = self.model.config.decoder_start_token_id
        self.start_id = int(start)
        self.eos = eos_ids(config)
        self.rows: list[_Row] = []
        self.batch: RunningBatch | None = None
        self._processors: dict[DecodeOptions, LogitsProcessorList] = {}

    @property
    def running(self) -> int:
        return len(self.rows)

    def clear(self) -> list[Hashable]:
        keys = [row.key for row in self.rows]
        self.rows, self.batch = [], None
        return keys

    def step(
        self, joining: Sequence[JoiningRow] = (), leaving: Collection[Hashable] = ()
    ) -> StepResult:
        import torch

        from models.hf import quiet_transformers

        result = StepResult()
        if leaving:
            self._keep([i for i, row in enumerate(self.rows) if row.key not in leaving])
        with quiet_transformers(), torch.inference_mode():
            if self.batch is not None:
                self._advance()
            joined = self._join(joining, result)
        result.finished, self.rows, self.batch = self._split(self.rows, self.batch)
        if joined is not None:
            finished, rows, batch = self._split(joined[1], joined[0])
            result.finished += finished
            if batch is not None:
                self.batch = batch if self.batch is None else concatenate(self.batch, batch)
                self.rows += rows
        result.running = len(self.rows)
        return result

    # -- one token for the running batch ---------------------------------------------------

    def _advance(self) -> None:
        import torch
        from transformers.modeling_outputs import BaseModelOutput

        batch = self.batch
        assert batch is not None
        device = batch.encoder_mask.device
        last = torch.tensor([[row.sequence[-1]] for row in self.rows], device=device)
        positions = torch.tensor([len(row.sequence) - 1 for row in self.rows], device=device)
        ones = batch.decoder_mask.new_ones((batch.size, 1))
        decoder_mask = torch.cat([batch.decoder_mask, ones], dim=1)
        with row_positions(self.model, positions):
            out = self.model(
                attention_mask=batch.encoder_mask,
                encoder_outputs=BaseModelOutput(last_hidden_state=batch.encoder_hidden),
                decoder_input_ids=last,
                decoder_attention_mask=decoder_mask,
                cache=batch.cache,
                use_cache=True,
            )
        batch.decoder_mask = decoder_mask
        batch.cache = out.cache
        self._choose(self.rows, out.logits)

    def _choose(self, rows: Sequence[_Row], logits: torch.Tensor) -> None:
        import torch

        scores = logits[:, -1].to(copy=True, dtype=torch.float32)
        groups = [row.options for row in rows]
        for options in set(groups):
            if options not in self._processors:
                self._processors[options] = processors(self._config(options), scores.device)
        chosen, logprobs = next_tokens(
            [row.sequence for row in rows], groups, scores, self._processors
        )
        for row, token, logprob in zip(rows, chosen, logprobs, strict=True):
            row.sequence.append(token)
            row.logprobs.append(logprob)

    def _config(self, options: DecodeOptions) -> Any:
        # The processors do not depend on the input length (only the length bound does).
        return effective_config(
            self.model.generation_config, self.backend.generation_kwargs(1, options)
        )

    # -- joining ---------------------------------------------------------------------------

    def _join(
        self, joining: Sequence[JoiningRow], result: StepResult
    ) -> tuple[RunningBatch, list[_Row]] | None:
        """The prefill batch of the rows that can join (with their first token), or None; a
        row that cannot join fails alone."""
        valid: list[JoiningRow] = []
        for row in joining:
            problem = _refusal(row, self.backend.max_input_tokens)
            if problem is None:
                valid.append(row)
            else:
                result.failed.append((row.key, problem))
        if not valid:
            return None
        try:
            joined = self._prefill(valid)
        except Exception as exc:
            if len(valid) == 1:
                result.failed.append((valid[0].key, exc))
                return None
            return self._prefill_one_by_one(valid, result)
        result.joined = len(valid)
        return joined

    def _prefill_one_by_one(
        self, joining: Sequence[JoiningRow], result: StepResult
    ) -> tuple[RunningBatch, list[_Row]] | None:
        batch: RunningBatch | None = None
        rows: list[_Row] = []
        for row in joining:
            try:
                one, made = self._prefill([row])
            except Exception as exc:
                result.failed.append((row.key, exc))
                continue
            batch = one if batch is None else concatenate(batch, one)
            rows += made
        result.joined = len(rows)
        return None if batch is None else (batch, rows)

    def _prefill(self, joining: Sequence[JoiningRow]) -> tuple[RunningBatch, list[_Row]]:
        import torch

        inputs = self.backend.padded([row.ids for row in joining])
        device = inputs["input_ids"].device
        start = torch.full((len(joining), 1), self.start_id, dtype=torch.long, device=device)
        out = self.model(**inputs, decoder_input_ids=start, use_cache=True)
        rows = [
            _Row(j.key, j.options, j.options.max_new_tokens(len(j.ids)), [self.start_id])
            for j in joining
        ]
        self._choose(rows, out.logits)
        batch = RunningBatch(
            out.encoder_last_hidden_state,
            inputs["attention_mask"],
            out.cache,
            torch.ones((len(joining), 1), dtype=torch.long, device=device),
        )
        return batch, rows

    # -- leaving ---------------------------------------------------------------------------

    def _split(
        self, rows: list[_Row], batch: RunningBatch | None
    ) -> tuple[list[FinishedRow], list[_Row], RunningBatch | None]:
        """The outputs of the rows that ended, and the rows and batch without them."""
        keep = [i for i, row in enumerate(rows) if not self._ended(row)]
        if len(keep) == len(rows):
            return [], rows, batch
        finished = [self._output(row) for row in rows if self._ended(row)]
        kept = [rows[i] for i in keep]
        return finished, kept, batch.select(keep) if keep and batch is not None else None

    def _ended(self, row: _Row) -> bool:
        return len(row.generated) >= row.bound or row.sequence[-1] in self.eos

    def _output(self, row: _Row) -> FinishedRow:
        # The mean log-probability up to and including the end token, as generate()'s path
        # scores it (models.scoring)
        score = mean_log_prob(row.logprobs) if row.options.scores else None
        output = self.backend.output_of([row.generated], score)
        return FinishedRow(row.key, output, tuple(row.logprobs))

    def _keep(self, keep: list[int]) -> None:
        """Only the rows ``keep`` go on (the others leave without an output)."""
        if len(keep) == len(self.rows):
            return
        self.rows = [self.rows[i] for i in keep]
        self.batch = self.batch.select(keep) if keep and self.batch is not None else None


def _refusal(row: JoiningRow, budget: int) -> Exception | None:
    """Why ``row`` cannot join, or None."""
    if not supports(row.options):
        return ValueError("only greedy rows decode step by step; run beam searches statically")
    try:
        check_budget([row.ids], budget)
    except ValueError as exc:
        return exc
    if not row.ids:
        return ValueError("an empty input cannot be translated")
    return None
